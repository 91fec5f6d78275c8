"""The ProgressStore protocol and the records it returns."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, Field

from tutor.quiz.review import ReviewCard
from tutor.types import QuizItem

RECENT_WINDOW = 20


class Attempt(BaseModel):
    """One stored answer."""

    id: int
    item_id: str
    question: str = Field(description="The item's stem when it was answered.")
    item: QuizItem
    answer: Any = Field(description="The answer as graded (keys, or pairs for matching).")
    correct: bool
    seconds: float | None = Field(None, description="Time taken, when measured.")
    domain: int
    task: str
    at: datetime
    mode: str = Field(description="'practice', 'review' or 'mock'.")


class TaskStat(BaseModel):
    """Accuracy on one task statement over its most recent attempts."""

    task: str
    name: str
    domain: int
    attempts: int = Field(description="All attempts at the task.")
    recent: int = Field(description="Attempts in the recent window.")
    recent_correct: int

    @property
    def accuracy(self) -> float:
        return self.recent_correct / self.recent if self.recent else 0.0


class StoredCard(BaseModel):
    """A Leitner card with the item it schedules (what a store needs to bring it back)."""

    item: QuizItem
    card: ReviewCard


class ProgressHistory(BaseModel):
    """One learner's whole progress, as ``tutor export-progress`` writes it and
    ``tutor import-progress`` reads it, between SQLite and PostgreSQL in either direction."""

    version: int = Field(1, description="Shape version of this document.")
    learner: str | None = Field(None, description="Account it was exported from, if any.")
    attempts: list[Attempt] = Field(default_factory=list, description="Oldest first; ids "
                                    "are those of the exporting store and are not kept.")
    cards: list[StoredCard] = Field(default_factory=list)
    flashcards: list[ReviewCard] = Field(default_factory=list, description="Leitner card of "
                                         "every flashcard reviewed (``item_id`` is the card id).")
    last_mock: list[str] = Field(default_factory=list, description="Item ids of the latest "
                                 "mock exam, so the next one still avoids them.")


class ProgressStore(Protocol):
    """Every attempt a learner made, the Leitner card of each item they missed and of each
    flashcard they reviewed, and the items of their latest mock exam.

    Safe to share between threads; times are timezone-aware (UTC when none is given).
    A store holds one learner's progress: in team mode it is bound to the signed-in account
    when opened, and no method reaches another learner's records.
    """

    def record(self, item: QuizItem, answer: Any, correct: bool, seconds: float | None = None,
               now: datetime | None = None, mode: str = "practice") -> ReviewCard | None:
        """Store an attempt and move the item's Leitner card, in one transaction; the card
        after the move, or None if the item is not in review."""

    def card(self, item_id: str) -> ReviewCard | None:
        """The item's Leitner card, if it has one."""

    def attempt(self, attempt_id: int) -> Attempt | None:
        """This learner's attempt with that id; None for an unknown id or another's."""

    def attempts(self, task: str | None = None, limit: int | None = None) -> list[Attempt]:
        """Stored attempts, newest first."""

    def weak_areas(self, window: int = RECENT_WINDOW) -> list[TaskStat]:
        """Attempted tasks, weakest first over each task's last ``window`` attempts."""

    def due_items(self, now: datetime | None = None, domain: int | None = None,
                  task: str | None = None, limit: int | None = None) -> list[QuizItem]:
        """Items whose card is due at ``now``, most overdue first."""

    def review_counts(self, now: datetime | None = None) -> dict[str, int]:
        """Cards per Leitner box (keys "1".."5") and how many are due now ("due")."""

    def totals(self) -> dict[int, tuple[int, int]]:
        """Per domain: (attempts, correct) over all time."""

    def notices(self) -> list[str]:
        """Messages for the learner about the store itself: a damaged database set aside,
        answers waiting to be written. Empty when all is well."""

    def history(self) -> ProgressHistory:
        """Everything stored for this learner, oldest attempt first (export)."""

    def restore(self, history: ProgressHistory) -> int:
        """Add an exported history: attempts not stored yet (same item and time) and its
        cards (the later answer wins). Returns how many attempts were added (import)."""

    def last_seen(self) -> dict[str, datetime]:
        """Every item answered at least once, with when it was last answered."""

    def review_flashcard(self, card_id: str, known: bool,
                         now: datetime | None = None) -> ReviewCard:
        """Move a flashcard's Leitner card after a review; the card after the move."""

    def flashcard_states(self) -> dict[str, ReviewCard]:
        """The Leitner card of every flashcard reviewed at least once."""

    def record_mock(self, item_ids: Sequence[str], now: datetime | None = None) -> None:
        """Remember the items of a mock exam that was just assembled."""

    def last_mock(self) -> list[str]:
        """The item ids of the most recently assembled mock exam; [] before the first."""
