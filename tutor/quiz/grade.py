"""Grading as the exam does it: no partial credit.

Single answer: the one key. Multiple response: every correct option and nothing else.
Ordering: the exact order. Matching: every pair.

An answer is a key (``"B"``), a list of keys (``["A", "D"]``; ordered for ordering items) or, for
matching, a mapping of option key to description (or to the 1-based number of the description in
``match_targets``). ``parse_answer`` turns what a learner types into that form.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, Field

from tutor.errors import InputError
from tutor.types import QuizItem

AnswerValue = str | Sequence[str] | Mapping[str, str]


class GradeResult(BaseModel):
    """The outcome of one answer, with what was expected in the same shape as given."""

    correct: bool
    given: list[str] | dict[str, str]
    expected: list[str] | dict[str, str]
    missing: list[str] = Field(default_factory=list, description="Correct keys not selected.")
    extra: list[str] = Field(default_factory=list, description="Selected keys that are wrong.")


def match_targets(item: QuizItem) -> list[str]:
    """The descriptions of a matching item in display order: shuffled by the item id, so the
    order never follows the option order and is the same every time the item is shown."""
    targets = sorted(item.pairs.values())
    random.Random(item.id).shuffle(targets)
    if len(targets) > 1 and targets == [item.pairs.get(o.key) for o in item.options]:
        targets = targets[1:] + targets[:1]  # a shuffle that left every pair in line
    return targets


def expected_answer(item: QuizItem) -> list[str] | dict[str, str]:
    if item.type == "ordering":
        return list(item.order)
    if item.type == "matching":
        return dict(item.pairs)
    return item.correct_keys


def _keys(value: AnswerValue) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if isinstance(value, Mapping):
        raise InputError("Expected option letters, got pairs.")
    return [str(v).strip().upper() for v in value if str(v).strip()]


def _pairs(item: QuizItem, value: AnswerValue) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise InputError("A matching question needs a pairing for every option.")
    targets = match_targets(item)
    out: dict[str, str] = {}
    for left, right in value.items():
        right = str(right).strip()
        if right.isdigit() and 1 <= int(right) <= len(targets):
            right = targets[int(right) - 1]
        out[str(left).strip().upper()] = right
    return out


def grade(item: QuizItem, answer: AnswerValue) -> GradeResult:
    """Grade one answer; raises InputError when its shape does not fit the item type."""
    expected = expected_answer(item)
    if item.type == "matching":
        given_pairs = _pairs(item, answer)
        assert isinstance(expected, dict)
        wrong = sorted(k for k in expected if given_pairs.get(k) != expected[k])
        extra = sorted(k for k in given_pairs if k not in expected)
        return GradeResult(correct=not wrong and not extra, given=given_pairs, expected=expected,
                           missing=wrong, extra=extra)
    given = _keys(answer)
    assert isinstance(expected, list)
    if item.type == "ordering":
        return GradeResult(correct=given == expected, given=given, expected=expected)
    chosen, keys = set(given), set(expected)
    return GradeResult(
        correct=chosen == keys,
        given=given,
        expected=expected,
        missing=sorted(keys - chosen),
        extra=sorted(chosen - keys),
    )


def parse_answer(item: QuizItem, text: str) -> AnswerValue:
    """Read typed input: "B"; "A, D" or "AD"; "C A D B" for ordering; "A2 B1 C4 D3" for
    matching (letter then number of the description). Raises InputError on unknown letters."""
    letters = {o.key for o in item.options}
    if item.type == "matching":
        found = re.findall(r"([A-Za-z])\s*[-=:>]*\s*(\d+)", text)
        pairs = {a.upper(): b for a, b in found}
        if set(pairs) != letters:
            raise InputError("Give a number for every letter, e.g. A2 B1 C4 D3.")
        return pairs
    picks = [c.upper() for c in re.findall(r"[A-Za-z]", text)]
    unknown = [p for p in picks if p not in letters]
    if unknown or not picks:
        raise InputError(f"Answer with the letters {', '.join(sorted(letters))}.")
    if item.type == "single" and len(picks) != 1:
        raise InputError("Choose one letter.")
    return picks if item.type in ("multiple", "ordering") else picks[0]
