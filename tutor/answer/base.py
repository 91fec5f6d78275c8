"""The Answerer protocol, and the pieces every answerer shares: the relevance test, the
"Not in my sources" answer and citations built from hits."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from tutor import prompts
from tutor.index.lexical import tokenize
from tutor.types import Answer, Citation, Hit

if TYPE_CHECKING:  # the llm package imports LangChain; answering offline does not need it
    import numpy as np

    from tutor.llm import LazyChatModel


class Answerer(Protocol):
    """Hits -> Answer. ``stream`` yields text pieces as they are ready, then the Answer."""

    @property
    def name(self) -> str:
        """Shown with every answer as its backend, e.g. 'extractive' or 'openai:gpt-4o-mini'."""

    @property
    def guards_context(self) -> bool:
        """True when the answerer runs the injection guard on the hits itself; otherwise
        the caller must pass it sanitised hits (``tutor.answer.guard.sanitize_hits``)."""

    @property
    def model(self) -> LazyChatModel | None:
        """The chat model it answers with, for the caller to share (the follow-up rewriter);
        None for an answerer without one."""

    def answer(self, question: str, hits: Sequence[Hit],
               query_vector: np.ndarray | None = None) -> Answer:
        """A grounded answer; never raises for an unanswerable question. ``query_vector``
        is the question's embedding when retrieval already computed it (saves a second one)."""

    def stream(self, question: str, hits: Sequence[Hit],
               query_vector: np.ndarray | None = None) -> Iterator[str | Answer]:
        """Text pieces as they are produced, then the final Answer."""


def citation_for(hit: Hit, n: int, quote: str) -> Citation:
    """Citation number ``n`` quoting ``quote`` from the hit's chunk."""
    c = hit.chunk
    return Citation(n=n, chunk_id=c.id, source=c.source, title=c.title, heading=c.heading,
                    page=c.page, url=c.url, quote=quote, passage=c.text,
                    cites_source=c.cites_source, cites_heading=c.cites_heading)


def is_relevant(question: str, hits: Sequence[Hit], min_dense: float) -> bool:
    """Whether the best hits plausibly answer the question at all.

    Dense similarity is the main signal; when it is unknown (BM25 mode) or weak, most of
    the question's content terms must appear in one of the top passages.
    """
    if not hits:
        return False
    dense = [h.dense for h in hits[:3] if h.dense is not None]
    if dense and max(dense) >= min_dense:
        return True
    q = set(tokenize([question])[0])
    if not q:
        return False
    best = max(len(q & set(tokenize([h.chunk.embed_text()])[0])) / len(q) for h in hits[:3])
    threshold = 0.75 if dense else 0.5
    return best >= threshold


def not_found(question: str, notice: str | None = None) -> Answer:
    """The fixed "Not in my sources." answer, citing nothing."""
    return Answer(question=question, text=f"{prompts.NOT_FOUND} {prompts.NOT_FOUND_DETAIL}",
                  citations=[], status="not_found", notice=notice)
