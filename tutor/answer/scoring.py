"""Sentence scoring for the extractive answer: lexical coverage of the question's rare terms
fused with the cosine between the question and each candidate sentence, plus what the
question type asks for (a figure, a cause, a fix, a choice).

Sentence vectors come from the embedder's persistent cache: ingest stores them for the notes
and cards, other passages are embedded the first time they are read and cached from then on.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from tutor.answer.question import Question
from tutor.answer.sentences import Candidate, candidates
from tutor.embed import Embedder
from tutor.index.lexical import tokenize
from tutor.types import Hit

_DIGIT = re.compile(r"\d")
# Sentences that lean on earlier text read badly alone, unless they follow their antecedent.
_DEPENDENT = re.compile(r"^(it|this|these|that|those|they|such|also|however|then|for more "
                        r"information|for example|the following|see |to learn|both|"
                        r"the (?:first|second|third|other|latter|former|rest)|another)\b", re.I)
# ... and so do sentences that point at text after them ("the table below compares ...")
_FORWARD = re.compile(r"\b(?:table|section|list|sections) below\b|\bbelow (?:compares|explains|"
                      r"lists|shows)\b|\bas follows\b", re.I)
_DEFINING = re.compile(r"\b(is|are) (an?|the|one of|how|what|a way|where)\b|\bmeans\b|"
                       r"\brefers to\b|\blets you\b|\bis used\b", re.I)
_CHOICE = re.compile(r"\b(choose|pick|prefer|use it|suits?|best|when|rather than|instead|"
                     r"over|fits?|right choice|go with|answer is)\b", re.I)
_CAUSE = re.compile(r"\b(because|caused|cause|due to|happens|occurs|when|if|usually|"
                    r"reason|means|runs out|exceed\w*|too (?:small|large|many|few|low|high))\b",
                    re.I)
_FIX = re.compile(r"\b(fix\w*|resolve\w*|increase|raise|add|set|use|switch|reduce|request|"
                  r"check|grant|make sure|ensure|enable|retry|split|move|instead|the remedy|"
                  r"the cure|solution)\b", re.I)


@dataclass
class Scored:
    """A candidate sentence with where it came from and how well it answers."""

    hit_i: int
    hit: Hit
    cand: Candidate
    vec: np.ndarray
    cos: float = 0.0
    coverage: float = 0.0
    score: float = 0.0
    names: frozenset[int] = field(default_factory=frozenset)  # compared entities it names

    @property
    def section(self) -> tuple[str, str]:
        return self.hit.chunk.source, self.hit.chunk.heading


@dataclass(frozen=True)
class Weights:
    """Weights of the sentence score, tuned on evals/datasets/answers.jsonl."""

    cos: float = 2.0
    cover: float = 1.6
    heading: float = 0.3
    lead: float = 0.25
    rank: float = 0.5
    number: float = 0.6
    defining: float = 0.3
    kind: float = 0.35  # the type's cue words: a choice, a cause, a fix
    entity: float = 0.3
    dependent: float = 0.5


def pool(question: Question, hits: Sequence[Hit], embedder: Embedder | None,
         q_vec: np.ndarray | None, weights: Weights = Weights(), *, cards: bool = False,
         max_hits: int = 6) -> list[Scored]:
    """Every candidate of the hits, scored; best first. Cards are left out unless ``cards``
    (they lead on their own terms, ``tutor.answer.cards``); ``max_hits`` passages are read,
    ranked as retrieval ranked them. Without an embedder
    (a generative answerer's own fallback built without one) sentences score lexically."""
    items: list[tuple[int, Hit, Candidate]] = []
    passages = [h for h in hits if cards or not h.chunk.is_card][:max_hits]
    for hit_i, hit in enumerate(passages):
        for cand in candidates(hit.chunk):
            if cand.trap and not (question.pitfalls or question.type == "troubleshooting"):
                continue
            items.append((hit_i, hit, cand))
    if not items:
        return []
    if embedder is None or q_vec is None:
        vecs = np.zeros((len(items), 1), dtype=np.float32)
        q_vec = np.zeros(1, dtype=np.float32)
    else:
        vecs = embedder.embed_documents([c.key for _, _, c in items])
    cos = vecs @ q_vec
    q_terms = set(tokenize([question.stem or question.text])[0])
    toks = [terms_of(c.text) for _, _, c in items]
    heads = {h.chunk.id: terms_of(h.chunk.heading) for h in hits}
    # Terms frequent among the candidates ("sagemaker", "model") say little about which
    # sentence answers; rare question terms decide.
    df: dict[str, int] = {}
    for t in toks:
        for term in q_terms & t:
            df[term] = df.get(term, 0) + 1
    weight = {t: math.log(1 + len(items) / (1 + df.get(t, 0))) for t in q_terms}
    total = sum(weight.values()) or 1.0
    compared = [e.pattern() for e in question.compared]
    named = [e.pattern() for e in question.entities]
    out = []
    for (hit_i, hit, cand), vec, c, terms in zip(items, vecs, cos, toks, strict=True):
        shared = q_terms & terms
        coverage = sum(weight[t] for t in shared) / total
        context = sum(weight[t] for t in q_terms & heads[hit.chunk.id]) / total
        names = frozenset(i for i, p in enumerate(compared) if p.search(cand.text))
        s = weights.cos * float(c) + weights.cover * coverage + weights.heading * context
        s += weights.lead * (cand.position == 0) + weights.rank / (hit_i + 1)
        if question.wants_number and _DIGIT.search(cand.text):
            s += weights.number
        s += weights.kind * _kind_cue(question, cand.text)
        if question.type in ("definition", "comparison") and _DEFINING.search(cand.text):
            s += weights.defining
        if any(p.search(cand.text) for p in named):
            s += weights.entity
        if is_dependent(cand.text):
            s -= weights.dependent
        out.append(Scored(hit_i, hit, cand, vec, float(c), coverage, s, names))
    out.sort(key=lambda x: -x.score)
    return out


@lru_cache(maxsize=16384)
def terms_of(text: str) -> frozenset[str]:
    """The distinct BM25 terms of a sentence or heading. Cached: the same passages are read
    question after question."""
    return frozenset(tokenize([text])[0])


def _kind_cue(question: Question, text: str) -> float:
    if question.type == "choose":
        return float(bool(_CHOICE.search(text)))
    if question.type == "troubleshooting":
        return 0.5 * bool(_CAUSE.search(text)) + 0.5 * bool(_FIX.search(text))
    return 0.0


def is_dependent(text: str) -> bool:
    """Whether a sentence leans on the one before it ("Then choose ...", "It also ...") or on
    text after it ("the table below compares ...")."""
    return bool(_DEPENDENT.match(text) or _FORWARD.search(text))


def is_cause(text: str) -> bool:
    return bool(_CAUSE.search(text))


def is_fix(text: str) -> bool:
    return bool(_FIX.search(text))


def similar(a: Scored, b: Scored) -> float:
    """Cosine between two candidates' sentence vectors."""
    return float(a.vec @ b.vec)
