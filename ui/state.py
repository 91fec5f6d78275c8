"""Per-browser-session state: the chat, the practice set, the mock exam and flashcards.

Everything here lives in ``st.session_state``, which Streamlit keeps separately for each
browser session, so two learners on one server never see each other's conversation or
answers. Keys are namespaced so pages cannot collide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import streamlit as st

if TYPE_CHECKING:
    from tutor.quiz import MockExam, PracticeSession
    from tutor.quiz.flashcards import Flashcard
    from tutor.quiz.session import AnswerRecord
    from tutor.types import Answer, QuizItem

CHAT = "chat.turns"
CHAT_PENDING = "chat.pending"
CHAT_ITEM = "chat.item_context"
CARDS = "cards.review"
PRACTICE = "practice.state"
MOCK = "mock.exam"
MOCK_POSITION = "mock.position"
MOCK_CONFIRM = "mock.confirm_open"
MOCK_EXPIRED_SEEN = "mock.expired_seen"
FLASH = "ui.flash"


@dataclass
class Turn:
    """One exchange: the question and either an answer or the message shown instead."""

    question: str
    answer: Answer | None = None
    text: str = ""
    error: str | None = None
    error_kind: str = "error"
    followups: list[str] = field(default_factory=list)


def chat_turns() -> list[Turn]:
    return st.session_state.setdefault(CHAT, [])


def new_chat() -> None:
    """Forget this session's conversation (and any suggestion waiting to be asked)."""
    st.session_state[CHAT] = []
    st.session_state.pop(CHAT_PENDING, None)


def queue_question(question: str) -> None:
    """Ask ``question`` at the next run, as if it had been typed (used by follow-up buttons)."""
    st.session_state[CHAT_PENDING] = question


def take_queued_question() -> str | None:
    return st.session_state.pop(CHAT_PENDING, None)


@dataclass
class Practice:
    """A practice set in progress and the feedback on the answer just given."""

    session: PracticeSession
    feedback: AnswerRecord | None = None
    selection: str = ""
    current: QuizItem | None = None
    current_position: int = -1


def practice() -> Practice | None:
    return st.session_state.get(PRACTICE)


def set_practice(value: Practice | None) -> None:
    st.session_state[PRACTICE] = value


def mock_exam() -> MockExam | None:
    return st.session_state.get(MOCK)


def set_mock_exam(exam: MockExam | None) -> None:
    st.session_state[MOCK] = exam
    st.session_state[MOCK_POSITION] = 0
    st.session_state[MOCK_CONFIRM] = False
    st.session_state.pop(MOCK_EXPIRED_SEEN, None)


@dataclass
class ItemContext:
    """A practice question handed to Chat by "Ask the tutor about this"."""

    item: QuizItem
    question: str


def hand_to_chat(item: QuizItem, question: str) -> None:
    """Open Chat on ``item``: the next Chat run shows it and asks ``question`` about it."""
    st.session_state[CHAT_ITEM] = ItemContext(item=item, question=question)
    queue_question(question)


def take_item_context() -> ItemContext | None:
    return st.session_state.pop(CHAT_ITEM, None)


@dataclass
class CardReview:
    """A flashcard review in progress."""

    queue: list[Flashcard]
    selection: str
    position: int = 0
    revealed: bool = False
    known: int = 0


def card_review() -> CardReview | None:
    return st.session_state.get(CARDS)


def set_card_review(value: CardReview | None) -> None:
    st.session_state[CARDS] = value


def flash(kind: str, message: str) -> None:
    """A message to show once at the top of the next run (e.g. after an action and rerun)."""
    st.session_state.setdefault(FLASH, []).append((kind, message))


def take_flashes() -> list[tuple[str, str]]:
    return st.session_state.pop(FLASH, [])


def get(key: str, default: Any = None) -> Any:
    return st.session_state.get(key, default)
