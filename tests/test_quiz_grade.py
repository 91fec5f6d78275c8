"""Grading as on the exam: all correct options and nothing else; exact order; all pairs."""

from __future__ import annotations

import pytest

from tests.quiz_data import multiple_item, single_item
from tutor.errors import InputError
from tutor.quiz.grade import grade, match_targets, parse_answer
from tutor.types import QuizItem, QuizOption


def test_single_answer() -> None:
    item = single_item()
    assert grade(item, "B").correct
    assert grade(item, "b").correct
    assert not grade(item, "A").correct


@pytest.mark.parametrize(
    ("answer", "correct"),
    [(["A", "C"], True), (["C", "A"], True), (["a", "c"], True), (["A"], False),
     (["A", "C", "D"], False), (["B", "D"], False), ([], False)],
)
def test_multiple_response_needs_exactly_the_keys(answer: list[str], correct: bool) -> None:
    assert grade(multiple_item(), answer).correct is correct


def test_multiple_response_reports_missing_and_extra() -> None:
    result = grade(multiple_item(), ["A", "D"])
    assert result.missing == ["C"] and result.extra == ["D"]


def _ordering() -> QuizItem:
    steps = ["Enable data capture", "Create a baseline", "Schedule monitoring", "Review violations"]
    return QuizItem(id="q-ord", type="ordering", domain=4, task="4.1", stem="Order the steps.",
                    options=[QuizOption(key=k, text=t, explanation="x")
                             for k, t in zip("ABCD", steps, strict=False)],
                    answer_count=4, order=["C", "A", "D", "B"])


def _matching() -> QuizItem:
    return QuizItem(id="q-match", type="matching", domain=3, task="3.1", stem="Match them.",
                    options=[QuizOption(key=k, text=t, explanation="x")
                             for k, t in zip("ABC", ["Svc one", "Svc two", "Svc three"],
                                             strict=True)],
                    answer_count=3, pairs={"A": "does one", "B": "does two", "C": "does three"})


def test_ordering_needs_the_exact_order() -> None:
    assert grade(_ordering(), ["C", "A", "D", "B"]).correct
    assert not grade(_ordering(), ["A", "C", "D", "B"]).correct
    assert not grade(_ordering(), ["C", "A", "D"]).correct


def test_matching_needs_every_pair() -> None:
    item = _matching()
    assert grade(item, {"A": "does one", "B": "does two", "C": "does three"}).correct
    swapped = grade(item, {"A": "does two", "B": "does one", "C": "does three"})
    assert not swapped.correct and swapped.missing == ["A", "B"]
    numbers = {k: str(match_targets(item).index(v) + 1) for k, v in item.pairs.items()}
    assert grade(item, numbers).correct
    assert not grade(item, {"A": "does one", "B": "does two"}).correct


def test_parse_answer_forms() -> None:
    assert parse_answer(single_item(), " b ") == "B"
    assert parse_answer(multiple_item(), "a, c") == ["A", "C"]
    assert parse_answer(multiple_item(), "AC") == ["A", "C"]
    assert parse_answer(_ordering(), "C A D B") == ["C", "A", "D", "B"]
    assert parse_answer(_matching(), "A2 b-1 C3") == {"A": "2", "B": "1", "C": "3"}
    with pytest.raises(InputError):
        parse_answer(single_item(), "Z")
    with pytest.raises(InputError):
        parse_answer(single_item(), "A B")
    with pytest.raises(InputError):
        parse_answer(_matching(), "A1 B2")


