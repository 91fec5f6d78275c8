"""A timed mock exam shaped like MLA-C01: 65 questions, 130 minutes, weighted by domain.

Weighting. 65 questions split by the guide's domain weights (28/26/22/24 %) give 18.2, 16.9,
14.3 and 15.6. Largest-remainder rounding (floor each, then hand the leftover questions to the
largest fractional parts) yields 18/17/14/16, which sums to 65.

Unscored questions. Like the exam, a mock marks 15 of its 65 questions as unscored (chosen at
random, 4/4/3/4 by domain weight, so the 50 scored ones keep the weights) and, like the exam,
does not say which while it runs; the result names them. The composition rules (bank items,
case-study set, no repeats, overlap with the previous mock) live in ``mock_build``.

Score. AWS reports a scaled score from 100 to 1000 (pass at 720) computed with its own
equating, which is not public, so ``scaled_score`` is a LINEAR APPROXIMATION: 100 + 900 x
(share of the scored questions answered correctly). It is a study signal, not a prediction of
the official score.

The objects are plain data (pydantic), so a UI can keep them in its session state; the clock is
always passed in, which keeps them testable.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from tutor.errors import InputError
from tutor.exam import DOMAIN_WEIGHTS, DOMAINS
from tutor.quiz.grade import AnswerValue, grade
from tutor.types import QuizItem

if TYPE_CHECKING:
    from tutor.progress import ProgressStore

EXAM_QUESTIONS = 65
EXAM_UNSCORED = 15
EXAM_MINUTES = 130
PASS_SCORE = 720
MIN_SCORE, MAX_SCORE = 100, 1000


def blueprint(
    total: int = EXAM_QUESTIONS, weights: dict[int, float] = DOMAIN_WEIGHTS
) -> dict[int, int]:
    """Questions per domain by largest-remainder rounding of ``total`` x weight."""
    share = {d: total * w / sum(weights.values()) for d, w in weights.items()}
    counts = {d: math.floor(s) for d, s in share.items()}
    leftover = total - sum(counts.values())
    for d in sorted(share, key=lambda d: (share[d] - counts[d], -d), reverse=True)[:leftover]:
        counts[d] += 1
    return counts


def scaled_score(correct: int, total: int) -> int:
    """Linear approximation of the 100-1000 scale; see the module docstring."""
    if total <= 0:
        return MIN_SCORE
    return round(MIN_SCORE + (MAX_SCORE - MIN_SCORE) * correct / total)


class DomainResult(BaseModel):
    domain: int
    name: str
    correct: int = Field(description="Scored questions of the domain answered correctly.")
    total: int = Field(description="Scored questions of the domain.")
    unscored: int = Field(0, description="Unscored questions of the domain.")

    @property
    def percent(self) -> float:
        return 100.0 * self.correct / self.total if self.total else 0.0


class MockResult(BaseModel):
    """What the learner sees after submitting."""

    correct: int = Field(description="Scored questions answered correctly.")
    total: int = Field(description="Scored questions.")
    answered: int
    scaled_score: int
    passed: bool
    domains: list[DomainResult]
    wrong_item_ids: list[str] = Field(description="Every question missed, scored or not.")
    seconds_used: float
    timed_out: bool
    unscored_ids: list[str] = Field(default_factory=list)


class MockExam(BaseModel):
    """State of one sitting: items, answers, review flags, clock and, once submitted, result."""

    items: list[QuizItem]
    started_at: datetime
    minutes: int = EXAM_MINUTES
    answers: dict[str, AnswerValue] = Field(default_factory=dict)
    flagged: list[str] = Field(default_factory=list)
    unscored: list[str] = Field(default_factory=list, description="Ids of the questions that "
                                "do not count, not shown before the result (as on the exam).")
    result: MockResult | None = None

    @property
    def deadline(self) -> datetime:
        return self.started_at + timedelta(minutes=self.minutes)

    def remaining(self, now: datetime) -> timedelta:
        return max(self.deadline - now, timedelta(0))

    def expired(self, now: datetime) -> bool:
        return now >= self.deadline

    def _item(self, item_id: str) -> QuizItem:
        for item in self.items:
            if item.id == item_id:
                return item
        raise InputError(f"No question {item_id} in this mock exam.")

    def answer(self, item_id: str, value: AnswerValue, now: datetime) -> None:
        """Record or change an answer. Refused after submit or once time is up."""
        self._item(item_id)
        if self.result is not None:
            raise InputError("This mock exam has been submitted.")
        if self.expired(now):
            raise InputError("Time is up: submit the exam to see the result.")
        self.answers[item_id] = value

    def flag(self, item_id: str, on: bool = True) -> None:
        """Mark (or unmark) a question for review before submitting."""
        self._item(item_id)
        if on and item_id not in self.flagged:
            self.flagged.append(item_id)
        elif not on and item_id in self.flagged:
            self.flagged.remove(item_id)

    def unanswered(self) -> list[str]:
        return [i.id for i in self.items if i.id not in self.answers]

    def submit(self, now: datetime, store: ProgressStore | None = None) -> MockResult:
        """Grade every question (unanswered ones count as wrong) and freeze the exam.

        With a ``store``, each *answered* question is recorded as an attempt (mode "mock"),
        so a sitting feeds the weak areas and sends missed questions to review. Unanswered
        ones are not: running out of time says nothing about which task is weak.
        """
        if self.result is not None:
            return self.result
        per_domain: dict[int, list[int]] = {d: [0, 0, 0] for d in sorted(DOMAINS)}
        wrong: list[str] = []
        graded: list[tuple[QuizItem, AnswerValue, bool]] = []
        unscored = set(self.unscored)
        for item in self.items:
            given = self.answers.get(item.id)
            ok = given is not None and _safe_grade(item, given)
            if item.id in unscored:
                per_domain[item.domain][2] += 1
            else:
                per_domain[item.domain][1] += 1
                per_domain[item.domain][0] += int(ok)
            if not ok:
                wrong.append(item.id)
            if given is not None:
                graded.append((item, given, ok))
        correct = sum(c for c, _, _ in per_domain.values())
        total = sum(t for _, t, _ in per_domain.values())
        score = scaled_score(correct, total)
        used = (min(now, self.deadline) - self.started_at).total_seconds()
        self.result = MockResult(
            correct=correct, total=total, answered=len(self.answers), scaled_score=score,
            passed=score >= PASS_SCORE,
            domains=[DomainResult(domain=d, name=DOMAINS[d], correct=c, total=t, unscored=u)
                     for d, (c, t, u) in per_domain.items() if t or u],
            wrong_item_ids=wrong, seconds_used=max(used, 0.0), timed_out=self.expired(now),
            unscored_ids=[i.id for i in self.items if i.id in unscored],
        )
        if store is not None:
            for item, given, ok in graded:
                store.record(item, given, ok, None, now=now, mode="mock")
        return self.result


def _safe_grade(item: QuizItem, given: AnswerValue) -> bool:
    try:
        return grade(item, given).correct
    except InputError:
        return False
