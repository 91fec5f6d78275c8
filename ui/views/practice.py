"""Practice: exam-style questions for a domain or task, graded one at a time with explanations."""

from __future__ import annotations

from typing import Any

import streamlit as st

from tutor import prompts
from tutor.exam import DOMAINS, TASKS
from tutor.quiz import PracticeSession, QuizSource, available_sources, practice_quiz
from ui import resources, state
from ui.errors import show_error
from ui.quiz_widgets import answer_input, ask_tutor_button, explanation, given_text, item_header
from ui.safe_text import escape

MAX_COUNT = 50


SOURCE_LABELS = {
    "bank": "Exam-style question bank",
    "offline": "Generated from the notes (offline)",
    "llm": "Written by the language model",
}


def start(settings: Any, domain: int | None, task: str | None, count: int, review: bool,
          source: QuizSource = "bank") -> None:
    """Build a question set and make it this session's practice."""
    store = resources.progress_store(settings)
    if source == "bank":
        resources.bank_deck(settings)  # loaded once per process, under its own spinner
    with st.spinner("Preparing questions…"):
        quiz = practice_quiz(settings, resources.catalog(),
                             lambda: resources.quiz_chunks(settings), store, source=source,
                             domain=domain, task=task, count=count, review=review)
    if not quiz.items:
        st.warning(quiz.notice or prompts.UI_PRACTICE_EMPTY)
        return
    if quiz.notice:
        state.flash("info", quiz.notice)
    label = f"Task {task}" if task else (f"Domain {domain}" if domain else "All domains")
    state.set_practice(state.Practice(session=PracticeSession(quiz, store), selection=label))


def setup(settings: Any) -> None:
    st.write("Choose what to practise. Questions you missed before come back when they are due.")
    sources = available_sources(settings)
    source: QuizSource = st.radio("Questions from", sources, horizontal=True,
                                  key="practice.source", format_func=SOURCE_LABELS.__getitem__)
    by = st.radio("Choose questions by", ["Exam domain", "Task statement"], horizontal=True,
                  key="practice.by")
    domain: int | None = None
    task: str | None = None
    if by == "Exam domain":
        domain = st.selectbox("Domain", [None, *sorted(DOMAINS)], key="practice.domain",
                              format_func=lambda d: "All domains" if d is None
                              else f"{d}. {DOMAINS[d]}")
    else:
        task = st.selectbox("Task statement", list(TASKS), key="practice.task",
                            format_func=lambda t: f"{t} {TASKS[t]}")
    count = st.number_input("Number of questions", min_value=1, max_value=MAX_COUNT, value=10,
                            key="practice.count")
    review = st.checkbox("Put questions due for review first", value=True, key="practice.review")
    if st.button("Start practice", type="primary", key="practice.start"):
        try:
            start(settings, domain, task, int(count), review, source)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message (ui/errors.py)
            show_error(exc, "preparing the questions")
            return
        st.rerun()


def scoreboard(p: state.Practice) -> None:
    right, answered = p.session.score
    total = len(p.session.quiz.items)
    cols = st.columns(3)
    cols[0].metric("Score", f"{right} / {answered}")
    cols[1].metric("Question", f"{min(answered + (p.feedback is None), total)} of {total}")
    cols[2].metric("Set", p.selection)
    st.progress(answered / total if total else 0.0)


def ask_item(p: state.Practice) -> None:
    """Show the current question; grade and record the answer when it is submitted."""
    if p.current is None or p.current_position != p.session.position:
        p.current = p.session.next_item()  # starts the item's clock once, not at every rerun
        p.current_position = p.session.position
    item = p.current
    if item is None:
        right, answered = p.session.score
        st.success(prompts.UI_PRACTICE_DONE.format(correct=right, total=answered))
        st.button("Practise another set", key="practice.again", on_click=state.set_practice,
                  args=(None,), type="primary")
        return
    position = p.session.position
    item_header(item, position + 1, len(p.session.quiz.items))
    if item.id in p.session.quiz.review_ids:
        st.caption("Due for review: you missed this one before.")
    with st.form(key=f"practice.form.{position}.{item.id}"):
        value = answer_input(item, key=f"practice.{position}.{item.id}")
        submitted = st.form_submit_button("Submit answer", type="primary")
    if submitted:
        if value is None:
            st.warning(prompts.UI_PRACTICE_INCOMPLETE)
            return
        try:
            p.feedback = p.session.answer(value)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message (ui/errors.py)
            show_error(exc, "grading your answer")
            return
        st.rerun()


def show_feedback(p: state.Practice) -> None:
    record = p.feedback
    assert record is not None
    item = record.item
    item_header(item, p.session.position, len(p.session.quiz.items))
    st.markdown("Your answer: " + escape(given_text(item, record.result.given)))
    explanation(item, record.result)
    ask_tutor_button(item, record.result.given, key=f"practice.ask.{p.session.position}",
                     limit=resources.settings().max_question_chars)
    last = p.session.position >= len(p.session.quiz.items)
    st.button("See the result" if last else "Next question", type="primary",
              key="practice.next", on_click=clear_feedback)


def clear_feedback() -> None:
    p = state.practice()
    if p is not None:
        p.feedback = None


def main() -> None:
    st.title("Practice")
    settings = resources.page_settings()
    if settings is None:
        return
    p = state.practice()
    if p is None:
        setup(settings)
        return
    with st.sidebar:
        st.button("End this set", key="practice.end", on_click=state.set_practice, args=(None,))
    scoreboard(p)
    if p.feedback is not None:
        show_feedback(p)
    else:
        ask_item(p)


main()
