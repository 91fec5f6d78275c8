"""The progress database file: its schema, numbered migrations, and transactions that retry a
locked database and set a damaged one aside."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from tutor import prompts, sqlite
from tutor.errors import ProgressStoreError, TutorError

log = logging.getLogger(__name__)
T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id   TEXT    NOT NULL,
    question  TEXT    NOT NULL,
    item_json TEXT    NOT NULL,
    answer    TEXT    NOT NULL,
    correct   INTEGER NOT NULL,
    seconds   REAL,
    domain    INTEGER NOT NULL,
    task      TEXT    NOT NULL,
    ts        REAL    NOT NULL,
    mode      TEXT    NOT NULL DEFAULT 'practice'
);
CREATE INDEX IF NOT EXISTS attempts_task_ts ON attempts (task, ts);
CREATE INDEX IF NOT EXISTS attempts_item ON attempts (item_id);
CREATE TABLE IF NOT EXISTS reviews (
    item_id       TEXT    PRIMARY KEY,
    box           INTEGER NOT NULL,
    due           REAL    NOT NULL,
    last_answered REAL    NOT NULL,
    domain        INTEGER NOT NULL,
    task          TEXT    NOT NULL,
    item_json     TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS reviews_due ON reviews (due);
"""
# Version 2: flashcards get their own Leitner cards (every reviewed card is scheduled, unlike
# quiz items, which enter review only when missed), and each mock exam's items are kept so the
# next one can avoid them.
_SCHEMA_V2 = """
CREATE TABLE IF NOT EXISTS card_reviews (
    card_id       TEXT    PRIMARY KEY,
    box           INTEGER NOT NULL,
    due           REAL    NOT NULL,
    last_answered REAL    NOT NULL
);
CREATE TABLE IF NOT EXISTS mock_exams (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    started  REAL    NOT NULL,
    item_ids TEXT    NOT NULL
);
"""
# Migration n brings a database from version n - 1 to n; each runs once, in one transaction,
# and is recorded in schema_version. Never edit a released migration: append a new one.
MIGRATIONS: tuple[str, ...] = (_SCHEMA, _SCHEMA_V2)
SCHEMA_VERSION = len(MIGRATIONS)


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def migrate(conn: sqlite.Connection) -> int:
    """Bring the database to SCHEMA_VERSION; return the version it had before.

    Databases made before the schema_version table existed recorded their version only in
    ``PRAGMA user_version``; that is where their history starts. A database written by a newer
    release is refused rather than changed.
    """
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version ("
                 " version INTEGER PRIMARY KEY, applied REAL NOT NULL)")
    recorded = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
    before = int(recorded if recorded is not None
                 else conn.execute("PRAGMA user_version").fetchone()[0])
    if before > SCHEMA_VERSION:
        conn.execute("ROLLBACK")
        raise TutorError(f"The progress database was written by a newer version of the tutor "
                         f"(schema {before}, this one knows {SCHEMA_VERSION}); upgrade the "
                         "tutor to use it.")
    now = datetime.now(UTC).timestamp()
    if recorded is None and before:
        conn.execute("INSERT INTO schema_version VALUES (?, ?)", (before, now))
    for version in range(before + 1, SCHEMA_VERSION + 1):
        for statement in _statements(MIGRATIONS[version - 1]):
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version VALUES (?, ?)", (version, now))
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    return before


def create_empty() -> sqlite.Connection:
    """An in-memory database with the whole schema: what a store reads before its file
    exists."""
    conn = sqlite.connect(":memory:")
    for script in MIGRATIONS:
        conn.executescript(script)
    return conn


class ProgressFile:
    """One SQLite progress file. ``events`` collects what the learner should be told (a
    damaged database moved aside); the store drains it into its notices."""

    def __init__(self, path: Path, *, timeout: float = 2.0, retries: int = 3):
        self.path, self.timeout, self.retries = path, timeout, retries
        self.events: list[str] = []

    @staticmethod
    def _create(conn: sqlite.Connection) -> None:
        if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            migrate(conn)
            conn.commit()  # the caller may open its own transaction next

    def run(self, use: Callable[[sqlite.Connection], T], *, write: bool = False) -> T:
        """``use`` on a connection, in a transaction: retried while the database is locked,
        on a new file once a damaged one is moved aside; ProgressStoreError when it cannot."""
        for attempt in range(self.retries + 1):
            try:
                if not write and not self.path.exists():
                    with closing(create_empty()) as empty:  # nothing recorded yet
                        return use(empty)
                with closing(sqlite.connect(self.path, timeout=self.timeout)) as conn, conn:
                    if write:  # also after a damaged file was moved aside: start the new one
                        self._create(conn)
                    return use(conn)
            except sqlite.DatabaseError as exc:
                if sqlite.is_damaged(exc):
                    self._recover(exc)
                elif sqlite.is_busy(exc) and attempt < self.retries:
                    time.sleep(0.2 * (attempt + 1))
                elif sqlite.is_busy(exc):
                    raise ProgressStoreError(prompts.PROGRESS_BUSY.format(path=self.path)) from exc
                elif sqlite.is_read_only(exc) and not write:
                    with closing(sqlite.connect_read_only(self.path)) as conn:
                        return use(conn)
                else:
                    raise ProgressStoreError(prompts.PROGRESS_UNWRITABLE.format(
                        path=self.path, detail=exc)) from exc
            except OSError as exc:
                raise ProgressStoreError(prompts.PROGRESS_UNWRITABLE.format(
                    path=self.path, detail=exc.strerror or exc)) from exc
        raise ProgressStoreError(prompts.PROGRESS_BUSY.format(path=self.path))

    def _recover(self, exc: BaseException) -> None:
        kept = sqlite.move_aside(self.path, time.strftime("%Y%m%d-%H%M%S"))
        self.events.append(prompts.PROGRESS_MOVED_ASIDE.format(path=self.path, kept=kept))
        log.warning("progress database %s was damaged (%s); moved to %s", self.path, exc, kept)
