"""Which authored items a practice set gets, and when generated items may join them.

In order: items due for spaced review (missed before, now due), then bank items the learner
has never answered, in a shuffled order with each case study kept together as a set; only
when the selection's bank items are all used up do generated items (offline or LLM, labelled
as generated) add variety; and when no generator can supply more, bank items already seen
come back, the least recently answered first. Every bank item passes the quality gate before
it is shown, like every generated one.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from tutor.catalog import Catalog
from tutor.quiz.bank_items import BankDeck
from tutor.quiz.gate import GateStats, check_item, with_flags
from tutor.quiz.offline import EXAM_TYPES
from tutor.quiz.session import QuizSet
from tutor.types import QuizItem

# (how many, ids to leave out) -> generated items; a failure is the generator's to report
Generate = Callable[[int, set[str]], QuizSet]


def _fill(units: Sequence[Sequence[QuizItem]], chosen: list[QuizItem], count: int,
          catalog: Catalog, stats: GateStats) -> None:
    """Append whole units (a case study is one) that fit in the room left; gated."""
    taken = {i.id for i in chosen}
    for unit in units:
        room = count - len(chosen)
        fresh = [i for i in unit if i.id not in taken]
        if room <= 0:
            return
        if not fresh or len(fresh) > room:
            continue
        for item in fresh:
            reasons = check_item(item, catalog)
            stats.record(reasons)
            if not reasons:
                chosen.append(with_flags(item))
                taken.add(item.id)


def draw_practice(
    deck: BankDeck,
    catalog: Catalog,
    tasks: list[str],
    count: int,
    *,
    review: Sequence[QuizItem] = (),
    seen: Mapping[str, datetime] | None = None,
    seed: int | None = None,
    generate: Generate | None = None,
) -> QuizSet:
    """Up to ``count`` items for ``tasks`` in the order the module docstring gives."""
    seen = seen or {}
    chosen = [r for r in review if r.task in tasks and r.type in EXAM_TYPES][:count]
    review_ids = [r.id for r in chosen]
    stats = GateStats()
    units = deck.units(tasks)
    unseen = [u for u in units if not any(i.id in seen for i in u)]
    random.Random(seed).shuffle(unseen)
    _fill(unseen, chosen, count, catalog, stats)
    generated = 0
    if len(chosen) < count and generate is not None:
        extra = generate(count - len(chosen), {i.id for i in chosen})
        new = extra.items[: count - len(chosen)]
        chosen += new
        generated = len(new)
        for reason, n in extra.stats.dropped.items():
            stats.dropped[reason] = stats.dropped.get(reason, 0) + n
        stats.checked += extra.stats.checked
        stats.passed += extra.stats.passed
    if len(chosen) < count:
        def last_answered(unit: Sequence[QuizItem]) -> float:
            return max(seen[i.id].timestamp() if i.id in seen else 0.0 for i in unit)

        again = sorted((u for u in units if any(i.id in seen for i in u)), key=last_answered)
        _fill(again, chosen, count, catalog, stats)
    return QuizSet(items=chosen, requested=count, stats=stats, review_ids=review_ids,
                   tasks=tasks, generated=generated)
