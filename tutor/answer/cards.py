"""Concept cards lead an answer when the card's question matches the learner's closely.

A card chunk's heading is its question (front) and its text the answer (back). The match is
the cosine between the learner's question and the card's front (vectors from the embedding
cache; ingest stores the fronts). A close match must also agree on what is asked about: a
card that does not name every service or concept the question names never leads, however
close its wording ("max payload of a real-time endpoint" is not "... of serverless").
``CARD_MATCH`` is tuned for precision on the learner dataset (README, section Evals).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from tutor.answer.question import Question
from tutor.answer.scoring import Scored
from tutor.answer.sentences import candidates
from tutor.embed import Embedder
from tutor.types import Hit

CARD_MATCH = 0.7
_DIGIT = re.compile(r"\d")


def lead_card(question: Question, hits: Sequence[Hit], embedder: Embedder, q_vec: np.ndarray,
              threshold: float = CARD_MATCH) -> Scored | None:
    """The best-matching card among the hits, as a scored candidate, when it clears
    ``threshold`` and names what the question names; else None."""
    scored = card_matches(question, hits, embedder, q_vec)
    if question.type == "figure":  # a card without a figure cannot lead a figure's answer
        scored = [s for s in scored if _DIGIT.search(s.cand.text)]
    if not scored or question.type == "practice":
        return None
    best = scored[0]
    return best if best.score >= threshold else None


def card_matches(question: Question, hits: Sequence[Hit], embedder: Embedder,
                 q_vec: np.ndarray) -> list[Scored]:
    """Every card among the hits that agrees with the question's entities, scored by the
    cosine of its front to the question; best first."""
    cards = [(i, h, candidates(h.chunk)) for i, h in enumerate(hits) if h.chunk.is_card]
    cards = [(i, h, c) for i, h, c in cards
             if c and all(e.named_in(f"{h.chunk.heading} {h.chunk.text}")
                          for e in question.entities)]
    if not cards:
        return []
    vecs = embedder.embed_documents([t for _, h, c in cards for t in (h.chunk.heading, c[0].key)])
    fronts, backs = vecs[0::2], vecs[1::2]
    out = [Scored(i, hit, cands[0], back, cos=float(cos), score=float(cos))
           for (i, hit, cands), back, cos in zip(cards, backs, fronts @ q_vec, strict=True)]
    out.sort(key=lambda s: -s.score)
    return out
