"""Follow-up question -> standalone search query, using the recent turns of a conversation.

A history is a sequence of (learner question, tutor answer) pairs, oldest first, kept per
conversation by the caller. Whether a question stands alone is decided by cheap, fixed rules
(opening connectives, fragments, pronouns without a named subject); a standalone question is
returned unchanged and never costs a model call. Follow-ups are rewritten by rules offline,
or by the chat model when one is configured, with the rules as the fallback.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from tutor import prompts

if TYPE_CHECKING:  # LangChain loads only with a chat model: the rules need none of it
    from langchain_core.language_models.chat_models import BaseChatModel

log = logging.getLogger(__name__)

History = Sequence[tuple[str, str]]
MAX_TURNS = 3
_PREPS = ("for|with|in|on|at|during|without|using|via|under|from|to|after|before|between|"
          "across|against|inside|within|instead of")
_CONNECTIVE = re.compile(r"^\s*(?:(?:and|but|also|so|then|plus|ok(?:ay)?|well|now)\b[\s,]*)+",
                         re.I)
_ABOUT = re.compile(r"^\s*(?:what|how)\s+about\b\s*", re.I)
_LEAD_PREP = re.compile(rf"^\s*({_PREPS})\s+(.+)$", re.I | re.S)
_PRONOUN = re.compile(r"\b(it|its|they|them|their|this|that|these|those|the former|the latter)\b",
                      re.I)
# A named subject: an acronym or CamelCase word anywhere (S3, SageMaker, XGBoost), or a run of
# capitalised words after the first word (Model Monitor, Batch Transform).
_NAMED = re.compile(r"\b(?:[A-Z]{2,}[\w\-]*|[A-Z][a-z]+[A-Z][\w\-]*|[a-z]+[A-Z][\w\-]*"
                    r"|[A-Z]\d[\w\-]*)"
                    r"(?:\s+(?:[A-Z][\w\-]*|\d[\w\-]*))*"
                    r"|(?<=[a-z,;:] )[A-Z][\w\-]+(?:\s+(?:[A-Z][\w\-]*|\d[\w\-]*))*")
_DEFINE = re.compile(r"^\s*(?:what|which|who)\s+(?:is|are|was|were|does|do)\s+(?:an?\s+|the\s+)?"
                     r"(.+?)[?.!]*\s*$|^\s*(?:define|explain|describe)\s+(?:an?\s+|the\s+)?(.+?)[?.!]*\s*$",
                     re.I)


def needs_context(question: str) -> bool:
    """Whether ``question`` reads as a follow-up: a fragment ("what about ...", "for
    batch?"), a pronoun without a named subject, or an opening connective ("and ...")
    without a complete question about a named subject after it. Deterministic and cheap."""
    rest = _CONNECTIVE.sub("", question)
    if _ABOUT.match(rest) or _LEAD_PREP.match(rest):
        return True
    pronoun, named = _PRONOUN.search(rest), _NAMED.search(rest)
    if _CONNECTIVE.match(question):
        return not (named and not pronoun and len(rest.split()) >= 4)
    return bool(pronoun) and not named


def is_standalone(question: str, history: History) -> bool:
    """Whether ``question`` can be searched as it is: no history, or no follow-up cue."""
    return not history or not needs_context(question)


def subject_of(query: str) -> str | None:
    """The thing a question is about: its longest named subject, else the term it asks to
    define ("What is data drift?"), else None."""
    named = [m.group(0) for m in _NAMED.finditer(query)]
    if named:
        return max(named, key=len)
    defined = _DEFINE.match(query)
    return (defined.group(1) or defined.group(2)).strip() if defined else None


def _swap_phrase(prev: str, word: str, obj: str, subject: str | None) -> str | None:
    """``prev`` with one prepositional phrase replaced by ``word obj``: the phrase opened by
    the same preposition, else the last one; never a phrase holding the subject."""
    phrase = re.compile(rf"\b({_PREPS})\s+(.+?)(?=\s+(?:{_PREPS})\b|[?.!,;]|$)", re.I)
    found = list(phrase.finditer(prev))
    same = [m for m in found if m.group(1).lower() == word.lower()]
    for m in (same or found[-1:]):
        if subject and subject.lower() in m.group(0).lower():
            continue
        return f"{prev[: m.start()]}{word.lower()} {obj}{prev[m.end():]}"
    return None


def rewrite_with_rules(question: str, previous: str) -> str:
    """``question`` made standalone with the help of ``previous`` (a standalone query).

    A fragment opening with a preposition replaces a phrase of the previous query ("for
    batch" swaps "for real-time inference"); "what about X" swaps the term a definition
    question asked about; a pronoun becomes the previous subject; anything else is searched
    together with the previous query.
    """
    unlinked = _CONNECTIVE.sub("", question)
    about = bool(_ABOUT.match(unlinked))
    rest = _ABOUT.sub("", unlinked).strip()
    prev = previous.strip()
    subject = subject_of(prev)
    prep = _LEAD_PREP.match(rest)
    if prep:
        word, obj = prep.group(1), prep.group(2).strip(" ?.!")
        swapped = _swap_phrase(prev, word, obj, subject)
        return swapped or f"{prev.rstrip(' ?.!')} {word.lower()} {obj}?"
    if about:
        term = rest.strip(" ?.!")
        defined = _DEFINE.match(prev)
        if defined and term:
            old = (defined.group(1) or defined.group(2)).strip()
            return prev.replace(old, term, 1)
        return f"{prev.rstrip(' ?.!')}: {term}?"
    rest = rest[:1].upper() + rest[1:]
    pronoun = _PRONOUN.search(rest)
    if pronoun and subject:
        word = pronoun.group(1).lower()
        replacement = f"{subject}'s" if word in ("its", "their") else subject
        return rest[: pronoun.start()] + replacement + rest[pronoun.end():]
    return f"{rest} ({prev})"


def standalone_history(history: History, max_turns: int = MAX_TURNS) -> list[str]:
    """The learner's recent questions, each made standalone in turn by the rules."""
    out: list[str] = []
    for question, _ in list(history)[-max_turns:]:
        q = " ".join(question.split())
        out.append(rewrite_with_rules(q, out[-1]) if out and needs_context(q) else q)
    return out


class Rewriter(Protocol):
    """Follow-up question + conversation -> standalone search query."""

    def rewrite(self, question: str, history: History) -> str:
        """``question`` unchanged when it stands alone, else rewritten from ``history``."""


class RuleRewriter:
    """The offline rewriter: fixed rules, no model."""

    name = "rules"

    def __init__(self, max_turns: int = MAX_TURNS):
        self.max_turns = max_turns

    def rewrite(self, question: str, history: History) -> str:
        if is_standalone(question, history):
            return question
        previous = standalone_history(history, self.max_turns)
        return rewrite_with_rules(question, previous[-1]) if previous else question


class ModelRewriter:
    """Asks the chat model for the standalone query when the rules say it is a follow-up;
    falls back to the rules if the model fails or replies with something unusable."""

    name = "model"

    def __init__(self, model: Callable[[], BaseChatModel], max_turns: int = MAX_TURNS,
                 answer_chars: int = 300):
        self.model = model
        self.rules = RuleRewriter(max_turns)
        self.max_turns = max_turns
        self.answer_chars = answer_chars

    def rewrite(self, question: str, history: History) -> str:
        if is_standalone(question, history):
            return question
        turns = []
        for q, a in list(history)[-self.max_turns:]:
            a = re.sub(r"\s*\[\d+\]", "", " ".join(a.split()))[: self.answer_chars]
            turns.append(f"Learner: {' '.join(q.split())}\nTutor: {a}")
        from langchain_core.messages import HumanMessage, SystemMessage

        messages = [SystemMessage(prompts.REWRITE_SYSTEM),
                    HumanMessage(prompts.REWRITE_USER.format(turns="\n\n".join(turns),
                                                             question=question))]
        try:
            reply = self.model().invoke(messages).text
        except Exception as exc:  # noqa: BLE001 - the rules are a good enough fallback
            log.warning("query rewrite by model failed (%s); using rules", type(exc).__name__)
            return self.rules.rewrite(question, history)
        return self._usable(reply, question) or self.rules.rewrite(question, history)

    @staticmethod
    def _usable(reply: str, question: str) -> str | None:
        lines = [ln.strip() for ln in reply.strip().splitlines() if ln.strip()]
        if len(lines) != 1:
            return None
        text = re.sub(r"^(?:standalone question|question|query)\s*:\s*", "", lines[0], flags=re.I)
        text = text.strip(" \"'“”")
        too_long = len(text) > 4 * len(question) + 200
        if not text or too_long or prompts.NOT_FOUND.lower() in text.lower():
            return None
        return text


def make_rewriter(model: Callable[[], BaseChatModel] | None = None) -> Rewriter:
    """The rules offline; with a chat model, the model (the rules remain its fallback)."""
    return RuleRewriter() if model is None else ModelRewriter(model)
