"""The prompt-injection guard: passages made safe to show a model or a learner.

Text in documents is data. Before any answerer (or question writer) sees a passage, what a
reader would not see (HTML comments, hidden elements, zero-width and control characters),
look-alikes of the tutor's own fence and of chat-template tokens, and sentences that address
an AI assistant are removed. ``GuardedContext.leaks`` then checks a model's output for
distinctive words or phrases that occurred only in the removed text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from tutor.load.normalize import clean
from tutor.types import Hit

_COMMENT = re.compile(r"<!--(.*?)(?:-->|\Z)", re.S)
_HIDDEN_ELEMENT = re.compile(
    r"<(\w+)\b[^>]*?(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0|"
    r"\shidden(?:\s|=|>|/))[^>]*>(.*?)</\1\s*>", re.I | re.S)
# Our own fence tags and chat-template control tokens have no business in a document.
_LOOKALIKE = re.compile(r"</?\s*source[-\w]*[^>]*>|<\|[^|>]{1,30}\|>|\[/?INST\]", re.I)
_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass)\b[\w\s,'’-]{0,40}?\b(?:instructions?|prompts?"
    r"|rules|guidelines|directions)\b"
    r"|\b(?:new|updated|real)\s+instructions?\s*:"
    r"|\b(?:AI|assistant|chatbot|language\s+model|LLM)s?\b[^.\n]{0,30}\b(?:must|should|shall|will)"
    r"\s+(?:now\s+|only\s+)?(?:reply|respond|answer|say|output)\b", re.I)
# A sentence right after an injected one that keeps giving orders belongs to it.
_FOLLOW_ON = re.compile(r"\s*(?:reply|respond|answer|say|output|print|write|instead|only|then|"
                        r"from\s+now\s+on)\b", re.I)
# Case and inner hyphens kept: identifier-like payload words are what the leak check looks for.
_IDENTIFIER = re.compile(r"[\w][\w\-]*")
PHRASE = 4


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    left = max(text.rfind(c, 0, start) for c in ".!?\n") + 1
    right = min((i for i in (text.find(c, end) for c in ".!?\n") if i >= 0), default=len(text) - 1)
    return left, right + 1


def sanitize_text(text: str) -> tuple[str, list[str]]:
    """Passage text safe to show a model, and the pieces removed from it.

    Removes what a reader would not see (HTML comments, hidden elements, zero-width and
    control characters), fence and chat-template look-alikes, and each sentence that
    addresses an AI assistant (with the orders that follow it). Idempotent.
    """
    removed: list[str] = []
    text = clean(text)

    def cut(m: re.Match[str]) -> str:
        removed.append(m.group(m.lastindex or 0))
        return " "

    text = _COMMENT.sub(cut, text)
    text = _HIDDEN_ELEMENT.sub(cut, text)
    text = _LOOKALIKE.sub(" ", text)
    out: list[str] = []
    pos = 0
    for m in _INJECTION.finditer(text):
        start, end = _sentence_bounds(text, m.start(), m.end())
        if start < pos:
            continue
        while (more := _FOLLOW_ON.match(text, end)) is not None:
            end = _sentence_bounds(text, more.end(), more.end())[1]
        out += [text[pos:start], " "]
        removed.append(text[start:end])
        pos = end
    out.append(text[pos:])
    return "".join(out), [r.strip() for r in removed if r.strip()]


@lru_cache(maxsize=4096)
def _sanitized(text: str) -> tuple[str, tuple[str, ...]]:
    # cached: every answer sanitises its hits, and the same passages come back question
    # after question
    safe, removed = sanitize_text(text)
    return safe, tuple(removed)


def _words(text: str) -> list[str]:
    return [w.lower() for w in _IDENTIFIER.findall(text)]


def _phrases(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + PHRASE]) for i in range(len(words) - PHRASE + 1)}


def _distinctive(word: str) -> bool:
    """Identifier-like: digits, inner capitals or joined parts, as injected payloads tend to be."""
    return len(word) >= 4 and (any(c.isdigit() for c in word) or any(c.isupper() for c in word[1:])
                               or "-" in word.strip("-") or "_" in word)


@dataclass
class GuardedContext:
    """Sanitised hits for the model, plus what was removed, to check the output against."""

    hits: list[Hit]
    removed: list[str] = field(default_factory=list)
    payload_words: set[str] = field(default_factory=set)
    payload_phrases: set[tuple[str, ...]] = field(default_factory=set)

    def leaks(self, text: str) -> bool:
        """Whether ``text`` repeats something that only occurred in removed text."""
        if not self.removed:
            return False
        words = _words(text)
        return bool(self.payload_words.intersection(words)) or bool(
            self.payload_phrases & _phrases(words))


def guard(hits: Sequence[Hit], question: str) -> GuardedContext:
    """Sanitise the hits and work out which removed words an answer must not contain."""
    safe: list[Hit] = []
    removed: list[str] = []
    for h in hits:
        text, cut = _sanitized(h.chunk.text)
        removed += cut
        safe.append(h.model_copy(update={"chunk": h.chunk.model_copy(update={"text": text})}))
    ctx = GuardedContext(hits=safe, removed=removed)
    if removed:
        kept = " ".join([question, *(h.chunk.embed_text() for h in safe)])
        kept_words = set(_words(kept))
        for span in removed:
            raw = _IDENTIFIER.findall(span)
            ctx.payload_words |= {w.lower() for w in raw if _distinctive(w)} - kept_words
            ctx.payload_phrases |= _phrases(_words(span)) - _phrases(_words(kept))
    return ctx


def sanitize_hits(hits: Sequence[Hit]) -> list[Hit]:
    """Copies of ``hits`` whose chunk text went through ``sanitize_text``."""
    return guard(hits, "").hits
