"""The ProgressStore in SQLite: every attempt, and the Leitner card of each missed item.

The database lives at ``settings.progress_db``; its schema is created on first use. It runs in
WAL mode so a reader (the UI, another CLI) can read while an answer is being written; each call
opens its own short-lived connection, so a store may be shared across threads and processes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tutor import sqlite
from tutor.exam import TASKS
from tutor.progress.base import RECENT_WINDOW, Attempt, ProgressHistory, StoredCard, TaskStat
from tutor.quiz.review import ReviewCard, next_card
from tutor.types import QuizItem

SCHEMA_VERSION = 1

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
            if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                conn.executescript(_SCHEMA)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

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

    def attempt(self, attempt_id: int) -> Attempt | None:
        """The attempt with that id (this file holds one learner's), or None."""
        found = self.attempts(attempt_id=attempt_id)
        return found[0] if found else None

    def attempts(self, task: str | None = None, limit: int | None = None,
                 attempt_id: int | None = None) -> list[Attempt]:
        """Stored attempts, newest first."""
        sql = ("SELECT id, item_id, question, item_json, answer, correct, seconds, domain, task,"
               " ts, mode FROM attempts WHERE 1 = 1")
        params: list[Any] = []
        if task is not None:
            sql += " AND task = ?"
            params.append(task)
        if attempt_id is not None:
            sql += " AND id = ?"
            params.append(attempt_id)
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

    # ---- moving a learner's history (tutor export-progress / import-progress) ----------------

    def history(self) -> ProgressHistory:
        """Everything in this file, oldest attempt first."""
        with self._connect() as conn:
            rows = conn.execute("SELECT item_json, box, due, last_answered FROM reviews"
                                " ORDER BY item_id").fetchall()
        cards = []
        for item_json, box, due, last in rows:
            item = QuizItem.model_validate_json(item_json)
            cards.append(StoredCard(item=item, card=ReviewCard(
                item_id=item.id, box=box, due=_from_ts(due), last_answered=_from_ts(last))))
        return ProgressHistory(attempts=list(reversed(self.attempts())), cards=cards)

    def restore(self, history: ProgressHistory) -> int:
        """Add the attempts not stored yet (same item and time) and the cards (the later
        answer wins), in one transaction; the number of attempts added."""
        added = 0
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            for a in history.attempts:
                ts = _utc(a.at).timestamp()
                if conn.execute("SELECT 1 FROM attempts WHERE item_id = ? AND ts = ?",
                                (a.item_id, ts)).fetchone():
                    continue
                conn.execute(
                    "INSERT INTO attempts (item_id, question, item_json, answer, correct,"
                    " seconds, domain, task, ts, mode) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (a.item_id, a.question, a.item.model_dump_json(), json.dumps(a.answer),
                     int(a.correct), a.seconds, a.domain, a.task, ts, a.mode))
                added += 1
            for c in history.cards:
                conn.execute(
                    "INSERT INTO reviews (item_id, box, due, last_answered, domain, task,"
                    " item_json) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(item_id) DO UPDATE SET"
                    " box=excluded.box, due=excluded.due, last_answered=excluded.last_answered"
                    " WHERE reviews.last_answered < excluded.last_answered",
                    (c.item.id, c.card.box, c.card.due.timestamp(),
                     c.card.last_answered.timestamp(), c.item.domain, c.item.task,
                     c.item.model_dump_json()))
        return added
