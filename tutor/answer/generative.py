"""Hits -> Answer with a chat model, grounded and guarded.

Grounding: the model sees the passages numbered and fenced as untrusted data and must cite
them as [n]. Markers are renumbered in order of first use while streaming, numbers that
match no passage are dropped, and each kept number becomes a Citation to its passage. An
answer with no valid citation is not trusted: the extractive answer replaces it.

Injection defence (``tutor.answer.guard``): passages are sanitised before the model sees
them; the fence tag carries a per-request random suffix so a document cannot close it; and
the output is checked, piece by piece before it is shown, for words that occurred only in
removed text.

Failures (any exception from the backend, after the client's own bounded retries) give
the extractive answer with status "fallback" and a notice saying why.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Iterator, Sequence

import numpy as np
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from tutor import prompts
from tutor.answer.base import citation_for, is_relevant, not_found
from tutor.answer.extractive import ExtractiveAnswerer
from tutor.answer.guard import GuardedContext, guard
from tutor.chunk import split_sentences
from tutor.config import Settings
from tutor.index.lexical import tokenize
from tutor.llm import LazyChatModel, backend_label, describe_error, make_chat_model, scrub
from tutor.types import Answer, Citation, Hit

log = logging.getLogger(__name__)

_OUTPUT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MARKER = re.compile(
    r"\s?\[(?:(?:sources?|passages?|docs?)\s*)?(\d{1,3}(?:\s*(?:,|;|and)\s*(?:(?:sources?|passages?)"
    r"\s*)?\d{1,3})*)\]", re.I)
_SENTINEL = prompts.NOT_FOUND.rstrip(".").lower()
_PENDING = 24  # an unclosed "[" this close to the end may still become a citation marker


class Markers:
    """Rewrites [n] markers as they stream: valid numbers are renumbered by first use,
    others dropped."""

    def __init__(self, count: int):
        self.count = count
        self.order: dict[int, int] = {}

    def rewrite(self, text: str) -> str:
        def sub(m: re.Match[str]) -> str:
            kept: list[int] = []
            for n in map(int, re.findall(r"\d+", m.group(1))):
                if 1 <= n <= self.count:
                    new = self.order.setdefault(n, len(self.order) + 1)
                    if new not in kept:
                        kept.append(new)
            lead = m.group(0)[0] if m.group(0)[0].isspace() else ""
            return lead + "".join(f"[{k}]" for k in kept) if kept else ""

        return _MARKER.sub(sub, text)


def _split_ready(buffer: str) -> tuple[str, str]:
    """Text safe to emit now, and the tail to hold back (a partial word or marker)."""
    cut = len(buffer.rstrip())
    cut = max(buffer.rfind(c, 0, cut) for c in " \n\t")
    if cut <= 0:
        return "", buffer
    open_at = buffer.rfind("[", 0, cut)
    if open_at > buffer.rfind("]", 0, cut) and cut - open_at < _PENDING:
        cut = len(buffer[:open_at].rstrip())
    return buffer[:cut], buffer[cut:]


def _quote(hit: Hit, claims: list[str]) -> str:
    """The passage sentence that best matches the answer sentences citing it."""
    sentences = split_sentences(hit.chunk.text)
    if not sentences:
        return ""
    if not claims:
        return sentences[0]
    want = set(tokenize([" ".join(claims)])[0])
    scores = [len(want & set(t)) for t in tokenize(sentences)]
    return sentences[max(range(len(sentences)), key=lambda i: (scores[i], -i))]


class GenerativeAnswerer:
    """Answers with a chat model; an Answerer like ExtractiveAnswerer, which it falls back to.

    ``model`` may be a chat model or a zero-argument factory (default: the configured
    provider); it is built on first use, so a misconfigured backend degrades to the fallback
    with a notice instead of failing when the tutor starts.
    """

    guards_context = True  # it sanitises the hits itself, and checks the output against them

    def __init__(self, settings: Settings,
                 model: BaseChatModel | Callable[[], BaseChatModel] | None = None, *,
                 fallback: ExtractiveAnswerer | None = None, max_words: int = 220):
        self.settings = settings
        self.name = backend_label(settings)
        self.model = LazyChatModel(model if model is not None
                                   else (lambda: make_chat_model(settings)))
        # Built without one, the fallback scores sentences by their words alone.
        self.fallback = fallback or ExtractiveAnswerer(None, settings.answer_sentences,
                                                       settings.min_relevance)
        self.max_passages = settings.k
        self.max_words = max_words

    def messages(self, question: str, ctx: GuardedContext) -> list[BaseMessage]:
        """The prompt: fenced, numbered passages under a random tag, then the question."""
        tag = prompts.DATA_TAG.format(nonce=secrets.token_hex(4))
        blocks = []
        for n, h in enumerate(ctx.hits, 1):
            where = " > ".join(p for p in (h.chunk.title, h.chunk.heading) if p)
            where = re.sub(r"[<>\n]", " ", where)
            blocks.append(prompts.PASSAGE.format(tag=tag, n=n, where=where, text=h.chunk.text))
        system = prompts.GENERATE_SYSTEM.format(tag=tag, not_found=prompts.NOT_FOUND,
                                                max_words=self.max_words)
        user = prompts.GENERATE_USER.format(context="\n\n".join(blocks), question=question)
        return [SystemMessage(system), HumanMessage(user)]

    def answer(self, question: str, hits: Sequence[Hit],
               query_vector: np.ndarray | None = None) -> Answer:
        final = None
        for piece in self.stream(question, hits, query_vector):
            if isinstance(piece, Answer):
                final = piece
        assert final is not None  # stream always ends with an Answer
        return final

    def stream(self, question: str, hits: Sequence[Hit],
               query_vector: np.ndarray | None = None) -> Iterator[str | Answer]:
        """Yield text pieces as the model writes them (markers already rewritten), then the
        final Answer. After a failure or a rejected answer, the fallback's pieces follow.

        The model sees the passages ordered by relevance to the question, as the extractive
        answerer scores them, with every entity of a comparison represented."""
        hits = list(hits)
        ctx = guard(self.fallback.context_order(question, hits, query_vector,
                                                self.max_passages), question)
        if not is_relevant(question, ctx.hits, self.settings.min_relevance):
            yield from self._not_found(question, hits, emit=True)
            return
        markers = Markers(len(ctx.hits))
        emitted: list[str] = []
        raw = buffer = ""
        sentinel: bool | None = None  # undecided until enough text has arrived
        try:
            for chunk in self.model().stream(self.messages(question, ctx)):
                raw += chunk.text
                buffer += _OUTPUT_CONTROL.sub("", chunk.text)
                if sentinel is None and len(raw.lstrip()) >= len(_SENTINEL):
                    sentinel = raw.lstrip().lower().startswith(_SENTINEL)
                if sentinel is not False:
                    continue
                ready, buffer = _split_ready(buffer)
                if ready:
                    # A server can echo a key back; never let one reach the learner.
                    piece = markers.rewrite(scrub(ready, self.settings))
                    if ctx.leaks("".join(emitted) + piece):
                        yield from self._fallback(question, ctx, hits, emitted,
                                                  prompts.INJECTION_FALLBACK.format(backend=self.name))
                        return
                    emitted.append(piece)
                    yield piece
        except Exception as exc:  # noqa: BLE001 - any backend failure falls back
            detail = describe_error(exc, self.settings)
            log.warning("answer model %s failed: %s", self.name, detail)
            notice = prompts.BACKEND_FALLBACK.format(backend=self.name, detail=detail)
            yield from self._fallback(question, ctx, hits, emitted, notice)
            return
        if sentinel:
            yield from self._not_found(question, hits, emit=not emitted)
            return
        tail = markers.rewrite(scrub(buffer, self.settings))
        if ctx.leaks("".join(emitted) + tail):
            yield from self._fallback(question, ctx, hits, emitted,
                                      prompts.INJECTION_FALLBACK.format(backend=self.name))
            return
        if tail:
            emitted.append(tail)
            yield tail
        text = "".join(emitted).strip()
        if not markers.order:
            if _SENTINEL in text.lower():
                yield from self._not_found(question, hits, emit=False)
            else:
                yield from self._fallback(question, ctx, hits, emitted,
                                          prompts.UNCITED_FALLBACK.format(backend=self.name))
            return
        yield Answer(question=question, text=text, citations=self._citations(text, ctx, markers),
                     hits=hits, backend=self.name)

    def _citations(self, text: str, ctx: GuardedContext, markers: Markers) -> list[Citation]:
        claims: dict[int, list[str]] = {}
        for sentence in split_sentences(text):
            for k in map(int, re.findall(r"\[(\d+)\]", sentence)):
                claims.setdefault(k, []).append(re.sub(r"\[\d+\]", "", sentence))
        out = []
        for n, k in sorted(markers.order.items(), key=lambda item: item[1]):
            hit = ctx.hits[n - 1]
            out.append(citation_for(hit, k, _quote(hit, claims.get(k, []))))
        return out

    def _not_found(self, question: str, hits: list[Hit], *, emit: bool) -> Iterator[str | Answer]:
        answer = not_found(question)
        answer.backend, answer.hits = self.name, hits
        if emit:
            yield answer.text
        yield answer

    def _fallback(self, question: str, ctx: GuardedContext, hits: list[Hit], emitted: list[str],
                  notice: str) -> Iterator[str | Answer]:
        """The extractive answer over the sanitised hits, after a separator if text was shown."""
        lead = "\n\n" if emitted else ""
        for piece in self.fallback.stream(question, ctx.hits):
            if isinstance(piece, Answer):
                if piece.status == "answered":
                    piece.status = "fallback"
                piece.notice, piece.hits = notice, hits
                piece.backend = f"{self.fallback.name} (fallback from {self.name})"
                yield piece
            else:
                yield lead + piece
                lead = ""
