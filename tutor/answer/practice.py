"""A pasted practice question: the best cited sentence for each option, side by side, and a
best-supported option only when the evidence margin clears a calibrated threshold.

An option's support is the best, over the candidate sentences, of the sentence's cosine to
the option plus its cosine to the stem: a sentence that is about the option *and* about the
scenario. The margin is the best option's support minus the runner-up's.
``evals/practice_margin.py`` calibrates ``MARGIN`` on the item bank (corpus/items).

The stem and the options are embedded once, as documents (``item_vectors``), and the item is
searched and its sentences scored with the stem's vector: embedding the whole paste as a
query as well encoded the long text a second time, more than the rest of the answer cost.
On the answers eval the stem's vector lost nothing against the paste's (353/412 passed,
practice items 21/21, options named 8 of 21 rather than 6, all right; citation precision
0.817 rather than 0.811); the stem plus the options' mean, or the mean of all five, named
fewer (3 and 4 of 21; precision 0.810 and 0.816).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from tutor.answer.compose import MIN_COS, Part, duplicate, is_about
from tutor.answer.question import Entity, Question
from tutor.answer.scoring import Scored
from tutor.embed import Embedder

# Margin above which the best-supported option is named (calibrated, see the module doc): on
# the 233 single-answer bank items over the notes and cards it names an option for 10% (23)
# and that option is the key for 83% (19); at 0.12 it names 27% but is right for only 62%
# (measured 2026-12-08, the same with the stem's vector as with the whole paste's).
MARGIN = 0.2


@dataclass(frozen=True)
class Verdict:
    """Support per option letter, and the letter named (None when the margin is too small)."""

    support: dict[str, float]
    best: str | None
    margin: float
    unsupported: tuple[str, ...] = ()  # options no sentence speaks to closely


def item_vectors(question: Question, embedder: Embedder) -> np.ndarray:
    """The stem's vector, then each option's in letter order: one call, as documents."""
    return embedder.embed_documents([question.stem] + [o.text for o in question.options])


def weigh(question: Question, pool: Sequence[Scored], vectors: np.ndarray,
          margin: float = MARGIN, names: Mapping[str, Sequence[Entity]] | None = None
          ) -> tuple[list[Part], Verdict]:
    """The evidence part per option (in letter order) and the verdict; ``vectors`` are the
    item's ``item_vectors``; ``names`` the things each option names that the stem does not
    (its evidence must be about one of them)."""
    if not question.options or not pool:
        return [], Verdict({}, None, 0.0)
    stem_vec, opt_vecs = vectors[0], vectors[1:]
    sent = np.stack([s.vec for s in pool])
    to_stem = sent @ stem_vec
    support: dict[str, float] = {}
    orders: list[np.ndarray] = []
    for option, vec in zip(question.options, opt_vecs, strict=True):
        scores = sent @ vec + to_stem
        orders.append(np.argsort(-scores))
        support[option.key] = float(scores[orders[-1][0]])
    parts, unsupported = _evidence(question, pool, opt_vecs, orders, names or {})
    if not parts:
        # the passages speak closely to no option: the nearest sentences, as the best there is,
        # rather than no answer to an item the relevance check let through
        parts, unsupported = _evidence(question, pool, opt_vecs, orders, None)
    ranked = sorted(support.items(), key=lambda kv: -kv[1])
    gap = ranked[0][1] - ranked[1][1] if len(ranked) > 1 else 0.0
    best = ranked[0][0] if gap >= margin else None
    return parts, Verdict(support, best, gap, tuple(unsupported))


def _evidence(question: Question, pool: Sequence[Scored], opt_vecs: np.ndarray,
              orders: Sequence[np.ndarray], names: Mapping[str, Sequence[Entity]] | None
              ) -> tuple[list[Part], list[str]]:
    """Per option, its best sentence not already quoted, about what it names and near it in
    meaning; with ``names`` None, its best sentence not already quoted."""
    parts: list[Part] = []
    used: list[Scored] = []
    unsupported: list[str] = []
    for option, vec, order in zip(question.options, opt_vecs, orders, strict=True):
        own = names.get(option.key, ()) if names is not None else ()
        # the same sentence often sits in a note and in a card citing it: a copy of what
        # another option already quotes is as repeated as the sentence itself
        pick = next((pool[int(i)] for i in order
                     if not any(duplicate(pool[int(i)], u) for u in used)
                     and (not own or any(is_about(pool[int(i)], e) for e in own))), None)
        # a sentence far from the option in meaning is no evidence about it, however well it
        # fits the scenario: the answer says so rather than cite it under the option
        if pick is None or (names is not None and float(pick.vec @ vec) < MIN_COS):
            unsupported.append(option.key)
            continue
        used.append(pick)
        parts.append(Part(pick, f"{option.key}. {option.text}"))
    return parts, unsupported
