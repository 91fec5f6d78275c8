"""Concept cards lead an answer when the card's question matches the learner's closely.

A card chunk's heading is its question (front) and its text the answer (back). The match is
the cosine between the learner's question and the card's front (vectors from the embedding
cache; ingest stores the fronts). A close match must also agree on what is asked about: a
card that does not name every service or concept the question names never leads, however
close its wording ("max payload of a real-time endpoint" is not "... of serverless").
A front that shares ``CARD_WORDS`` of its terms with the question also leads at the lower
cosine ``CARD_MATCH_WORDS``: "guardrail deployment didnt roll back even though the new model
was clearly bad" and "Why didn't my SageMaker deployment roll back even though the new model
was bad?" are the same question at a cosine of only 0.50. Both are tuned for precision on the
learner dataset (README, section Evals): 17 of the 20 answers the word path adds pass.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from tutor.answer.question import Question
from tutor.answer.scoring import Scored
from tutor.answer.sentences import candidates
from tutor.embed import Embedder
from tutor.index.lexical import tokenize
from tutor.types import Hit

CARD_MATCH = 0.7
# A front that shares this share of its terms with the question (word Jaccard) leads at a lower
# cosine: the same question in other casing and typos embeds further apart than it reads.
CARD_WORDS = 0.4
CARD_MATCH_WORDS = 0.45
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
    if best.score >= threshold:
        return best
    if (best.score >= min(threshold, CARD_MATCH_WORDS)
            and shared_terms(question.text, best.hit.chunk.heading) >= CARD_WORDS):
        return best
    return None


def shared_terms(a: str, b: str) -> float:
    """Jaccard of the two texts' stemmed terms."""
    ta, tb = set(tokenize([a])[0]), set(tokenize([b])[0])
    return len(ta & tb) / (len(ta | tb) or 1)


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
