"""The Tutor: settings, embedder, retriever and answerer wired into one LangChain chain.

CLI, UI and evals all go through this object; none of them builds the pipeline itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda

from tutor import prompts
from tutor.answer.base import Answerer
from tutor.answer.extractive import ExtractiveAnswerer
from tutor.answer.generative import GenerativeAnswerer
from tutor.answer.guard import sanitize_hits
from tutor.answer.rewrite import Rewriter, make_rewriter
from tutor.config import RetrievalMode, Settings, get_settings
from tutor.embed import Embedder, make_embedder
from tutor.errors import InputError
from tutor.load.normalize import clean
from tutor.retrieve import Retriever
from tutor.types import Answer, Filters, Hit


def clean_question(question: str | None, limit: int) -> str:
    """The question as searched, or InputError with a message for the learner.

    Invisible characters (zero-width, control) are dropped first, so a question made only
    of them counts as empty.
    """
    q = " ".join(clean(question or "").split())
    if not q:
        raise InputError(prompts.EMPTY_QUESTION)
    if len(q) > limit:
        raise InputError(prompts.QUESTION_TOO_LONG.format(n=len(q), limit=limit))
    return q


def _record(answer: Answer, state: dict[str, Any]) -> Answer:
    """The learner's own words in ``question``; the standalone query the answerer worked
    from in ``query`` when it differs from them; the hits as retrieval returned them."""
    answer.question, answer.hits = state["question"], state["hits"]
    answer.query = state["query"] if state["query"] != state["question"] else None
    return answer


def make_answerer(settings: Settings, extractive: ExtractiveAnswerer) -> Answerer:
    """The answerer ``settings.llm_provider`` names: extractive for "none", else a
    GenerativeAnswerer that falls back to ``extractive``."""
    if settings.llm_provider == "none":
        return extractive
    return GenerativeAnswerer(settings, fallback=extractive)


class Tutor:
    """Answers questions from the current index. Safe to share between threads.

    Before retrieval, a follow-up question is rewritten into a standalone query from
    ``history``, by the answerer's chat model when it has one, else by fixed rules.
    """

    def __init__(self, settings: Settings | None = None, *, embedder: Embedder | None = None,
                 answerer: Answerer | None = None, rewriter: Rewriter | None = None):
        self.settings = settings or get_settings()
        self.embedder = embedder or make_embedder(self.settings)
        self.retriever = Retriever(self.settings, self.embedder)
        self.extractive = ExtractiveAnswerer(self.embedder, self.settings.answer_sentences,
                                             self.settings.min_relevance, self.settings.k,
                                             card_match=self.settings.card_match)
        self.answerer = answerer or make_answerer(self.settings, self.extractive)
        self.rewriter = rewriter or make_rewriter(self.answerer.model)
        retrieve = RunnableLambda(self._retrieve_step, name="retrieve")
        answer = RunnableLambda(self._answer_step, name="answer")
        self.chain: Runnable[dict[str, Any], Answer] = retrieve | answer
        """question dict -> Answer, as a LangChain runnable (retrieve | answer)."""

    def search(self, question: str, *, k: int | None = None, mode: RetrievalMode | None = None,
               filters: Filters | None = None) -> list[Hit]:
        """Hits for the question as typed (no rewriting); settings give k and mode by default."""
        q = clean_question(question, self.settings.max_question_chars)
        return self.retriever.search(q, k=k, mode=mode, filters=filters)

    def _retrieve_step(self, inputs: dict[str, Any]) -> dict[str, Any]:
        query = inputs.get("query") or self.rewriter.rewrite(inputs["question"],
                                                             inputs.get("history") or [])
        # One embedding of the query serves retrieval and the answerer's sentence scoring.
        vector = self.embedder.embed_query(query)
        k = max(self.settings.k, self.settings.answer_hits)
        hits = self.retriever.search(query, k=k, filters=inputs.get("filters"), vector=vector)
        return {**inputs, "query": query, "hits": hits, "vector": vector}

    def _answer_hits(self, hits: list[Hit]) -> list[Hit]:
        """Hits with hidden and instruction-like text removed, unless the answerer does it."""
        return hits if self.answerer.guards_context else sanitize_hits(hits)

    def _answer_step(self, inputs: dict[str, Any]) -> Answer:
        answer = self.answerer.answer(inputs["query"], self._answer_hits(inputs["hits"]),
                                      inputs["vector"])
        return self._link_cards(_record(answer, inputs))

    def _link_cards(self, answer: Answer) -> Answer:
        """A cited concept card links through to the note section it cites: the text of that
        section, when this index holds it, goes with the citation."""
        cards = [c for c in answer.citations if c.cites_source and c.cites_heading]
        if not cards:
            return answer
        sections: dict[tuple[str, str], list[str]] = {}
        for chunk in self.retriever.snapshot.chunks.values():
            if chunk.heading_path:
                key = (chunk.source, chunk.heading_path[-1])
                sections.setdefault(key, []).append(chunk.text)
        for c in cards:
            texts = sections.get((c.cites_source or "", c.cites_heading or ""))
            if texts:
                c.cites_passage = "\n\n".join(dict.fromkeys(texts))
        return answer

    def ask(self, question: str, *, history: Sequence[tuple[str, str]] = (),
            filters: Filters | None = None) -> Answer:
        """A grounded answer with citations; never raises for an unanswerable question."""
        q = clean_question(question, self.settings.max_question_chars)
        return self.chain.invoke({"question": q, "history": list(history), "filters": filters})

    def stream(self, question: str, *, history: Sequence[tuple[str, str]] = (),
               filters: Filters | None = None) -> Iterator[str | Answer]:
        """Text pieces as they are produced, then the final Answer."""
        q = clean_question(question, self.settings.max_question_chars)
        state = self._retrieve_step({"question": q, "history": list(history), "filters": filters})
        for piece in self.answerer.stream(state["query"], self._answer_hits(state["hits"]),
                                          state["vector"]):
            yield self._link_cards(_record(piece, state)) if isinstance(piece, Answer) else piece
