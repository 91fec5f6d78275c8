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
CHAT_FRESH = "chat.fresh"
CHAT_ITEM = "chat.item_context"
CARDS = "cards.review"
PRACTICE = "practice.state"
MOCK = "mock.exam"
MOCK_POSITION = "mock.position"
MOCK_CONFIRM = "mock.confirm_open"
MOCK_EXPIRED_SEEN = "mock.expired_seen"
FLASH = "ui.flash"

# What became of a question: waiting for its answer, answered, failed with a message, or cut
# off because the run answering it stopped (a new question, a page change, a reload).
PENDING, ANSWERED, FAILED, INTERRUPTED = "pending", "answered", "failed", "interrupted"


@dataclass
class Turn:
    """One exchange: the question and either an answer or the message shown instead."""

    question: str
    answer: Answer | None = None
    text: str = ""
    error: str | None = None
    error_kind: str = "error"
    followups: list[str] = field(default_factory=list)
    status: str = PENDING


def chat_turns() -> list[Turn]:
    return st.session_state.setdefault(CHAT, [])


def new_chat() -> None:
    """Forget this session's conversation."""
    st.session_state[CHAT] = []
    st.session_state[CHAT_FRESH] = []


def _fresh() -> list[int]:
    return st.session_state.setdefault(CHAT_FRESH, [])


def submit(question: str) -> None:
    """Put ``question`` into the history at once, to be answered by the run that follows.

    Widget callbacks call this (the chat box, follow-up buttons), and Streamlit runs them
    before the page script, so a question is kept even when the run that would answer it
    never gets that far."""
    turns = chat_turns()
    turns.append(Turn(question=question))
    _fresh().append(len(turns) - 1)


def submit_typed(key: str) -> None:
    """``on_submit`` of the chat box whose widget key is ``key``."""
    question = st.session_state.get(key)
    if question is not None:
        submit(question)


def ask_again(index: int) -> None:
    """Put the question of turn ``index`` back to be answered, in its place in the history."""
    turns = chat_turns()
    if 0 <= index < len(turns):
        turns[index] = Turn(question=turns[index].question)
        _fresh().append(index)


def take_fresh() -> list[int]:
    """Turns submitted since the last run of the chat, to answer in this one.

    Any other turn still pending was being answered by a run that stopped before finishing
    (a new question, a page change or a rerun came first): it is marked interrupted."""
    fresh = st.session_state.pop(CHAT_FRESH, [])
    for i, turn in enumerate(chat_turns()):
        if turn.status == PENDING and i not in fresh:
            turn.status = INTERRUPTED
    return [i for i in fresh if i < len(chat_turns())]


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
    submit(question)


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
