"""Issue 9 case 20: the progress database (SQLite, WAL) survives a writer killed with
SIGKILL, including in the middle of a transaction, and serves a concurrent reader.

The writer is a real child process (tests/fixtures/progress_writer.py) using ProgressStore.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.relkit import REPO, child_env, wait_for

pytestmark = pytest.mark.server  # starts processes (see pyproject.toml)

WRITER = Path(__file__).parent / "fixtures" / "progress_writer.py"


def _writer(db: Path, counter: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(WRITER), str(db), str(counter), *extra],
                            env=child_env(db.parent), cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL


def _integrity(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def _committed(counter: Path) -> int:
    return int(counter.read_text()) if counter.exists() else 0


def test_kill_inside_a_write_transaction_loses_only_that_attempt(tmp_path: Path) -> None:
    from tests.quiz_data import single_item
    from tutor.progress import SQLiteProgressStore

    db, counter, marker = tmp_path / "progress.sqlite3", tmp_path / "n", tmp_path / "parked"
    proc = _writer(db, counter, "--park", str(marker), "--n", "5")
    try:
        wait_for(lambda: marker.exists() or proc.poll() is not None, "the writer to park")
        assert marker.exists(), proc.stderr.read() if proc.stderr else ""
        # The writer holds an open write transaction; a reader is not blocked and sees only
        # what was committed.
        reader = SQLiteProgressStore(db)
        assert [a.item_id for a in reader.attempts()][::-1] == [f"item-{i:06d}" for i in range(5)]
    finally:
        _kill(proc)

    assert _integrity(db) == "ok"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store = SQLiteProgressStore(db)
    ids = [a.item_id for a in store.attempts()]
    assert "never-committed" not in ids and len(ids) == 5
    # Items 1, 2 and 4 were answered wrongly (the writer marks every third one right).
    assert store.review_counts()["1"] == 3
    store.record(single_item(id="after-the-crash"), "B", True)
    assert store.attempts(limit=1)[0].item_id == "after-the-crash"


def test_concurrent_reader_then_kill_at_an_arbitrary_moment(tmp_path: Path) -> None:
    from tutor.progress import SQLiteProgressStore

    db, counter = tmp_path / "progress.sqlite3", tmp_path / "n"
    proc = _writer(db, counter)
    seen: list[int] = []
    try:
        wait_for(lambda: _committed(counter) > 0 or proc.poll() is not None, "first write")
        reader = SQLiteProgressStore(db)
        while _committed(counter) < 60 and proc.poll() is None:
            attempts = reader.attempts()  # every row parses back into a QuizItem
            totals = reader.totals()
            seen.append(len(attempts))
            assert sum(n for n, _ in totals.values()) >= len(attempts)
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
    finally:
        _kill(proc)

    assert seen and seen == sorted(seen)  # the reader never saw rows disappear
    assert _integrity(db) == "ok"
    last = _committed(counter)
    rows = SQLiteProgressStore(db).attempts()
    # The kill may land after a commit and before the counter is updated, never otherwise.
    assert last <= len(rows) <= last + 1
    assert sorted(a.item_id for a in rows) == [f"item-{i:06d}" for i in range(len(rows))]
