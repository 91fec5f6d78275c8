"""Schema migrations of the SQLite progress store: an old database gains the new tables and
keeps its data, a fresh one records every migration, a newer one is refused untouched."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.quiz_data import single_item
from tutor.errors import TutorError
from tutor.progress import SQLiteProgressStore
from tutor.progress.sqlite_file import SCHEMA_VERSION

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

V1_SCHEMA = """
CREATE TABLE attempts (id INTEGER PRIMARY KEY AUTOINCREMENT, item_id TEXT NOT NULL,
  question TEXT NOT NULL, item_json TEXT NOT NULL, answer TEXT NOT NULL, correct INTEGER NOT NULL,
  seconds REAL, domain INTEGER NOT NULL, task TEXT NOT NULL, ts REAL NOT NULL,
  mode TEXT NOT NULL DEFAULT 'practice');
CREATE TABLE reviews (item_id TEXT PRIMARY KEY, box INTEGER NOT NULL, due REAL NOT NULL,
  last_answered REAL NOT NULL, domain INTEGER NOT NULL, task TEXT NOT NULL,
  item_json TEXT NOT NULL);
PRAGMA user_version = 1;
"""


def test_a_version_1_database_is_migrated_and_keeps_its_data(tmp_path: Path) -> None:
    """A database written before flashcards and mock history (user_version 1, no version
    table) gains the new tables on open; its attempts and review cards are kept."""
    path = tmp_path / "old.sqlite3"
    item = single_item()
    with sqlite3.connect(path) as conn:
        conn.executescript(V1_SCHEMA)
        conn.execute("INSERT INTO attempts (item_id, question, item_json, answer, correct, "
                     "domain, task, ts) VALUES (?, ?, ?, '\"A\"', 0, 3, '3.1', ?)",
                     (item.id, item.stem, item.model_dump_json(), T0.timestamp()))
        conn.execute("INSERT INTO reviews VALUES (?, 1, ?, ?, 3, '3.1', ?)",
                     (item.id, (T0 + timedelta(days=1)).timestamp(), T0.timestamp(),
                      item.model_dump_json()))
    conn.close()
    store = SQLiteProgressStore(path)
    assert [a.item_id for a in store.attempts()] == [item.id]
    assert store.card(item.id) is not None and store.last_seen() == {item.id: T0}
    store.review_flashcard("c", True, now=T0)
    store.record_mock(["x"], now=T0)
    with sqlite3.connect(path) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY 1")]
        user_version = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.close()
    assert versions == list(range(1, SCHEMA_VERSION + 1)) and user_version == SCHEMA_VERSION
    SQLiteProgressStore(path)  # opening again migrates nothing twice
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_a_fresh_database_records_every_migration(tmp_path: Path) -> None:
    SQLiteProgressStore(tmp_path / "new.sqlite3")
    with sqlite3.connect(tmp_path / "new.sqlite3") as conn:
        rows = conn.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()
    conn.close()
    assert [r[0] for r in rows] == list(range(1, SCHEMA_VERSION + 1))


def test_a_database_from_a_newer_release_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
                     "applied REAL NOT NULL)")
        conn.execute("INSERT INTO schema_version VALUES (?, 0)", (SCHEMA_VERSION + 1,))
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(TutorError, match="newer version of the tutor"):
        SQLiteProgressStore(path)
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        versions = conn.execute("SELECT version FROM schema_version").fetchall()
    conn.close()
    assert tables == {"schema_version"} and versions == [(SCHEMA_VERSION + 1,)]
