"""The mock exam's composition rules over the real item bank: 65 bank items by domain weight,
at least one whole case-study set in one block, 15 unscored (4/4/3/4) that do not count, no
repeats, and at most 20% of the items shared by two consecutive mocks."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from tutor.catalog import Catalog, load_catalog
from tutor.quiz.bank_items import BankDeck, load_deck
from tutor.quiz.gate import check_item
from tutor.quiz.mock import EXAM_QUESTIONS, EXAM_UNSCORED, MockExam, blueprint, scaled_score
from tutor.quiz.mock_build import MAX_OVERLAP, build_mock_exam, new_mock_exam
from tutor.types import QuizItem

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def deck() -> BankDeck:
    return load_deck()


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def composition_problems(exam: MockExam, deck: BankDeck, total: int = EXAM_QUESTIONS,
                         unscored: int = EXAM_UNSCORED) -> list[str]:
    """Every rule a mock must keep, as readable problems (empty: it keeps them all)."""
    items = exam.items
    ids = [i.id for i in items]
    problems = []
    if len(set(ids)) != len(ids):
        problems.append(f"repeated items: {[k for k, n in Counter(ids).items() if n > 1]}")
    if any(i.id not in deck.items or i.generator != "bank" for i in items):
        problems.append("an item that is not from the bank")
    if dict(Counter(i.domain for i in items)) != blueprint(total):
        problems.append(f"domains {dict(Counter(i.domain for i in items))} != {blueprint(total)}")
    whole = [case for case, members in deck.cases.items()
             if set(members) <= set(ids)
             and sorted(ids.index(m) for m in members) == list(
                 range(ids.index(members[0]), ids.index(members[0]) + len(members)))]
    if not whole:
        problems.append("no whole case-study set in one block")
    off = [i for i in items if i.id in set(exam.unscored)]
    if len(off) != unscored or dict(Counter(i.domain for i in off)) != blueprint(unscored):
        problems.append(f"unscored by domain {dict(Counter(i.domain for i in off))}")
    return problems


def test_a_mock_keeps_every_composition_rule(deck, catalog) -> None:
    for seed in range(5):
        exam = build_mock_exam(deck, catalog, T0, seed=seed)
        assert composition_problems(exam, deck) == [], seed
        assert len(exam.items) == 65 and len(exam.unscored) == 15
        assert all(check_item(i, catalog) == [] for i in exam.items)  # the gate, again
        assert [i.domain for i in exam.items] != sorted(i.domain for i in exam.items)
        assert exam.deadline == T0 + timedelta(minutes=130)


def test_the_rule_check_can_fail(deck, catalog) -> None:
    exam = build_mock_exam(deck, catalog, T0, seed=1)
    broken = exam.model_copy(update={"items": [exam.items[0], *exam.items[:-1]],
                                     "unscored": exam.unscored[:10]})
    problems = composition_problems(broken, deck)
    assert any(p.startswith("repeated items") for p in problems)
    assert any(p.startswith("unscored by domain") for p in problems)
    no_case = exam.model_copy(update={"items": [i for i in exam.items if i.case is None]})
    assert "no whole case-study set in one block" in composition_problems(no_case, deck)


def _shared(a: MockExam, b: MockExam) -> int:
    return len({i.id for i in a.items} & {i.id for i in b.items})


def test_consecutive_mocks_share_at_most_a_fifth(tmp_path: Path, deck, catalog) -> None:
    from tutor.progress import SQLiteProgressStore

    store = SQLiteProgressStore(tmp_path / "p.sqlite3")
    exams = [new_mock_exam(deck, catalog, store, T0 + timedelta(days=n), seed=n)
             for n in range(4)]
    for before, after in pairwise(exams):
        assert _shared(before, after) <= MAX_OVERLAP * EXAM_QUESTIONS
        assert composition_problems(after, deck) == []
    assert store.last_mock() == [i.id for i in exams[-1].items]


def test_overlap_is_capped_even_when_the_bank_is_small(deck, catalog) -> None:
    """A bank barely larger than one mock cannot avoid the previous mock's items: the next
    mock takes at most 20% of them and is shorter rather than break the rule."""
    first = build_mock_exam(deck, catalog, T0, seed=3, total=20, unscored=5)
    kept = {i.id for i in first.items}
    spare = [i for i in deck.items.values() if i.id not in kept and i.case is None][:4]
    small = BankDeck(items={i.id: i for i in [*first.items, *spare]},
                     cases={c: m for c, m in deck.cases.items() if set(m) <= kept})
    second = build_mock_exam(small, catalog, T0, seed=4, previous=list(kept), total=20,
                             unscored=5)
    assert _shared(first, second) <= int(MAX_OVERLAP * 20) == 4
    assert len({i.id for i in second.items}) == len(second.items) < 20


def test_items_not_answered_yet_come_first(deck, catalog) -> None:
    domain_one = [i.id for i in deck.items.values() if i.domain == 1 and i.case is None]
    seen = dict.fromkeys(domain_one[:40], T0)
    exam = build_mock_exam(deck, catalog, T0 + timedelta(days=1), seed=2, seen=seen)
    standalone = [i for i in exam.items if i.domain == 1 and i.case is None]
    assert standalone and not {i.id for i in standalone} & set(seen)


def _right(item: QuizItem) -> object:
    if item.type == "ordering":
        return list(item.order)
    if item.type == "matching":
        return dict(item.pairs)
    return item.correct_keys if item.type == "multiple" else item.correct_keys[0]


def test_unscored_questions_do_not_count(deck, catalog) -> None:
    exam = build_mock_exam(deck, catalog, T0, seed=5)
    for item in exam.items:
        if item.id not in exam.unscored:
            exam.answer(item.id, _right(item), now=T0 + timedelta(minutes=5))
    result = exam.submit(T0 + timedelta(minutes=60))
    assert (result.correct, result.total) == (50, 50)
    assert result.scaled_score == scaled_score(50, 50) == 1000 and result.passed
    assert sorted(result.unscored_ids) == sorted(exam.unscored)
    assert set(result.wrong_item_ids) == set(exam.unscored)  # missed, so they come back
    assert {d.domain: d.unscored for d in result.domains} == blueprint(EXAM_UNSCORED)
