"""The ProgressStore in SQLite: every attempt, and the Leitner card of each missed item.

The database lives at ``settings.progress_db``; its schema is created on first use. It runs in
WAL mode so a reader (the UI, another CLI) can read while an answer is being written; each call
opens its own short-lived connection, so a store may be shared across threads and processes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tutor import sqlite
from tutor.errors import TutorError
from tutor.exam import TASKS
from tutor.progress.base import RECENT_WINDOW, Attempt, TaskStat
from tutor.quiz.review import ReviewCard, next_card, next_flashcard
from tutor.types import QuizItem

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


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _from_ts(value: float) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)


class SQLiteProgressStore:
    """Attempts and review cards in one SQLite file."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                migrate(conn)

    @contextmanager
    def _connect(self) -> Iterator[sqlite.Connection]:
        with closing(sqlite.connect(self.path)) as conn, conn:
            yield conn

    # ---- writing ------------------------------------------------------------------------------

    def record(
        self,
        item: QuizItem,
        answer: Any,
        correct: bool,
        seconds: float | None = None,
        now: datetime | None = None,
        mode: str = "practice",
    ) -> ReviewCard | None:
        """Store an attempt and move the item's Leitner card, in one transaction.
        Returns the card after the move (None if the item is not in review)."""
        moment = _utc(now)
        item_json = item.model_dump_json()
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO attempts (item_id, question, item_json, answer, correct, seconds,"
                " domain, task, ts, mode) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (item.id, item.stem, item_json, json.dumps(answer), int(correct), seconds,
                 item.domain, item.task, moment.timestamp(), mode),
            )
            card = next_card(self._card(conn, item.id), item.id, correct, moment)
            if card is not None:
                conn.execute(
                    "INSERT INTO reviews"
                    " (item_id, box, due, last_answered, domain, task, item_json)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(item_id) DO UPDATE SET"
                    " box=excluded.box, due=excluded.due, last_answered=excluded.last_answered,"
                    " item_json=excluded.item_json",
                    (item.id, card.box, card.due.timestamp(), moment.timestamp(), item.domain,
                     item.task, item_json),
                )
            return card

    # ---- reading ------------------------------------------------------------------------------

    @staticmethod
    def _card(conn: sqlite.Connection, item_id: str) -> ReviewCard | None:
        row = conn.execute(
            "SELECT box, due, last_answered FROM reviews WHERE item_id = ?", (item_id,)
        ).fetchone()
        if row is None:
            return None
        return ReviewCard(item_id=item_id, box=row[0], due=_from_ts(row[1]),
                          last_answered=_from_ts(row[2]))

    def card(self, item_id: str) -> ReviewCard | None:
        with self._connect() as conn:
            return self._card(conn, item_id)

    def attempts(self, task: str | None = None, limit: int | None = None) -> list[Attempt]:
        """Stored attempts, newest first."""
        sql = ("SELECT id, item_id, question, item_json, answer, correct, seconds, domain, task,"
               " ts, mode FROM attempts")
        params: list[Any] = []
        if task is not None:
            sql += " WHERE task = ?"
            params.append(task)
        sql += " ORDER BY ts DESC, id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        with self._connect() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [
            Attempt(id=r[0], item_id=r[1], question=r[2], item=QuizItem.model_validate_json(r[3]),
                    answer=json.loads(r[4]), correct=bool(r[5]), seconds=r[6], domain=r[7],
                    task=r[8], at=_from_ts(r[9]), mode=r[10])
            for r in rows
        ]

    def weak_areas(self, window: int = RECENT_WINDOW) -> list[TaskStat]:
        """Attempted tasks, weakest first: lowest accuracy over each task's last ``window``
        attempts, then more recent attempts (more evidence), then task number."""
        sql = """
            WITH ranked AS (
                SELECT task, domain, correct,
                       ROW_NUMBER() OVER (PARTITION BY task ORDER BY ts DESC, id DESC) AS rn,
                       COUNT(*) OVER (PARTITION BY task) AS total
                FROM attempts)
            SELECT task, MIN(domain), MAX(total), COUNT(*), SUM(correct)
            FROM ranked WHERE rn <= ? GROUP BY task"""
        with self._connect() as conn:
            rows = conn.execute(sql, (window,)).fetchall()
        stats = [
            TaskStat(task=r[0], name=TASKS.get(r[0], r[0]), domain=r[1], attempts=r[2],
                     recent=r[3], recent_correct=r[4])
            for r in rows
        ]
        return sorted(stats, key=lambda s: (s.accuracy, -s.recent, s.task))

    def due_items(
        self,
        now: datetime | None = None,
        domain: int | None = None,
        task: str | None = None,
        limit: int | None = None,
    ) -> list[QuizItem]:
        """Items whose Leitner card is due at ``now``, most overdue first."""
        sql = "SELECT item_json FROM reviews WHERE due <= ?"
        params: list[Any] = [_utc(now).timestamp()]
        if domain is not None:
            sql += " AND domain = ?"
            params.append(domain)
        if task is not None:
            sql += " AND task = ?"
            params.append(task)
        sql += " ORDER BY due, item_id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        with self._connect() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [QuizItem.model_validate_json(r[0]) for r in rows]

    def review_counts(self, now: datetime | None = None) -> dict[str, int]:
        """Cards per Leitner box (keys "1".."5") and how many are due now ("due")."""
        with self._connect() as conn:
            boxes = dict(conn.execute("SELECT box, COUNT(*) FROM reviews GROUP BY box").fetchall())
            due = conn.execute("SELECT COUNT(*) FROM reviews WHERE due <= ?",
                               (_utc(now).timestamp(),)).fetchone()[0]
        out = {str(b): int(boxes.get(b, 0)) for b in range(1, 6)}
        out["due"] = int(due)
        return out

    def totals(self) -> dict[int, tuple[int, int]]:
        """Per domain: (attempts, correct) over all time."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT domain, COUNT(*), SUM(correct) FROM attempts GROUP BY domain"
            ).fetchall()
        return {int(d): (int(n), int(c or 0)) for d, n, c in rows}

    # ---- seen items, flashcards and mock exams (schema 2) -----------------------------------

    def last_seen(self) -> dict[str, datetime]:
        """Every item answered at least once, with when it was last answered."""
        with self._connect() as conn:
            rows = conn.execute("SELECT item_id, MAX(ts) FROM attempts GROUP BY item_id")
            return {r[0]: _from_ts(r[1]) for r in rows.fetchall()}

    def review_flashcard(self, card_id: str, known: bool,
                         now: datetime | None = None) -> ReviewCard:
        """Move a flashcard's Leitner card after a review; the card after the move."""
        moment = _utc(now)
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            row = conn.execute("SELECT box, due, last_answered FROM card_reviews"
                               " WHERE card_id = ?", (card_id,)).fetchone()
            before = None if row is None else ReviewCard(
                item_id=card_id, box=row[0], due=_from_ts(row[1]), last_answered=_from_ts(row[2]))
            card = next_flashcard(before, card_id, known, moment)
            conn.execute(
                "INSERT INTO card_reviews (card_id, box, due, last_answered) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(card_id) DO UPDATE SET box=excluded.box, due=excluded.due,"
                " last_answered=excluded.last_answered",
                (card_id, card.box, card.due.timestamp(), moment.timestamp()))
            return card

    def flashcard_states(self) -> dict[str, ReviewCard]:
        """The Leitner card of every flashcard reviewed at least once."""
        with self._connect() as conn:
            rows = conn.execute("SELECT card_id, box, due, last_answered FROM card_reviews")
            return {r[0]: ReviewCard(item_id=r[0], box=r[1], due=_from_ts(r[2]),
                                     last_answered=_from_ts(r[3])) for r in rows.fetchall()}

    def record_mock(self, item_ids: Sequence[str], now: datetime | None = None) -> None:
        """Remember the items of a mock exam that was just assembled."""
        with self._connect() as conn:
            conn.execute("INSERT INTO mock_exams (started, item_ids) VALUES (?, ?)",
                         (_utc(now).timestamp(), json.dumps(list(item_ids))))

    def last_mock(self) -> list[str]:
        """The item ids of the most recently assembled mock exam; [] before the first."""
        with self._connect() as conn:
            row = conn.execute("SELECT item_ids FROM mock_exams"
                               " ORDER BY started DESC, id DESC LIMIT 1").fetchone()
        return [] if row is None else [str(i) for i in json.loads(row[0])]
