"""The ProgressStore in SQLite: every attempt, and the Leitner card of each missed item.

The database lives at ``settings.progress_db`` (schema, migrations and resilient transactions in
``tutor.progress.sqlite_file``). Each call opens its own short-lived connection, so a store may
be shared across threads and processes.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from tutor import prompts, sqlite
from tutor.errors import ProgressStoreError
from tutor.exam import TASKS
from tutor.progress.base import RECENT_WINDOW, Attempt, ProgressHistory, StoredCard, TaskStat
from tutor.progress.sqlite_file import ProgressFile
from tutor.quiz.review import ReviewCard, next_card, next_flashcard
from tutor.types import QuizItem


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _from_ts(value: float) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)


class SQLiteProgressStore:
    """Attempts and review cards in one SQLite file.

    Never loses an answer silently: a write that finds the database locked is retried a few
    times (``retries`` waits of ``timeout`` seconds), and if it still cannot be written (locked,
    read-only, or a folder that cannot be written) the attempt is queued in a journal beside
    the database (``<name>.pending.jsonl``), or in memory when even that is impossible, and
    written at the next successful write. A damaged database is moved aside (kept, named
    ``<name>.corrupt-<time>``) and a new one started. ``notices`` says what happened.
    """

    def __init__(self, path: Path | str, *, timeout: float = 2.0, retries: int = 3):
        self.path = Path(path)
        self.journal = self.path.with_name(self.path.name + ".pending.jsonl")
        self.db = ProgressFile(self.path, timeout=timeout, retries=retries)
        self._lock = threading.Lock()
        self._memory: list[dict[str, Any]] = []
        self._problem: str | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db.run(lambda conn: None, write=True)  # create or migrate the schema
            self._flush()
        except ProgressStoreError as exc:
            self._problem = str(exc)

    def notices(self) -> list[str]:
        """What the learner should know: a damaged database set aside (said once), answers
        waiting to be written, or a database that cannot be used."""
        with self._lock:
            out, self.db.events = self.db.events, []
            waiting = len(self._pending())
            if waiting:
                out.append(prompts.PROGRESS_QUEUED.format(n=waiting, journal=self.journal))
            if self._memory:
                out.append(prompts.PROGRESS_IN_MEMORY.format(n=len(self._memory),
                                                            path=self.path))
            if self._problem and not (waiting or self._memory):
                out.append(self._problem)
            return out

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
        Returns the card after the move (None if the item is not in review). When the
        database cannot be written, the attempt is queued (see the class) instead."""
        entry = {"item": item.model_dump_json(), "answer": json.dumps(answer),
                 "correct": bool(correct), "seconds": seconds, "ts": _utc(now).timestamp(),
                 "mode": mode}
        try:
            card = self.db.run(lambda conn: self._write(conn, entry), write=True)
        except ProgressStoreError as exc:
            self._problem = str(exc)
            self._queue({**entry, "queued": True})
            try:
                return next_card(self.card(item.id), item.id, correct, _utc(now))
            except ProgressStoreError:
                return next_card(None, item.id, correct, _utc(now))
        self._problem = None
        self._flush()
        return card

    def _write(self, conn: sqlite.Connection, entry: dict[str, Any]) -> ReviewCard | None:
        item = QuizItem.model_validate_json(entry["item"])
        moment = _from_ts(entry["ts"])
        conn.execute("BEGIN IMMEDIATE")
        if entry.get("queued") and conn.execute(
                "SELECT 1 FROM attempts WHERE item_id = ? AND ts = ?",
                (item.id, entry["ts"])).fetchone():
            return self._card(conn, item.id)  # a queued attempt already written
        conn.execute(
            "INSERT INTO attempts (item_id, question, item_json, answer, correct, seconds,"
            " domain, task, ts, mode) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (item.id, item.stem, entry["item"], entry["answer"], int(entry["correct"]),
             entry["seconds"], item.domain, item.task, entry["ts"], entry["mode"]),
        )
        card = next_card(self._card(conn, item.id), item.id, entry["correct"], moment)
        if card is not None:
            conn.execute(
                "INSERT INTO reviews"
                " (item_id, box, due, last_answered, domain, task, item_json)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(item_id) DO UPDATE SET"
                " box=excluded.box, due=excluded.due, last_answered=excluded.last_answered,"
                " item_json=excluded.item_json",
                (item.id, card.box, card.due.timestamp(), entry["ts"], item.domain,
                 item.task, entry["item"]),
            )
        return card

    def _queue(self, entry: dict[str, Any]) -> None:
        with self._lock:
            try:
                with self.journal.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(entry) + "\n")
                    fh.flush()
                    os.fsync(fh.fileno())
            except OSError:
                self._memory.append(entry)

    def _pending(self) -> list[dict[str, Any]]:
        try:
            lines = self.journal.read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        return [json.loads(line) for line in lines if line.strip()]

    def _flush(self) -> None:
        """Write the queued attempts, oldest first, then clear the queue. A crash between the
        commit and the clearing is harmless: an attempt already written is skipped."""
        with self._lock:
            entries = self._pending() + self._memory
            if not entries:
                return
            try:
                for entry in entries:
                    self.db.run(partial(self._write, entry=entry), write=True)
            except ProgressStoreError:
                return
            self._memory = []
            # A journal that cannot be removed holds answers written now; a queued answer
            # already written is skipped the next time.
            with contextlib.suppress(OSError):
                self.journal.unlink(missing_ok=True)

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
        return self.db.run(lambda conn: self._card(conn, item_id))

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
        rows = self.db.run(lambda conn: conn.execute(sql, params).fetchall())
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
        rows = self.db.run(lambda conn: conn.execute(sql, (window,)).fetchall())
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
        rows = self.db.run(lambda conn: conn.execute(sql, params).fetchall())
        return [QuizItem.model_validate_json(r[0]) for r in rows]

    def review_counts(self, now: datetime | None = None) -> dict[str, int]:
        """Cards per Leitner box (keys "1".."5") and how many are due now ("due")."""
        def read(conn: sqlite.Connection) -> tuple[dict[int, int], int]:
            boxes = dict(conn.execute("SELECT box, COUNT(*) FROM reviews GROUP BY box").fetchall())
            due = conn.execute("SELECT COUNT(*) FROM reviews WHERE due <= ?",
                               (_utc(now).timestamp(),)).fetchone()[0]
            return boxes, due

        boxes, due = self.db.run(read)
        out = {str(b): int(boxes.get(b, 0)) for b in range(1, 6)}
        out["due"] = int(due)
        return out

    def totals(self) -> dict[int, tuple[int, int]]:
        """Per domain: (attempts, correct) over all time."""
        rows = self.db.run(lambda conn: conn.execute(
            "SELECT domain, COUNT(*), SUM(correct) FROM attempts GROUP BY domain").fetchall())
        return {int(d): (int(n), int(c or 0)) for d, n, c in rows}

    # ---- seen items, flashcards and mock exams (schema 2) -----------------------------------

    def last_seen(self) -> dict[str, datetime]:
        """Every item answered at least once, with when it was last answered."""
        rows = self.db.run(lambda conn: conn.execute(
            "SELECT item_id, MAX(ts) FROM attempts GROUP BY item_id").fetchall())
        return {r[0]: _from_ts(r[1]) for r in rows}

    def review_flashcard(self, card_id: str, known: bool,
                         now: datetime | None = None) -> ReviewCard:
        """Move a flashcard's Leitner card after a review; the card after the move."""
        moment = _utc(now)

        def move(conn: sqlite.Connection) -> ReviewCard:
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

        return self.db.run(move, write=True)

    def flashcard_states(self) -> dict[str, ReviewCard]:
        """The Leitner card of every flashcard reviewed at least once."""
        rows = self.db.run(lambda conn: conn.execute(
            "SELECT card_id, box, due, last_answered FROM card_reviews").fetchall())
        return {r[0]: ReviewCard(item_id=r[0], box=r[1], due=_from_ts(r[2]),
                                 last_answered=_from_ts(r[3])) for r in rows}

    def record_mock(self, item_ids: Sequence[str], now: datetime | None = None) -> None:
        """Remember the items of a mock exam that was just assembled."""
        self.db.run(lambda conn: conn.execute(
            "INSERT INTO mock_exams (started, item_ids) VALUES (?, ?)",
            (_utc(now).timestamp(), json.dumps(list(item_ids)))), write=True)

    def last_mock(self) -> list[str]:
        """The item ids of the most recently assembled mock exam; [] before the first."""
        row = self.db.run(lambda conn: conn.execute(
            "SELECT item_ids FROM mock_exams ORDER BY started DESC, id DESC LIMIT 1").fetchone())
        return [] if row is None else [str(i) for i in json.loads(row[0])]

    # ---- moving a learner's history (tutor export-progress / import-progress) ----------------

    def history(self) -> ProgressHistory:
        """Everything in this file, oldest attempt first."""
        rows = self.db.run(lambda conn: conn.execute(
            "SELECT item_json, box, due, last_answered FROM reviews ORDER BY item_id").fetchall())
        cards = []
        for item_json, box, due, last in rows:
            item = QuizItem.model_validate_json(item_json)
            cards.append(StoredCard(item=item, card=ReviewCard(
                item_id=item.id, box=box, due=_from_ts(due), last_answered=_from_ts(last))))
        return ProgressHistory(attempts=list(reversed(self.attempts())), cards=cards,
                               flashcards=list(self.flashcard_states().values()),
                               last_mock=self.last_mock())

    def restore(self, history: ProgressHistory) -> int:
        """Add the attempts not stored yet (same item and time) and the cards (the later
        answer wins), in one transaction; the number of attempts added."""
        def add(conn: sqlite.Connection) -> int:
            added = 0
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
            for f in history.flashcards:
                conn.execute(
                    "INSERT INTO card_reviews (card_id, box, due, last_answered) VALUES (?, ?,"
                    " ?, ?) ON CONFLICT(card_id) DO UPDATE SET box=excluded.box,"
                    " due=excluded.due, last_answered=excluded.last_answered"
                    " WHERE card_reviews.last_answered < excluded.last_answered",
                    (f.item_id, f.box, f.due.timestamp(), f.last_answered.timestamp()))
            if history.last_mock and conn.execute("SELECT 1 FROM mock_exams").fetchone() is None:
                conn.execute("INSERT INTO mock_exams (started, item_ids) VALUES (0, ?)",
                             (json.dumps(history.last_mock),))
            return added

        return self.db.run(add, write=True)
