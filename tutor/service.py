"""The Tutor: settings, embedder, retriever and answerer wired into one pipeline,
retrieve | answer, also offered as a LangChain runnable (``Tutor.chain``).

CLI, UI and evals all go through this object; none of them builds the pipeline itself.
``ask`` and ``stream`` run the two steps directly: importing LangChain's runnables takes
seconds on a busy machine, and the offline path (extractive answers, rule rewrites) needs
none of LangChain, so a learner's `tutor ask` never waits for it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from tutor import prompts
from tutor.answer.base import Answerer
from tutor.answer.extractive import ExtractiveAnswerer
from tutor.answer.guard import sanitize_hits
from tutor.answer.rewrite import Rewriter, make_rewriter
from tutor.config import RetrievalMode, Settings, get_settings
from tutor.embed import Embedder, make_embedder
from tutor.errors import InputError
from tutor.index.snapshot import index_accepts_model
from tutor.load.normalize import clean
from tutor.retrieve import Retriever
from tutor.types import Answer, Filters, Hit

if TYPE_CHECKING:
    from langchain_core.runnables import Runnable

log = logging.getLogger(__name__)
WARM_QUERY = "warm up"
SIDE_HITS = 2  # passages per compared side added to a comparison's hits


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


def _quietly(name: str, job: Callable[[], object]) -> None:
    try:
        job()
    except Exception as exc:  # noqa: BLE001 - the question that needs it reports it properly
        log.debug("warming up the %s failed: %s", name, exc)


def make_answerer(settings: Settings, extractive: ExtractiveAnswerer) -> Answerer:
    """The answerer ``settings.llm_provider`` names: extractive for "none", else a
    GenerativeAnswerer that falls back to ``extractive``."""
    if settings.llm_provider == "none":
        return extractive
    from tutor.answer.generative import GenerativeAnswerer  # LangChain comes with a model

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

    def warm_up(self, index_ok: Callable[[], bool] | None = None) -> list[threading.Thread]:
        """Load the encoder and open the index on two background threads, and return at
        once. A question asked meanwhile waits only for what it still needs; the encoder
        (mostly native code) loads while the index's Python libraries import. A failure
        here is left for the question to meet and report. Returns the threads started.

        ``index_ok`` runs first on the index thread, which opens the index only if it returns
        True (the app first checks a local index in a child process: a damaged store can
        crash the process that opens it)."""
        def open_index() -> None:
            if index_ok is None or index_ok():
                self.retriever.search(WARM_QUERY, k=1)

        def load_encoder() -> None:
            # not for an index of another model: the question reports the rebuild instead
            if index_accepts_model(self.settings, self.embedder.model_id):
                self.embedder.embed_query(WARM_QUERY)

        jobs: list[tuple[str, Callable[[], object]]] = [
            ("encoder", load_encoder), ("index", open_index)]
        threads = [threading.Thread(target=_quietly, args=(name, job), name=f"warm-{name}")
                   for name, job in jobs]
        for t in threads:
            t.start()
        return threads

    @cached_property
    def chain(self) -> Runnable[dict[str, Any], Answer]:
        """retrieve | answer as a LangChain runnable, for composing the tutor into other
        chains: input {"question", "history", "filters"}, output the Answer. Built on first
        use; ``ask`` runs the same two steps without it."""
        from langchain_core.runnables import RunnableLambda

        retrieve = RunnableLambda(self._retrieve_step, name="retrieve")
        answer = RunnableLambda(self._answer_step, name="answer")
        return retrieve | answer

    def search(self, question: str, *, k: int | None = None, mode: RetrievalMode | None = None,
               filters: Filters | None = None) -> list[Hit]:
        """Hits for the question as typed (no rewriting); settings give k and mode by default."""
        q = clean_question(question, self.settings.max_question_chars)
        return self.retriever.search(q, k=k, mode=mode, filters=filters)

    def _retrieve_step(self, inputs: dict[str, Any]) -> dict[str, Any]:
        query = inputs.get("query") or self.rewriter.rewrite(inputs["question"],
                                                             inputs.get("history") or [])
        # The serving index first: an empty or damaged one fails, and one of another model
        # refuses this embedder (ModelMismatchError, with the rebuild advice), before the query
        # is embedded or that model is loaded.
        self.retriever.open()
        # One vector of the query serves retrieval and the answerer's sentence scoring (for a
        # pasted practice item, its stem's: ExtractiveAnswerer.query_vector).
        vector = self.extractive.query_vector(query)
        k = max(self.settings.k, self.settings.answer_hits)
        hits = self.retriever.search(query, k=k, filters=inputs.get("filters"), vector=vector)
        hits = self._side_hits(query, hits, inputs.get("filters"))
        return {**inputs, "query": query, "hits": hits, "vector": vector}

    def _side_hits(self, query: str, hits: list[Hit], filters: Filters | None) -> list[Hit]:
        """For a question that compares two things, the best passages naming each side on its
        own (BM25 on the side's name: no second embedding), after the hits retrieval gave.
        A query naming both ranks the passages naming both first; each side's own section,
        which states what that side is, often falls outside the top k."""
        q = self.extractive.analyse(query)
        sides = q.compared
        if q.type != "comparison" or len(sides) < 2:
            return hits
        seen = {h.chunk.id for h in hits}
        extra: list[Hit] = []
        for side in sides:
            found = self.retriever.search(side.name, k=SIDE_HITS + 2, mode="bm25",
                                          filters=filters)
            own = [h for h in found if h.chunk.id not in seen and not h.chunk.is_card
                   and side.named_in(h.chunk.text)][:SIDE_HITS]
            seen.update(h.chunk.id for h in own)
            extra.extend(own)
        n = len(hits)
        return hits + [h.model_copy(update={"rank": n + i}) for i, h in enumerate(extra, 1)]

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
        sections = self.retriever.snapshot.sections
        for c in cards:
            text = sections.get((c.cites_source or "", c.cites_heading or ""))
            if text:
                c.cites_passage = text
        return answer

    def ask(self, question: str, *, history: Sequence[tuple[str, str]] = (),
            filters: Filters | None = None) -> Answer:
        """A grounded answer with citations; never raises for an unanswerable question."""
        q = clean_question(question, self.settings.max_question_chars)
        return self._answer_step(self._retrieve_step({"question": q, "history": list(history),
                                                      "filters": filters}))

    def stream(self, question: str, *, history: Sequence[tuple[str, str]] = (),
               filters: Filters | None = None) -> Iterator[str | Answer]:
        """Text pieces as they are produced, then the final Answer."""
        q = clean_question(question, self.settings.max_question_chars)
        state = self._retrieve_step({"question": q, "history": list(history), "filters": filters})
        for piece in self.answerer.stream(state["query"], self._answer_hits(state["hits"]),
                                          state["vector"]):
            yield self._link_cards(_record(piece, state)) if isinstance(piece, Answer) else piece
