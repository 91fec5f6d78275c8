"""The offline default answerer: it quotes sentences of the best hits, chosen and ordered for
the kind of question asked, and cites each one. No language model is involved.

Question analysis (``question.py``) gives the type and the entities; every candidate sentence
of the hits is scored by lexical coverage fused with its cosine to the question, with vectors
from the embedding cache (``scoring.py``); ``compose.py`` picks and orders by type; a concept
card whose question matches closely leads (``cards.py``); a pasted practice item gets the
evidence for each option (``practice.py``). Quoted sentences are verbatim; only short labels
("**Batch Transform:**") and the fixed notes of ``tutor.prompts`` are the tutor's own words.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from tutor import prompts
from tutor.answer.base import citation_for, is_relevant, not_found
from tutor.answer.cards import CARD_MATCH, lead_card
from tutor.answer.compose import Part, compose, duplicate, missing
from tutor.answer.figures import states_figure
from tutor.answer.practice import item_vectors, weigh
from tutor.answer.question import Question, analyse
from tutor.answer.scoring import Scored, pool
from tutor.catalog import Catalog
from tutor.embed import Embedder
from tutor.types import Answer, Citation, Hit

if TYPE_CHECKING:  # the llm package imports LangChain; answering offline does not need it
    from tutor.llm import LazyChatModel

STOP = 0.5  # a further sentence must score this share of the lead's (marginal relevance)
# after a card, a sentence from another section of its note than the one the card sums up
# must be this close to the question in meaning (a card on record retention was followed by
# the record size limit)
AFTER_CARD_COS = 0.5


class ExtractiveAnswerer:
    """Quotes and orders sentences of the top hits by question type; every one is cited."""

    name = "extractive"
    guards_context = False  # the caller sanitises the hits
    model: LazyChatModel | None = None

    def __init__(self, embedder: Embedder | None, max_sentences: int = 4, min_dense: float = 0.3,
                 max_hits: int = 6, *, card_match: float = CARD_MATCH, stop: float = STOP,
                 catalog: Catalog | None = None):
        self.embedder = embedder
        self.max_sentences = max_sentences
        self.min_dense = min_dense
        self.max_hits = max_hits
        self.card_match = card_match
        self.stop = stop
        self.catalog = catalog
        # a question is analysed for its side searches and again for its answer
        self._analysed = lru_cache(maxsize=64)(self._analyse)
        # a pasted item's stem and options are embedded for its query vector, and read again
        # to weigh the options (a handful of items: each is one stem and four options)
        self._item_vectors = lru_cache(maxsize=8)(self._embed_item)

    def _analyse(self, question: str) -> Question:
        return analyse(question, self.catalog)

    def analyse(self, question: str) -> Question:
        return self._analysed(question)

    def _embed_item(self, q: Question) -> np.ndarray:
        assert self.embedder is not None
        return item_vectors(q, self.embedder)

    def query_vector(self, question: str) -> np.ndarray | None:
        """The question's vector for retrieval and sentence scoring; None without an embedder.
        A pasted practice item's is its stem's, from the stem and options that weighing the
        options embeds anyway (``tutor.answer.practice``); any other question is embedded as
        a query."""
        if self.embedder is None:
            return None
        q = self.analyse(question)
        if q.type == "practice" and q.options:
            stem: np.ndarray = self._item_vectors(q)[0]
            return stem
        return self.embedder.embed_query(question)

    def answer(self, question: str, hits: Sequence[Hit],
               query_vector: np.ndarray | None = None) -> Answer:
        relevant = is_relevant(question, hits, self.min_dense)
        q = self.analyse(question)
        if not relevant and q.type != "practice":
            return not_found(question)
        top = list(hits)
        q_vec = query_vector if query_vector is not None else self.query_vector(question)
        # a comparison reads every hit: each side's own section often ranks below the
        # passages that name both
        reach = len(top) if len(q.compared) >= 2 else self.max_hits
        scored = pool(q, top, self.embedder, q_vec, max_hits=reach)
        # a pasted item is searched with its stem's vector, which sits further from whole
        # passages than a question does: it is answered when one of their sentences is near
        # its stem
        if not relevant and not any(s.cos >= self.min_dense for s in scored):
            return not_found(question)
        card = None
        if self.embedder is not None and q_vec is not None:
            card = lead_card(q, top, self.embedder, q_vec, self.card_match)
        parts, notes = self._parts(q, scored, card)
        if not parts:
            return not_found(question)
        return self._assemble(question, parts, notes, list(hits))

    def context_order(self, question: str, hits: Sequence[Hit],
                      query_vector: np.ndarray | None, limit: int) -> list[Hit]:
        """The hits a chat model should see: by the score of their best sentence for this
        question, at most ``limit``, and for a comparison at least one naming each entity."""
        q = self.analyse(question)
        q_vec = query_vector if query_vector is not None else self.query_vector(question)
        best: dict[str, float] = {}
        for s in pool(q, hits, self.embedder, q_vec, cards=True, max_hits=len(hits)):
            best.setdefault(s.hit.chunk.id, s.score)
        ordered = sorted(hits, key=lambda h: -best.get(h.chunk.id, float("-inf")))
        chosen = ordered[:limit]
        for entity in q.compared:
            if any(entity.named_in(h.chunk.text) for h in chosen):
                continue
            extra = next((h for h in ordered[limit:] if entity.named_in(h.chunk.text)), None)
            if extra is not None and chosen:
                keep = [h for h in chosen if any(e.named_in(h.chunk.text) for e in q.compared)]
                drop = next((h for h in reversed(chosen) if h not in keep), chosen[-1])
                chosen = [h for h in chosen if h is not drop] + [extra]
        return chosen

    def _parts(self, q: Question, scored: list[Scored], card: Scored | None
               ) -> tuple[list[Part], list[str]]:
        if q.type == "practice" and self.embedder is not None:
            # an option naming a service or concept the stem does not gets evidence about it
            own = {o.key: [e for e in self.analyse(o.text).entities
                           if not e.named_in(q.stem)] for o in q.options}
            parts, verdict = weigh(q, scored, self._item_vectors(q), names=own)
            if not parts:
                return [], []
            notes = ([prompts.ANSWER_PRACTICE_NO_EVIDENCE.format(
                keys=" or ".join(verdict.unsupported))] if verdict.unsupported else [])
            notes.append(prompts.ANSWER_PRACTICE_BEST.format(key=verdict.best) if verdict.best
                         else prompts.ANSWER_PRACTICE_UNSETTLED)
            return parts, notes
        # a comparison's notes add their difference, then each side's own sentence (the
        # labelled parts); a choice between sides, like any other answer, two sentences
        sides = q.type == "comparison" and len(q.compared) >= 2
        # a card that gives the figure asked has answered: only its own section reads on
        answered = (card is not None and q.type == "figure"
                    and states_figure(card.cand.text, q.stem or q.text, q.entities,
                                      by_kind=True))
        if card is not None and not sides:
            # the card sums up one note: the notes read on from that note alone, not from
            # passages that only share words with the question (a card on when to pick
            # Firehose was followed by a sentence on Firehose's Parquet conversion)
            scored = [s for s in scored if s.hit.chunk.source == card.hit.chunk.cites_source
                      and (s.hit.chunk.heading == card.hit.chunk.cites_heading
                           or (s.cos >= AFTER_CARD_COS and not answered))]
        parts = compose(q, scored, self.max_sentences, self.stop)
        if card is not None:
            rest = [p for p in parts if not duplicate(p.item, card)]
            if sides:
                rest = [p for p in rest if p.label]
            # the card answers; the notes add at most two sentences, or one per compared side
            # and the difference the notes state
            room = max(1, min(max(2, len(rest) if sides else 2),
                              self.max_sentences - len(card.cand.text.split(". "))))
            labelled = any(p.label for p in rest)
            parts = [Part(card, prompts.ANSWER_CARD_LABEL if labelled else None), *rest[:room]]
        notes = []
        if q.type == "comparison":
            gone = missing(q.compared, parts)
            if gone and len(gone) < len(q.compared):
                names = " or ".join(e.name for e in gone)
                notes.append(prompts.ANSWER_NOT_COVERED.format(names=names))
        return parts, notes

    def _assemble(self, question: str, parts: list[Part], notes: list[str],
                  hits: list[Hit]) -> Answer:
        numbers: dict[str, int] = {}
        quotes: dict[str, list[str]] = {}
        by_id: dict[str, Hit] = {}
        pieces: list[str] = []
        for part in parts:
            hit, cand = part.item.hit, part.item.cand
            n = numbers.setdefault(hit.chunk.id, len(numbers) + 1)
            quotes.setdefault(hit.chunk.id, []).append(cand.quote)
            by_id[hit.chunk.id] = hit
            # an option pasted by a learner may hold "*" ("sagemaker:*"); escaped, it
            # cannot end the bold label early
            label = f"**{part.label.replace('*', chr(92) + '*')}:** " if part.label else ""
            pieces.append(f"{label}{cand.text} [{n}]")
        labelled = any(p.label for p in parts)
        text = ("\n\n" if labelled else " ").join(pieces)
        if notes:
            text += ("\n\n" if labelled else " ") + " ".join(notes)
        # sentences of one passage need not be contiguous there: an ellipsis marks the gap
        citations: list[Citation] = [citation_for(by_id[cid], n, " … ".join(quotes[cid]))
                                     for cid, n in numbers.items()]
        return Answer(question=question, text=text, citations=citations, hits=hits,
                      backend=self.name)

    def stream(self, question: str, hits: Sequence[Hit],
               query_vector: np.ndarray | None = None) -> Iterator[str | Answer]:
        """Yield text pieces as they are ready, then the final Answer."""
        answer = self.answer(question, hits, query_vector)
        text = answer.text
        start = 0
        for i, ch in enumerate(text):
            if ch == "]" and (i + 1 == len(text) or text[i + 1].isspace()):
                yield text[start:i + 1]
                start = i + 1
        if start < len(text):
            yield text[start:]
        yield answer
