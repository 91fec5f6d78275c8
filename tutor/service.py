"""The Tutor: settings, embedder, retriever and answerer wired into one LangChain chain.

CLI, UI and evals all go through this object; none of them builds the pipeline itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from tutor import prompts
from tutor.answer import ExtractiveAnswerer
from tutor.config import RetrievalMode, Settings, get_settings
from tutor.embed import Embedder, make_embedder
from tutor.errors import InputError
from tutor.retrieve import Filters, Retriever
from tutor.rewrite import Rewriter, make_rewriter
from tutor.types import Answer, Hit


def clean_question(question: str | None, limit: int) -> str:
    """The question as searched, or InputError with a message for the learner.

    Invisible characters (zero-width, control) are dropped first, so a question made only
    of them counts as empty.
    """
    from tutor.normalize import clean

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


class Tutor:
    """Answers questions from the current index. Safe to share between threads.

    The answerer follows ``settings.llm_provider`` ("none": extractive; otherwise a
    GenerativeAnswerer that falls back to the extractive one). Before retrieval, a follow-up
    question is rewritten into a standalone query from ``history``.
    """

    def __init__(self, settings: Settings | None = None, *, embedder: Embedder | None = None,
                 answerer: Any | None = None, rewriter: Rewriter | None = None):
        self.settings = settings or get_settings()
        self.embedder = embedder or make_embedder(self.settings)
        self.retriever = Retriever(self.settings, self.embedder)
        self.extractive = ExtractiveAnswerer(self.settings.answer_sentences,
                                             self.settings.min_relevance)
        if answerer is None and self.settings.llm_provider != "none":
            from tutor.generate import GenerativeAnswerer

            answerer = GenerativeAnswerer(self.settings, fallback=self.extractive)
        self.answerer = answerer or self.extractive
        model = getattr(self.answerer, "model", None)  # share the answerer's chat model
        self.rewriter = rewriter or make_rewriter(self.settings, model)
        self._chain = None

    # retrieval -------------------------------------------------------------------------
    def search(self, question: str, *, k: int | None = None, mode: RetrievalMode | None = None,
               filters: Filters | None = None) -> list[Hit]:
        q = clean_question(question, self.settings.max_question_chars)
        return self.retriever.search(q, k=k, mode=mode, filters=filters)

    # answers ---------------------------------------------------------------------------
    @property
    def chain(self):  # noqa: ANN201 - a LangChain Runnable
        """question dict -> Answer, as a LangChain runnable (retrieve | answer)."""
        if self._chain is None:
            from langchain_core.runnables import RunnableLambda

            retrieve = RunnableLambda(self._retrieve_step, name="retrieve")
            answer = RunnableLambda(self._answer_step, name="answer")
            self._chain = retrieve | answer
        return self._chain

    def _retrieve_step(self, inputs: dict[str, Any]) -> dict[str, Any]:
        query = inputs.get("query") or self.rewriter.rewrite(inputs["question"],
                                                             inputs.get("history") or [])
        hits = self.retriever.search(query, filters=inputs.get("filters"))
        return {**inputs, "query": query, "hits": hits}

    def _answer_hits(self, hits: list[Hit]) -> list[Hit]:
        """Hits with hidden and instruction-like text removed, unless the answerer does it."""
        if getattr(self.answerer, "guards_context", False):
            return hits
        from tutor.generate import sanitize_hits

        return sanitize_hits(hits)

    def _answer_step(self, inputs: dict[str, Any]) -> Answer:
        answer = self.answerer.answer(inputs["query"], self._answer_hits(inputs["hits"]))
        return _record(answer, inputs)

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
        for piece in self.answerer.stream(state["query"], self._answer_hits(state["hits"])):
            yield _record(piece, state) if isinstance(piece, Answer) else piece

    # status ----------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        snap = self.retriever.snapshot
        m = snap.manifest
        statuses: dict[str, int] = {}
        for rec in m.files.values():
            statuses[rec.status.value] = statuses.get(rec.status.value, 0) + 1
        corpora: dict[str, int] = {}
        for rec in m.files.values():
            corpora[rec.corpus or "?"] = corpora.get(rec.corpus or "?", 0) + len(rec.chunk_ids)
        return {
            "generation": m.generation, "model": m.model_id, "dim": m.dim,
            "backend": m.backend, "collection": m.collection, "documents": len(m.files),
            "chunks": m.chunk_count, "statuses": statuses, "chunks_by_corpus": corpora,
            "home": str(self.settings.home), "created": m.created,
        }
