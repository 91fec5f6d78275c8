"""A practice session: gated items for a domain or task, no repeats, topics in rotation.

``build_quiz`` returns a fixed set (for JSON output, the mock exam, tests); ``PracticeSession``
hands items out one at a time and records answers in the progress store when it has one.
Due review items (Leitner) can be put first; they were gated when they were first shown.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from tutor.catalog import Catalog
from tutor.quiz.gate import GateStats, check_item, with_flags
from tutor.quiz.grade import AnswerValue, GradeResult, grade
from tutor.quiz.note_text import normalise
from tutor.quiz.offline import EXAM_TYPES, OfflineGenerator
from tutor.quiz.plan import selection_tasks
from tutor.types import Chunk, QuestionType, QuizItem

if TYPE_CHECKING:  # tutor.progress imports tutor.quiz.review, so no runtime import here
    from tutor.progress import ProgressStore

CANDIDATES_PER_ITEM = 8  # stop looking after this many candidates per requested item


@dataclass
class QuizSet:
    """Items ready to show, and what the gate did to get them."""

    items: list[QuizItem]
    requested: int
    stats: GateStats
    review_ids: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    generated: int = 0  # items a generator wrote (the rest come from the bank or review)
    notice: str | None = None  # why fewer items came than asked, when the learner can act


def gated_stream(
    catalog: Catalog,
    chunks: Sequence[Chunk],
    tasks: Sequence[str],
    stats: GateStats,
    seed: int | None = None,
    types: Sequence[QuestionType] = EXAM_TYPES,
    exclude: set[str] | None = None,
    budget: int | None = None,
) -> Iterator[QuizItem]:
    """Offline candidates that pass the gate, never the same item (id or stem) twice.
    ``stats`` is updated in place; the stream ends after ``budget`` candidates were checked."""
    generator = OfflineGenerator(catalog, chunks, seed=seed, types=types)
    by_id = generator.support.by_id
    seen_ids = set(exclude or ())
    seen_stems: set[str] = set()
    for item in generator.candidates(tasks):
        if budget is not None and stats.checked >= budget:
            return
        if item.id in seen_ids:
            continue
        reasons = check_item(item, catalog, by_id)
        stats.record(reasons)
        if reasons:
            continue
        stem_key = normalise(item.stem)
        if item.type != "matching" and stem_key in seen_stems:
            continue
        seen_ids.add(item.id)
        seen_stems.add(stem_key)
        yield with_flags(item)


def build_quiz(
    catalog: Catalog,
    chunks: Sequence[Chunk],
    *,
    domain: int | None = None,
    task: str | None = None,
    count: int = 10,
    seed: int | None = None,
    types: Sequence[QuestionType] = EXAM_TYPES,
    review: Sequence[QuizItem] = (),
    exclude: set[str] | None = None,
) -> QuizSet:
    """Up to ``count`` gated offline items; ``review`` items (already due) come first, and
    items whose id is in ``exclude`` are left out.

    Fewer than ``count`` come back only when the corpus cannot supply more distinct items
    that pass the gate within ``CANDIDATES_PER_ITEM`` candidates per item.
    """
    tasks = selection_tasks(domain, task)
    chosen = [r for r in review if r.task in tasks and r.type in types][:count]
    stats = GateStats()
    stream = gated_stream(catalog, chunks, tasks, stats, seed=seed, types=types,
                          exclude={r.id for r in chosen} | set(exclude or ()),
                          budget=max(count, 1) * CANDIDATES_PER_ITEM)
    before = len(chosen)
    if len(chosen) < count:
        for item in stream:
            chosen.append(item)
            if len(chosen) >= count:
                break
    return QuizSet(items=chosen, requested=count, stats=stats,
                   review_ids=[r.id for r in chosen if r in review], tasks=tasks,
                   generated=len(chosen) - before)


@dataclass
class AnswerRecord:
    item: QuizItem
    result: GradeResult
    seconds: float


class PracticeSession:
    """Serves a quiz set one item at a time, grades answers and records them."""

    def __init__(self, quiz: QuizSet, store: ProgressStore | None = None):
        self.quiz = quiz
        self.store = store
        self.position = 0
        self.records: list[AnswerRecord] = []
        self._shown_at: float | None = None

    def next_item(self) -> QuizItem | None:
        """The next unanswered item, or None at the end; starts its clock."""
        if self.position >= len(self.quiz.items):
            return None
        self._shown_at = time.monotonic()
        return self.quiz.items[self.position]

    def answer(self, value: AnswerValue, seconds: float | None = None,
               now: datetime | None = None) -> AnswerRecord:
        """Grade the current item, store the attempt (and its review card), advance."""
        item = self.quiz.items[self.position]
        if seconds is None:
            started = self._shown_at if self._shown_at is not None else time.monotonic()
            seconds = round(time.monotonic() - started, 1)
        result = grade(item, value)
        if self.store is not None:
            mode = "review" if item.id in self.quiz.review_ids else "practice"
            self.store.record(item, result.given, result.correct, seconds, now=now, mode=mode)
        record = AnswerRecord(item=item, result=result, seconds=seconds)
        self.records.append(record)
        self.position += 1
        self._shown_at = None
        return record

    @property
    def score(self) -> tuple[int, int]:
        """(correct, answered) so far."""
        return sum(r.result.correct for r in self.records), len(self.records)
