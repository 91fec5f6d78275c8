"""Quality gate: every item is checked before a learner sees it.

``check_item`` returns the reasons an item fails (empty list: it passes). ``gate_items`` keeps
the passing items, adds flags (``negative_stem``) and counts the dropped ones by reason.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from tutor.catalog import Catalog
from tutor.exam import TASKS
from tutor.quiz.note_text import coverage, normalise
from tutor.quiz.support import passage_text
from tutor.types import Chunk, QuizItem

MAX_LENGTH_RATIO = 3.0
MIN_OPTION_COVERAGE = 0.6  # for keys that are not catalog names (LLM items)
SENTENCE_WORDS = 10

# reasons, part of the GateStats contract
WRONG_ANSWER_COUNT = "wrong_answer_count"
BAD_STRUCTURE = "bad_structure"
DUPLICATE_OPTIONS = "duplicate_options"
NO_CITATION = "no_citation"
UNSUPPORTED_KEY = "unsupported_key"
CITATION_MISMATCH = "citation_mismatch"
ANSWER_IN_STEM = "answer_in_stem"
ALL_NONE_OF_ABOVE = "all_or_none_of_the_above"
UNEVEN_OPTIONS = "uneven_options"
MISSING_EXPLANATION = "missing_explanation"
TASK_DOMAIN_MISMATCH = "task_domain_mismatch"

NEGATIVE_STEM = "negative_stem"

_ALL_NONE = re.compile(r"\b(all|none|both|neither) of the (above|options|answers|choices)\b", re.I)
_NEGATIVE = re.compile(r"\b(NOT|EXCEPT)\b|\bexcept\b")
_SELECT = re.compile(r"\(Select (TWO|THREE|FOUR)\.\)")
# the exam's formats; true/false and fill-in-the-blank items (which older releases generated
# and progress stores may still hold) are never shown: their facts are flashcards now
EXAM_FORMATS = ("single", "multiple", "ordering", "matching")


class GateStats(BaseModel):
    """How many items were checked, passed, and dropped for each reason (an item dropped for
    two reasons counts under both)."""

    checked: int = 0
    passed: int = 0
    dropped: dict[str, int] = Field(default_factory=dict)

    @property
    def rejected(self) -> int:
        return self.checked - self.passed

    @property
    def pass_rate(self) -> float:
        return self.passed / self.checked if self.checked else 0.0

    def record(self, reasons: list[str]) -> None:
        self.checked += 1
        if not reasons:
            self.passed += 1
        counts = Counter(self.dropped)
        counts.update(set(reasons))
        self.dropped = dict(counts)


@dataclass
class GateResult:
    passed: list[QuizItem] = field(default_factory=list)
    rejected: list[tuple[QuizItem, list[str]]] = field(default_factory=list)
    stats: GateStats = field(default_factory=GateStats)


def _form(text: str) -> str:
    long_or_closed = text.rstrip().endswith(".") or len(text.split()) > SENTENCE_WORDS
    return "sentence" if long_or_closed else "phrase"


def _mentions_key(catalog: Catalog, text: str, option_text: str) -> bool:
    service = catalog.by_name(option_text)
    if service is not None:
        return catalog.mentions_service(text, service.id)
    return coverage(option_text, text) >= MIN_OPTION_COVERAGE


def _structure(item: QuizItem) -> list[str]:
    keys = [o.key for o in item.options]
    correct = item.correct_keys
    if len(set(keys)) != len(keys) or item.type not in EXAM_FORMATS:
        return [BAD_STRUCTURE]
    if item.type == "single":
        if len(item.options) != 4:
            return [BAD_STRUCTURE]
        if len(correct) != 1 or item.answer_count != 1:
            return [WRONG_ANSWER_COUNT]
    elif item.type == "multiple":
        select = _SELECT.search(item.stem)
        words = {"TWO": 2, "THREE": 3, "FOUR": 4}
        if len(item.options) < 5 or select is None:
            return [BAD_STRUCTURE]
        if not (len(correct) == item.answer_count == words[select.group(1)] >= 2):
            return [WRONG_ANSWER_COUNT]
    elif item.type in ("ordering", "matching"):
        arranged = item.order if item.type == "ordering" else list(item.pairs)
        if len(item.options) < 3 or sorted(arranged) != sorted(keys) or correct:
            return [BAD_STRUCTURE]
    return []


def _support(item: QuizItem, catalog: Catalog, chunks: Mapping[str, Chunk] | None) -> list[str]:
    if not item.citations:
        return [NO_CITATION]
    quotes = [c.quote for c in item.citations]
    reasons: list[str] = []
    if chunks is not None:
        for c in item.citations:
            chunk = chunks.get(c.chunk_id)
            if chunk is None or normalise(c.quote) not in normalise(passage_text(chunk)):
                reasons.append(CITATION_MISMATCH)
                break
    topic_ok = item.topic is None or item.topic not in catalog.by_id or any(
        catalog.mentions_service(q, item.topic) for q in quotes
    )
    if item.type in ("single", "multiple"):
        for option in item.options:
            if option.correct and not any(_mentions_key(catalog, q, option.text) for q in quotes):
                reasons.append(UNSUPPORTED_KEY)
                break
    elif item.type == "matching":
        if not all(any(_mentions_key(catalog, q, o.text) for q in quotes) for o in item.options):
            reasons.append(UNSUPPORTED_KEY)
    elif item.type == "ordering" and not topic_ok:
        reasons.append(UNSUPPORTED_KEY)
    return list(dict.fromkeys(reasons))


def _bank_support(item: QuizItem) -> list[str]:
    """Authored items cite per option: each option must point at a citation that shows a
    passage or a link. (``tutor eval quiz --source bank`` checks that the passage backs it.)"""
    numbers = {c.n: c for c in item.citations}
    if not item.citations or any(o.cite not in numbers for o in item.options):
        return [NO_CITATION]
    if any(not (c.passage.strip() or c.url) for c in item.citations):
        return [CITATION_MISMATCH]
    return []


def _giveaway(item: QuizItem, catalog: Catalog) -> bool:
    if item.type == "ordering":
        return False  # options are steps, not names a stem could leak
    stem = item.stem
    for option in item.options:
        if item.type != "matching" and not option.correct:
            continue
        service = catalog.by_name(option.text)
        if service is not None and catalog.mentions_service(stem, service.id):
            return True
        plain = normalise(option.text)
        if service is None and plain and f" {plain} " in f" {normalise(stem)} ":
            return True
        if (item.type == "matching" and service is not None
                and catalog.mentions_service(item.pairs.get(option.key, ""), service.id)):
            return True
    return False


def _uneven(item: QuizItem) -> bool:
    """Whether one option stands out by its length or form, which would hint at the key.
    Matching items are exempt from the length and form rules: every entry and every
    description is used exactly once, so standing out singles nothing out."""
    texts = [o.text for o in item.options]
    if not texts or min(len(t) for t in texts) == 0:
        return True
    if item.type == "matching":
        return any(not d.strip() for d in item.pairs.values())
    if max(len(t) for t in texts) > MAX_LENGTH_RATIO * min(len(t) for t in texts):
        return True
    return len({_form(t) for t in texts}) > 1


def check_item(
    item: QuizItem, catalog: Catalog, chunks: Mapping[str, Chunk] | None = None
) -> list[str]:
    """Reasons the item must not be shown; empty when it passes.

    ``chunks`` (id -> Chunk) lets the gate confirm each quote really is in its cited chunk.
    Item-bank items are checked the same way except for support, which they give per option.
    """
    reasons: list[str] = []
    if item.task not in TASKS or not item.task.startswith(f"{item.domain}."):
        reasons.append(TASK_DOMAIN_MISMATCH)
    reasons += _structure(item)
    values = [normalise(o.text) for o in item.options] + [normalise(v) for v in item.pairs.values()]
    if len(set(values)) != len(values):
        reasons.append(DUPLICATE_OPTIONS)
    if any(_ALL_NONE.search(o.text) for o in item.options):
        reasons.append(ALL_NONE_OF_ABOVE)
    if _giveaway(item, catalog):
        reasons.append(ANSWER_IN_STEM)
    if _uneven(item):
        reasons.append(UNEVEN_OPTIONS)
    if not item.explanation.strip() or any(not o.explanation.strip() for o in item.options):
        reasons.append(MISSING_EXPLANATION)
    reasons += _bank_support(item) if item.generator == "bank" else _support(item, catalog, chunks)
    return list(dict.fromkeys(reasons))


def with_flags(item: QuizItem) -> QuizItem:
    """The item with ``negative_stem`` added when its stem asks for the wrong option."""
    flags = list(item.flags)
    if _NEGATIVE.search(item.stem) and NEGATIVE_STEM not in flags:
        flags.append(NEGATIVE_STEM)
    return item if flags == item.flags else item.model_copy(update={"flags": flags})


def gate_items(
    items: Iterable[QuizItem], catalog: Catalog, chunks: Mapping[str, Chunk] | None = None
) -> GateResult:
    """Split items into those fit to show (flagged) and those dropped, with counts."""
    result = GateResult()
    for item in items:
        reasons = check_item(item, catalog, chunks)
        result.stats.record(reasons)
        if reasons:
            result.rejected.append((item, reasons))
        else:
            result.passed.append(with_flags(item))
    return result
