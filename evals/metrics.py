"""Metric functions: pure, small, and tested on hand-computed examples.

Retrieval metrics score a ranked list of distinct sources (pages) against a set of gold
sources with binary relevance. Answer metrics match must-groups and key terms in text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Iterable, Sequence
from typing import TypeVar

from evals import wording
from tutor.text import words

T = TypeVar("T", bound=Hashable)

_MARKUP = re.compile(r"[*`]")
# sentence ends and ellipses: where a quote may skip part of its passage
_ASIDE = re.compile(r"\s*\([^()]*\)")
_QUOTE_BREAK = re.compile(r"(?<=[.!?])\s+|\s*(?:\.\.\.|\u2026)\s*")


# ---- retrieval -----------------------------------------------------------------------------

def distinct(items: Iterable[T]) -> list[T]:
    """Items in first-seen order without repeats (a source's rank is that of its best chunk)."""
    return list(dict.fromkeys(items))


def first_relevant_rank(ranked: Sequence[str], gold: Iterable[str]) -> int | None:
    """1-based rank of the first gold item in ``ranked``, or None when there is none."""
    wanted = set(gold)
    for rank, item in enumerate(ranked, start=1):
        if item in wanted:
            return rank
    return None


def hit_at(ranked: Sequence[str], gold: Iterable[str], n: int) -> float:
    """1.0 when a gold item is among the first ``n``, else 0.0."""
    rank = first_relevant_rank(ranked, gold)
    return 1.0 if rank is not None and rank <= n else 0.0


def recall_at(ranked: Sequence[str], gold: Iterable[str], n: int) -> float:
    """Share of the gold items found among the first ``n`` (0.0 for an empty gold set)."""
    wanted = set(gold)
    if not wanted:
        return 0.0
    return len(wanted & set(ranked[:n])) / len(wanted)


def mrr_at(ranked: Sequence[str], gold: Iterable[str], n: int) -> float:
    """Reciprocal rank of the first gold item, 0.0 when it is not within the first ``n``."""
    rank = first_relevant_rank(ranked, gold)
    return 1.0 / rank if rank is not None and rank <= n else 0.0


def ndcg_at(ranked: Sequence[str], gold: Iterable[str], n: int) -> float:
    """Normalised discounted cumulative gain with binary relevance.

    DCG sums 1/log2(rank+1) over gold items in the first ``n``; the ideal ranking puts all
    gold items (at most ``n``) first. Items are assumed distinct.
    """
    wanted = set(gold)
    if not wanted:
        return 0.0
    dcg = sum(1.0 / math.log2(rank + 1)
              for rank, item in enumerate(ranked[:n], start=1) if item in wanted)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(wanted), n) + 1))
    return dcg / ideal


# ---- summaries -----------------------------------------------------------------------------

def mean(values: Sequence[float]) -> float:
    """Arithmetic mean; 0.0 for no values, so an empty run reads as a failure, not a crash."""
    return sum(values) / len(values) if values else 0.0


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100) with linear interpolation between closest ranks."""
    if not values:
        return 0.0
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be within 0-100, got {p}")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * p / 100
    low = math.floor(pos)
    high = math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def rate(flags: Iterable[bool]) -> float:
    """Share of true flags; 0.0 for none."""
    values = [bool(f) for f in flags]
    return sum(values) / len(values) if values else 0.0


# ---- answers -------------------------------------------------------------------------------

def match_form(text: str) -> str:
    """Text as must-terms are matched in it: lower case, Markdown emphasis and code marks
    removed (passages are Markdown, answers may be plain), whitespace collapsed."""
    return " ".join(_MARKUP.sub("", text).lower().split())


def contains(text: str, term: str) -> bool:
    """Case-insensitive substring match after ``match_form`` on both sides."""
    needle = match_form(term)
    return bool(needle) and needle in match_form(text)


def states(text: str, term: str) -> bool:
    """Whether ``text`` states the must term: it contains it, or contains it once number words
    are digits and a compound's hyphens and spaces are dropped (``wording.same_fact``:
    "seven days" states "7 days", "Load-test" states "load test"). Symmetric in the two."""
    return contains(text, term) or wording.same_fact(_MARKUP.sub("", text), _MARKUP.sub("", term))


def missing_groups(text: str, must: Sequence[Sequence[str]]) -> list[int]:
    """Indexes of the must-groups none of whose alternatives the text ``states``."""
    return [i for i, group in enumerate(must) if not any(states(text, alt) for alt in group)]


def passes(text: str, must: Sequence[Sequence[str]]) -> bool:
    """The pass rule: at least one alternative of every group occurs in the text."""
    return not missing_groups(text, must)


def key_terms(text: str, must: Sequence[Sequence[str]]) -> list[str]:
    """The answer's key terms: the must alternatives (any group) that the answer contains.

    These are the facts the answer states that the question asked for, so a cited passage
    holding none of them does not back what the answer got right. An answer containing no
    alternative has no key terms, and its citations are not scored for precision.
    """
    found = [alt for group in must for alt in group if states(text, alt)]
    return distinct(found)


def cites_key_term(passage: str, terms: Sequence[str]) -> bool:
    """Whether a cited passage contains at least one of the answer's key terms."""
    return any(states(passage, t) for t in terms)


def quote_in_passage(quote: str, passage: str) -> bool:
    """Whether every sentence of the quote occurs, words in order and contiguous, in the
    passage (markup, punctuation and case ignored). A quote may join sentences from different
    places of its passage and may leave out bracketed asides such as "(source: ...)", but a
    sentence that is not in the passage misattributes it."""
    forms = [" ".join(words(text)) for text in (passage, _ASIDE.sub("", passage))]
    parts = [" ".join(words(s)) for s in _QUOTE_BREAK.split(quote)]
    parts = [p for p in parts if p]
    return bool(parts) and all(any(p in form for form in forms) for p in parts)


_LABEL = re.compile(r"\*\*(?:[^*\n]|\\\*){1,160}:\*\*")  # a label may hold escaped "\*"
_CITE_MARK = re.compile(r"\s*\[\d{1,3}\]")


def answer_sentences(text: str) -> list[str]:
    """The sentences of an answer as a reader meets them: short bold labels ("**Batch
    Transform:**") and citation markers removed, split where the notes' sentences end."""
    from tutor.chunk import split_sentences

    plain = _CITE_MARK.sub("", _LABEL.sub("", text))
    return [s for s in split_sentences(plain) if any(ch.isalnum() for ch in s)]


def is_fragment(sentence: str) -> bool:
    """A sentence that is not one: raw table pipes, or no finite verb and not a table row read
    as text ("Serverless — max payload: 4 MB; ..."). The rule is
    ``tutor.answer.sentences.is_sentence``, the one the answerer filters candidates with."""
    from tutor.answer.sentences import is_sentence

    return not is_sentence(sentence)


def near_duplicate_pairs(sentences: Sequence[str], threshold: float = 0.6) -> int:
    """Pairs of sentences whose word sets overlap by Jaccard >= ``threshold``."""
    sets = [set(words(s)) for s in sentences]
    return sum(1 for i in range(len(sets)) for j in range(i)
               if min(len(sets[i]), len(sets[j])) >= 4
               and jaccard(sets[i], sets[j]) >= threshold)


def entities_covered(sentences: Sequence[str], entities: Sequence[Sequence[str]]) -> list[bool]:
    """Per entity group: whether some answer sentence names one of its alternatives."""
    return [any(contains(s, alt) for s in sentences for alt in group) for group in entities]


# ---- quiz ----------------------------------------------------------------------------------

def jaccard(a: set[str], b: set[str]) -> float:
    """|a & b| / |a | b|; 1.0 for two empty sets."""
    union = a | b
    return len(a & b) / len(union) if union else 1.0


def duplicate_positions(signatures: Sequence[set[str]], threshold: float) -> list[int]:
    """Positions whose signature has Jaccard similarity >= ``threshold`` with an earlier one."""
    dups: list[int] = []
    for i, sig in enumerate(signatures):
        if any(jaccard(sig, signatures[j]) >= threshold for j in range(i)):
            dups.append(i)
    return dups


def length_ratio(texts: Sequence[str]) -> float:
    """Longest option length over shortest, in characters (1.0 is perfectly even)."""
    lengths = [len(t.strip()) for t in texts]
    if not lengths:
        return 1.0
    return max(lengths) / max(min(lengths), 1)


def key_is_longest(texts: Sequence[str], correct: Sequence[bool]) -> bool:
    """Whether a correct option is strictly longer than every wrong one: the length cue that
    lets a test-wise learner guess without knowing the answer."""
    right = [len(t) for t, c in zip(texts, correct, strict=False) if c]
    wrong = [len(t) for t, c in zip(texts, correct, strict=False) if not c]
    return bool(right and wrong) and max(right) > max(wrong)
