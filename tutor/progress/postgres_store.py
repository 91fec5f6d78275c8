"""The ProgressStore in PostgreSQL (team mode): one learner's attempts and Leitner cards.

A store is bound to one learner (an account id) when it is opened, and every statement it
runs is restricted to that learner: no method takes another learner's id, and a record
looked up by id that belongs to someone else is reported as absent. That is where "a
learner can never read or write another learner's progress" is enforced, below any UI.
Writes may carry a client key, so a request retried after a lost reply is stored once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from tutor import postgres
from tutor.exam import TASKS
from tutor.migrate import require_current
from tutor.progress.base import RECENT_WINDOW, Attempt, ProgressHistory, StoredCard, TaskStat
from tutor.quiz.review import ReviewCard, next_card, next_flashcard
from tutor.types import QuizItem

_ATTEMPT_COLUMNS = ("id, item_id, question, item::text, answer::text, correct, seconds, "
                    "domain, task, at, mode")


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _attempt(r: tuple[Any, ...]) -> Attempt:
    import json

    return Attempt(id=r[0], item_id=r[1], question=r[2], item=QuizItem.model_validate_json(r[3]),
                   answer=json.loads(r[4]), correct=r[5], seconds=r[6], domain=r[7], task=r[8],
                   at=r[9].astimezone(UTC), mode=r[10])


class PostgresProgressStore:
    """Attempts and review cards of the learner ``learner`` (an account id)."""

    def __init__(self, url: str, learner: int):
        self.url = url
        self.learner = learner
        require_current(url)

    # ---- writing ------------------------------------------------------------------------------

    def record(self, item: QuizItem, answer: Any, correct: bool, seconds: float | None = None,
               now: datetime | None = None, mode: str = "practice",
               key: str | None = None) -> ReviewCard | None:
        """Store an attempt and move the item's Leitner card, in one transaction; the card
        after the move. With ``key``, a second call with the same key stores nothing more and
        returns the card as it stands."""
        moment = _utc(now)
        with postgres.transaction(self.url) as conn:
            # The card row is locked first, so two answers to one item (two tabs, two app
            # processes) move the card one after the other, never from the same old state.
            conn.execute("SELECT 1 FROM reviews WHERE learner = %s AND item_id = %s FOR UPDATE",
                         (self.learner, item.id))
            inserted = conn.execute(
                "INSERT INTO attempts (learner, key, item_id, question, item, answer, correct,"
                " seconds, domain, task, at, mode) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s,"
                " %s, %s, %s) ON CONFLICT (learner, key) DO NOTHING RETURNING id",
                (self.learner, key, item.id, item.stem, postgres.jsonb(item.model_dump(
                    mode="json")), postgres.jsonb(answer), correct, seconds, item.domain,
                 item.task, moment, mode)).fetchone()
            old = self._card(conn, item.id)
            if inserted is None:
                return old  # the same write, retried
            card = next_card(old, item.id, correct, moment)
            if card is not None:
                conn.execute(
                    "INSERT INTO reviews (learner, item_id, box, due, last_answered, domain,"
                    " task, item) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT (learner, item_id) DO UPDATE SET box = excluded.box,"
                    " due = excluded.due, last_answered = excluded.last_answered,"
                    " item = excluded.item",
                    (self.learner, item.id, card.box, card.due, moment, item.domain, item.task,
                     postgres.jsonb(item.model_dump(mode="json"))))
            return card

    def restore(self, history: ProgressHistory) -> int:
        """Add an exported history to this learner: attempts not already stored (same item
        and time) and every card (the later answer wins). Returns the attempts added."""
        added = 0
        with postgres.transaction(self.url) as conn:
            for a in history.attempts:
                row = conn.execute(
                    "INSERT INTO attempts (learner, item_id, question, item, answer, correct,"
                    " seconds, domain, task, at, mode) SELECT %s, %s, %s, %s, %s, %s, %s, %s, %s,"
                    " %s, %s WHERE NOT EXISTS (SELECT 1 FROM attempts WHERE learner = %s AND"
                    " item_id = %s AND at = %s) RETURNING id",
                    (self.learner, a.item_id, a.question, postgres.jsonb(a.item.model_dump(
                        mode="json")), postgres.jsonb(a.answer), a.correct, a.seconds, a.domain,
                     a.task, _utc(a.at), a.mode, self.learner, a.item_id, _utc(a.at))).fetchone()
                added += row is not None
            for c in history.cards:
                conn.execute(
                    "INSERT INTO reviews (learner, item_id, box, due, last_answered, domain,"
                    " task, item) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT (learner, item_id) DO UPDATE SET box = excluded.box,"
                    " due = excluded.due, last_answered = excluded.last_answered"
                    " WHERE reviews.last_answered < excluded.last_answered",
                    (self.learner, c.item.id, c.card.box, c.card.due, c.card.last_answered,
                     c.item.domain, c.item.task, postgres.jsonb(c.item.model_dump(mode="json"))))
            for f in history.flashcards:
                conn.execute(
                    "INSERT INTO card_reviews (learner, card_id, box, due, last_answered)"
                    " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (learner, card_id) DO UPDATE SET"
                    " box = excluded.box, due = excluded.due,"
                    " last_answered = excluded.last_answered"
                    " WHERE card_reviews.last_answered < excluded.last_answered",
                    (self.learner, f.item_id, f.box, f.due, f.last_answered))
            had_mock = conn.execute("SELECT 1 FROM mock_exams WHERE learner = %s",
                                    (self.learner,)).fetchone() is not None
            if history.last_mock and not had_mock:
                # an imported mock counts as the oldest, so a mock taken here stays the latest
                conn.execute("INSERT INTO mock_exams (learner, started, item_ids) VALUES"
                             " (%s, to_timestamp(0), %s)",
                             (self.learner, postgres.jsonb(history.last_mock)))
        return added

    # ---- reading ------------------------------------------------------------------------------

    def _card(self, conn: postgres.Connection, item_id: str) -> ReviewCard | None:
        row = conn.execute("SELECT box, due, last_answered FROM reviews WHERE learner = %s AND"
                           " item_id = %s", (self.learner, item_id)).fetchone()
        if row is None:
            return None
        return ReviewCard(item_id=item_id, box=row[0], due=row[1].astimezone(UTC),
                          last_answered=row[2].astimezone(UTC))

    def card(self, item_id: str) -> ReviewCard | None:
        with postgres.transaction(self.url) as conn:
            return self._card(conn, item_id)

    def attempt(self, attempt_id: int) -> Attempt | None:
        with postgres.transaction(self.url) as conn:
            row = conn.execute(f"SELECT {_ATTEMPT_COLUMNS} FROM attempts WHERE id = %s AND "
                               "learner = %s", (attempt_id, self.learner)).fetchone()
        return _attempt(row) if row else None

    def attempts(self, task: str | None = None, limit: int | None = None) -> list[Attempt]:
        with postgres.transaction(self.url) as conn:
            rows = conn.execute(
                f"SELECT {_ATTEMPT_COLUMNS} FROM attempts WHERE learner = %s"
                " AND (%s::text IS NULL OR task = %s) ORDER BY at DESC, id DESC LIMIT %s",
                (self.learner, task, task, limit)).fetchall()
        return [_attempt(r) for r in rows]

    def weak_areas(self, window: int = RECENT_WINDOW) -> list[TaskStat]:
        with postgres.transaction(self.url) as conn:
            rows = conn.execute(
                "WITH ranked AS (SELECT task, domain, correct, ROW_NUMBER() OVER (PARTITION BY"
                " task ORDER BY at DESC, id DESC) AS rn, COUNT(*) OVER (PARTITION BY task) AS"
                " total FROM attempts WHERE learner = %s) SELECT task, MIN(domain), MAX(total),"
                " COUNT(*), SUM(correct::int) FROM ranked WHERE rn <= %s GROUP BY task",
                (self.learner, window)).fetchall()
        stats = [TaskStat(task=r[0], name=TASKS.get(r[0], r[0]), domain=r[1], attempts=r[2],
                          recent=r[3], recent_correct=r[4]) for r in rows]
        return sorted(stats, key=lambda s: (s.accuracy, -s.recent, s.task))

    def due_items(self, now: datetime | None = None, domain: int | None = None,
                  task: str | None = None, limit: int | None = None) -> list[QuizItem]:
        with postgres.transaction(self.url) as conn:
            rows = conn.execute(
                "SELECT item::text FROM reviews WHERE learner = %s AND due <= %s"
                " AND (%s::int IS NULL OR domain = %s) AND (%s::text IS NULL OR task = %s)"
                " ORDER BY due, item_id LIMIT %s",
                (self.learner, _utc(now), domain, domain, task, task, limit)).fetchall()
        return [QuizItem.model_validate_json(r[0]) for r in rows]

    def review_counts(self, now: datetime | None = None) -> dict[str, int]:
        with postgres.transaction(self.url) as conn:
            boxes = dict(conn.execute("SELECT box, COUNT(*) FROM reviews WHERE learner = %s"
                                      " GROUP BY box", (self.learner,)).fetchall())
            due = conn.execute("SELECT COUNT(*) FROM reviews WHERE learner = %s AND due <= %s",
                               (self.learner, _utc(now))).fetchone()
        out = {str(b): int(boxes.get(b, 0)) for b in range(1, 6)}
        out["due"] = int(due[0]) if due else 0
        return out

    def totals(self) -> dict[int, tuple[int, int]]:
        with postgres.transaction(self.url) as conn:
            rows = conn.execute("SELECT domain, COUNT(*), SUM(correct::int) FROM attempts"
                                " WHERE learner = %s GROUP BY domain", (self.learner,)).fetchall()
        return {int(d): (int(n), int(c or 0)) for d, n, c in rows}

    # ---- seen items, flashcards and mock exams (migration 0004) ------------------------------

    def last_seen(self) -> dict[str, datetime]:
        with postgres.transaction(self.url) as conn:
            rows = conn.execute("SELECT item_id, MAX(at) FROM attempts WHERE learner = %s"
                                " GROUP BY item_id", (self.learner,)).fetchall()
        return {r[0]: r[1].astimezone(UTC) for r in rows}

    def review_flashcard(self, card_id: str, known: bool,
                         now: datetime | None = None) -> ReviewCard:
        moment = _utc(now)
        with postgres.transaction(self.url) as conn:
            row = conn.execute("SELECT box, due, last_answered FROM card_reviews WHERE learner"
                               " = %s AND card_id = %s FOR UPDATE",
                               (self.learner, card_id)).fetchone()
            before = None if row is None else ReviewCard(
                item_id=card_id, box=row[0], due=row[1].astimezone(UTC),
                last_answered=row[2].astimezone(UTC))
            card = next_flashcard(before, card_id, known, moment)
            conn.execute(
                "INSERT INTO card_reviews (learner, card_id, box, due, last_answered)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (learner, card_id) DO UPDATE SET"
                " box = excluded.box, due = excluded.due, last_answered = excluded.last_answered",
                (self.learner, card_id, card.box, card.due, moment))
        return card

    def flashcard_states(self) -> dict[str, ReviewCard]:
        with postgres.transaction(self.url) as conn:
            rows = conn.execute("SELECT card_id, box, due, last_answered FROM card_reviews"
                                " WHERE learner = %s", (self.learner,)).fetchall()
        return {r[0]: ReviewCard(item_id=r[0], box=r[1], due=r[2].astimezone(UTC),
                                 last_answered=r[3].astimezone(UTC)) for r in rows}

    def record_mock(self, item_ids: Sequence[str], now: datetime | None = None) -> None:
        with postgres.transaction(self.url) as conn:
            conn.execute("INSERT INTO mock_exams (learner, started, item_ids)"
                         " VALUES (%s, %s, %s)",
                         (self.learner, _utc(now), postgres.jsonb(list(item_ids))))

    def last_mock(self) -> list[str]:
        with postgres.transaction(self.url) as conn:
            row = conn.execute("SELECT item_ids FROM mock_exams WHERE learner = %s"
                               " ORDER BY started DESC, id DESC LIMIT 1",
                               (self.learner,)).fetchone()
        return [] if row is None else [str(i) for i in row[0]]

    def notices(self) -> list[str]:
        """None: PostgreSQL reports its own failures as errors, and there is no local file to
        set aside or queue for."""
        return []

    def history(self) -> ProgressHistory:
        """Everything this learner has stored, oldest attempt first (for export)."""
        with postgres.transaction(self.url) as conn:
            rows = conn.execute("SELECT item::text, box, due, last_answered FROM reviews"
                                " WHERE learner = %s ORDER BY item_id", (self.learner,)).fetchall()
        cards = [StoredCard(item=QuizItem.model_validate_json(r[0]), card=ReviewCard(
            item_id=QuizItem.model_validate_json(r[0]).id, box=r[1], due=r[2].astimezone(UTC),
            last_answered=r[3].astimezone(UTC))) for r in rows]
        return ProgressHistory(attempts=list(reversed(self.attempts())), cards=cards,
                               flashcards=list(self.flashcard_states().values()),
                               last_mock=self.last_mock())


def task_accuracy_by_learner(url: str) -> list[tuple[int, str, int, int, int]]:
    """(learner id, task, domain, attempts, correct) for every learner account: the raw
    material of the admins' overview, which replaces the ids before anyone sees them."""
    require_current(url)
    with postgres.transaction(url) as conn:
        rows = conn.execute(
            "SELECT t.learner, t.task, MIN(t.domain), COUNT(*), SUM(t.correct::int)"
            " FROM attempts t JOIN accounts a ON a.id = t.learner WHERE a.role = 'learner'"
            " GROUP BY t.learner, t.task").fetchall()
    return [(int(r[0]), str(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows]


def remember_items(url: str, items: list[QuizItem]) -> None:
    """Keep items handed out over HTTP, by content id, so any app process can grade them."""
    with postgres.transaction(url) as conn:
        for item in items:
            conn.execute("INSERT INTO quiz_items (id, item) VALUES (%s, %s) ON CONFLICT (id) "
                         "DO NOTHING", (item.id, postgres.jsonb(item.model_dump(mode="json"))))


def issued_item(url: str, item_id: str) -> QuizItem | None:
    """An item some app process handed out, or None."""
    with postgres.transaction(url) as conn:
        row = conn.execute("SELECT item::text FROM quiz_items WHERE id = %s",
                           (item_id,)).fetchone()
    return QuizItem.model_validate_json(row[0]) if row else None
