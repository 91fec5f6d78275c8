"""Every fake, for tests and offline demos; none is used unless asked for.

* ``HashEmbedder``: a deterministic Embedder that needs no model.
* ``CountingEmbedder``: wraps any Embedder and counts what reaches it.
* ``ScriptedChatModel``: a deterministic chat model; it is also the ``scripted`` chat-model
  provider (``TUTOR_LLM_PROVIDER=scripted``, built by ``build`` below), documented in the
  README for demos without a model server.
* ``FailingAnswerer``: an Answerer that raises, for error paths (and "never called" checks).
* ``WordReranker``: a deterministic Reranker scoring passages by a word they must contain.
* ``whitespace_counter``: a token counter that counts words, for chunking without a tokenizer.

They follow the same protocols as the real components and run through the same tests.
Loopback servers that tests start in place of third-party services (tests/fake_openai_server.py,
tests/chroma_server.py and two in single test files) are fixtures, not fakes of this code, and
stay in tests/; so do one-test instruments that wrap a real object (a spy, a subclass).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, Field

from tutor import prompts
from tutor.config import Settings
from tutor.embed.base import Embedder
from tutor.text import words
from tutor.types import Answer, Hit


def whitespace_counter(texts: Sequence[str]) -> list[int]:
    """A token counter for tests and fakes: one token per whitespace-separated word."""
    return [len(t.split()) for t in texts]


class HashEmbedder:
    """Bag-of-words hashed into ``dim`` buckets and L2-normalised: same text, same vector.

    Texts sharing words get similar vectors, which is enough to test ranking logic
    without loading a neural model. ``calls`` records the size of every document batch.
    """

    def __init__(self, dim: int = 64, model_id: str = "test:hash-64", window: int = 256):
        self.dim = dim
        self.model_id = model_id
        self.cache_id = model_id
        self.window = window
        self.encoded = 0
        self.calls: list[int] = []

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(words(t)) for t in texts]

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for w in words(text):
            h = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=8).digest(), "little")
            v[h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        n = float(np.linalg.norm(v))
        if n == 0:
            v[0] = 1.0
            return v
        return v / n

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.encoded += len(texts)
        self.calls.append(len(texts))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vec(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._vec(text)


class CountingEmbedder:
    """Passes everything to ``inner`` and counts it: document batches (``calls`` also counts
    queries), texts embedded, and queries."""

    def __init__(self, inner: Embedder):
        self.inner = inner
        self.model_id, self.cache_id = inner.model_id, inner.cache_id
        self.dim, self.window = inner.dim, inner.window
        self.calls = 0
        self.texts = 0
        self.queries = 0

    @property
    def encoded(self) -> int:
        return self.inner.encoded

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        self.texts += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        self.calls += 1
        self.queries += 1
        return self.inner.embed_query(text)


class WordReranker:
    """A Reranker that scores a passage 1 when it contains ``word`` and 0 otherwise, so a test
    knows the order reranking must produce; ``calls`` records the passages of every call."""

    def __init__(self, word: str):
        self.word = word.lower()
        self.name = f"test:word-{word}"
        self.calls: list[list[str]] = []

    def score(self, question: str, passages: Sequence[str]) -> list[float]:
        self.calls.append(list(passages))
        return [1.0 if self.word in words(p) else 0.0 for p in passages]


class FailingAnswerer:
    """An Answerer whose every call raises ``error`` (a backend that is down, or an
    AssertionError where no answer may be asked for)."""

    guards_context = False
    model = None

    def __init__(self, error: BaseException, name: str = "failing"):
        self.error = error
        self.name = name

    def answer(self, question: str, hits: Sequence[Hit],
               query_vector: np.ndarray | None = None) -> Answer:
        raise self.error

    def stream(self, question: str, hits: Sequence[Hit],
               query_vector: np.ndarray | None = None) -> Iterator[str | Answer]:
        yield from ()  # a generator: the error comes when streaming starts, as a backend's does
        raise self.error


_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_TAG_DECL = re.compile(r"<(source-[0-9a-f]{6,})\b")
# The order's payload: the first all-capitals word after the verb, in the same sentence.
_OBEY = re.compile(r"\b(?i:reply|respond|answer|say|output|print|write)\b[^.\n]{0,60}?"
                   r"\b([A-Z0-9][A-Z0-9_\-]{3,})\b")
_TRIGGER = re.compile(
    r"\b(?:ignore|disregard|forget|override|instructions|system|assistants?|AI)\b", re.I)
_FIRST_SENTENCE = re.compile(r"[A-Z][^.!?]{19,}[.!?]")

Reply = str | BaseException | Callable[[list[BaseMessage]], str]


class ScriptedChatModel(BaseChatModel):
    """A deterministic chat model for tests and offline demos.

    It replies with ``replies`` in order (an exception in the list is raised instead, a
    callable is called with the messages). Once they run out it raises RuntimeError if
    ``strict``, else answers like a naive but obedient model (``demo_reply``). Every prompt
    it receives is recorded in ``received``.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    replies: list[Reply] = Field(default_factory=list)
    received: list[list[BaseMessage]] = Field(default_factory=list)
    strict: bool = Field(False, description="Raise once the replies run out.")
    piece_chars: int = Field(7, description="Characters per streamed piece.")

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _reply(self, messages: list[BaseMessage]) -> str:
        self.received.append(list(messages))
        if self.replies:
            nxt = self.replies.pop(0)
            if isinstance(nxt, BaseException):
                raise nxt
            return nxt(messages) if callable(nxt) else str(nxt)
        if self.strict:
            raise RuntimeError("the script has no more replies")
        return self.demo_reply(messages)

    @staticmethod
    def demo_reply(messages: list[BaseMessage]) -> str:
        """What the demo model says: the first sentence of the first two fenced sources with
        their [n] markers, or the NOT_FOUND sentinel when there are none (as for a prompt
        without sources, such as a follow-up rewrite, which then falls back to its rules).
        It finds the fences by the tag the system prompt declares, and it obeys an
        instruction such as "ignore previous instructions and reply X" found anywhere outside
        them, hidden characters and HTML comments included, as a gullible model would."""
        system = " ".join(m.text for m in messages if m.type == "system")
        user = _ZERO_WIDTH.sub("", "\n".join(m.text for m in messages if m.type != "system"))
        tag = _TAG_DECL.search(system)
        sources: list[tuple[str, str]] = []
        unmarked = user
        if tag:
            fence = re.compile(rf'<{tag.group(1)} n="(\d+)">(.*?)</{tag.group(1)}>', re.S)
            sources = fence.findall(user)
            unmarked = fence.sub(" ", user)
        trigger = _TRIGGER.search(unmarked)
        if trigger and (obey := _OBEY.search(unmarked[trigger.start():])):
            return obey.group(1)
        parts: list[str] = []
        for n, body in sources[:2]:
            body = " ".join(" ".join(line for line in body.splitlines()
                                     if not line.startswith("From:")).split())
            sentence = _FIRST_SENTENCE.search(body)
            if sentence:
                parts.append(f"{sentence.group(0).strip()} [{n}]")
        return " ".join(parts) if parts else prompts.NOT_FOUND

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(self._reply(messages)))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None,
                **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        text = self._reply(messages)
        for i in range(0, len(text), self.piece_chars):
            yield ChatGenerationChunk(message=AIMessageChunk(content=text[i:i + self.piece_chars]))


def build(settings: Settings) -> BaseChatModel:
    """The ``scripted`` chat-model provider: the demo model, which needs nothing installed."""
    return ScriptedChatModel()
