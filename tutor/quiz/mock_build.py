"""Assembling a mock exam from the item bank.

The rules: 65 authored items split by domain weight (``mock.blueprint``: 18/17/14/16); at
least one case-study set, its questions kept together; 15 of them unscored (4/4/3/4), as on
the exam; no item twice; and at most 20% of the items shared with the learner's previous mock.
Within those rules items the previous mock did not use come first, then items never answered,
then those answered longest ago, ties broken by the seed. Every item passes the quality gate.
Domains interleave, as on the exam; a case-study set stays in one block.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from tutor.catalog import Catalog
from tutor.quiz.bank_items import BankDeck
from tutor.quiz.gate import check_item, with_flags
from tutor.quiz.mock import EXAM_MINUTES, EXAM_QUESTIONS, EXAM_UNSCORED, MockExam, blueprint
from tutor.types import QuizItem

if TYPE_CHECKING:
    from tutor.progress import ProgressStore

CASE_SETS = 1
MAX_OVERLAP = 0.20  # share of items two consecutive mocks may have in common

Unit = list[QuizItem]


def _fits(unit: Unit, room: dict[int, int]) -> bool:
    need: dict[int, int] = {}
    for item in unit:
        need[item.domain] = need.get(item.domain, 0) + 1
    return all(room.get(d, 0) >= n for d, n in need.items())


def build_mock_exam(
    deck: BankDeck,
    catalog: Catalog,
    now: datetime,
    *,
    seed: int | None = None,
    previous: Sequence[str] = (),
    seen: Mapping[str, datetime] | None = None,
    total: int = EXAM_QUESTIONS,
    unscored: int = EXAM_UNSCORED,
    minutes: int = EXAM_MINUTES,
) -> MockExam:
    """A mock exam following the module docstring's rules. A domain the bank cannot fill
    yields fewer questions; the per-domain results show the actual counts."""
    rng = random.Random(seed)
    before, seen = set(previous), seen or {}
    max_shared = int(MAX_OVERLAP * total)

    def rank(unit: Unit) -> tuple[int, float, float]:
        shared = sum(i.id in before for i in unit)
        answered = max((seen[i.id].timestamp() for i in unit if i.id in seen), default=0.0)
        return shared, answered, rng.random()

    units = [u for u in deck.units()
             if all(not check_item(i, catalog) for i in u)]  # a set with a failing item goes
    room = blueprint(total)
    chosen: list[Unit] = []
    shared = 0

    def take(unit: Unit) -> bool:
        nonlocal shared
        overlap = sum(i.id in before for i in unit)
        if not _fits(unit, room) or shared + overlap > max_shared:
            return False
        chosen.append([with_flags(i) for i in unit])
        shared += overlap
        for item in unit:
            room[item.domain] -= 1
        return True

    cases = sorted((u for u in units if u[0].case is not None), key=rank)
    taken_cases = 0
    for unit in cases:
        if taken_cases < CASE_SETS and take(unit):
            taken_cases += 1
    for unit in sorted((u for u in units if u[0].case is None), key=rank):
        if room[unit[0].domain] > 0:
            take(unit)
    rng.shuffle(chosen)
    items = [i for unit in chosen for i in unit]
    off: list[str] = []
    for domain, n in blueprint(unscored).items():
        pool = [i.id for i in items if i.domain == domain]
        off += rng.sample(pool, min(n, len(pool)))
    return MockExam(items=items, started_at=now, minutes=minutes,
                    unscored=[i.id for i in items if i.id in set(off)])


def new_mock_exam(deck: BankDeck, catalog: Catalog, store: ProgressStore | None,
                  now: datetime, seed: int | None = None) -> MockExam:
    """A mock exam for this learner: it avoids the items of their previous mock and prefers
    what they have not answered, and it is remembered for the next one."""
    previous = store.last_mock() if store is not None else []
    seen = store.last_seen() if store is not None else {}
    exam = build_mock_exam(deck, catalog, now, seed=seed, previous=previous, seen=seen)
    if store is not None:
        store.record_mock([i.id for i in exam.items], now)
    return exam
