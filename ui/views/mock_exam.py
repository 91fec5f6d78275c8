"""Mock exam: 65 timed questions weighted like MLA-C01, flag for review, results per domain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import streamlit as st

from tutor import prompts
from tutor.errors import InputError
from tutor.quiz import MockExam, new_mock_exam
from tutor.quiz.grade import GradeResult, grade
from tutor.quiz.mock import EXAM_MINUTES, EXAM_QUESTIONS, EXAM_UNSCORED, PASS_SCORE
from ui import charts, resources, state
from ui.errors import show_error
from ui.quiz_widgets import answer_input, ask_tutor_button, explanation, item_header
from ui.safe_text import escape

CLOCK_REFRESH = timedelta(seconds=15)


def now() -> datetime:
    return datetime.now(UTC)


def clock_text(left: timedelta) -> str:
    minutes, seconds = divmod(int(left.total_seconds()), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{seconds:02d}"


def start(settings: Any) -> None:
    deck = resources.bank_deck(settings)
    with st.spinner("Assembling the exam…"):
        exam = new_mock_exam(deck, resources.catalog(), resources.progress_store(settings), now())
    if not exam.items:
        st.warning(prompts.UI_PRACTICE_EMPTY)
        return
    state.set_mock_exam(exam)


def intro(settings: Any) -> None:
    st.write(prompts.UI_MOCK_INTRO.format(n=EXAM_QUESTIONS, minutes=EXAM_MINUTES,
                                          unscored=EXAM_UNSCORED))
    if st.button("Start the mock exam", type="primary", key="mock.start"):
        try:
            start(settings)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message (ui/errors.py)
            show_error(exc, "assembling the exam")
            return
        st.rerun()


@st.fragment(run_every=CLOCK_REFRESH)
def clock(exam: MockExam) -> None:
    """The time left, refreshed on its own; the whole page reruns once time runs out."""
    expired = exam.expired(now())
    st.metric("Time left", clock_text(exam.remaining(now())))
    if expired and not state.get(state.MOCK_EXPIRED_SEEN, False):
        st.session_state[state.MOCK_EXPIRED_SEEN] = True
        st.rerun(scope="app")


def go(delta: int, total: int) -> None:
    pos = int(st.session_state.get(state.MOCK_POSITION, 0)) + delta
    st.session_state[state.MOCK_POSITION] = max(0, min(total - 1, pos))


def navigator(exam: MockExam) -> None:
    """Question picker with Previous/Next and the flagged list.

    The picker's labels never change (a label that changed with each answer would make
    Streamlit treat it as a new widget), so answered and flagged marks are listed beside it.
    """
    total = len(exam.items)
    st.selectbox("Go to question", list(range(total)), format_func=lambda i: f"Question {i + 1}",
                 key=state.MOCK_POSITION)
    cols = st.columns(2)
    cols[0].button("Previous", key="mock.prev", on_click=go, args=(-1, total), width="stretch",
                   disabled=st.session_state[state.MOCK_POSITION] == 0)
    cols[1].button("Next", key="mock.next", on_click=go, args=(1, total), width="stretch",
                   disabled=st.session_state[state.MOCK_POSITION] >= total - 1)
    flagged = [i + 1 for i, item in enumerate(exam.items) if item.id in exam.flagged]
    if flagged:
        st.caption("Flagged for review: " + ", ".join(map(str, flagged)))


def sitting(exam: MockExam) -> None:
    """One question of the running exam, with its flag and the submit controls.

    The question is drawn before the sidebar so that the counts and flags shown there
    already include the answer or flag given in this run.
    """
    expired = exam.expired(now())
    pos = int(st.session_state.setdefault(state.MOCK_POSITION, 0))
    if expired:
        st.warning(prompts.UI_MOCK_TIME_UP)
    item = exam.items[pos]
    item_header(item, pos + 1, len(exam.items))
    value = answer_input(item, key=f"mock.{item.id}", given=exam.answers.get(item.id),
                         disabled=expired)
    if value is not None and value != exam.answers.get(item.id):
        try:
            exam.answer(item.id, value, now())
        except Exception as exc:  # noqa: BLE001 - e.g. the clock ran out between two clicks
            show_error(exc, "saving your answer")
    flag = st.checkbox("Flag for review", value=item.id in exam.flagged,
                       key=f"mock.flag.{item.id}")
    exam.flag(item.id, flag)
    st.divider()
    submit_controls(exam)
    with st.sidebar:
        clock(exam)
        st.caption(f"Answered {len(exam.answers)} of {len(exam.items)} · "
                   f"flagged {len(exam.flagged)}")
        navigator(exam)


def submit_controls(exam: MockExam) -> None:
    if not st.session_state.get(state.MOCK_CONFIRM):
        st.button("Submit the exam…", key="mock.submit", on_click=_set_confirm, args=(True,))
        return
    unanswered, flagged = len(exam.unanswered()), len(exam.flagged)
    st.warning(f"Submit now? {unanswered} unanswered and {flagged} flagged questions. "
               "Unanswered questions count as wrong.")
    cols = st.columns(2)
    if cols[0].button("Yes, submit", type="primary", key="mock.confirm"):
        exam.submit(now(), resources.progress_store(resources.settings()))
        st.rerun()
    cols[1].button("Keep working", key="mock.cancel", on_click=_set_confirm, args=(False,))


def _set_confirm(value: bool) -> None:
    st.session_state[state.MOCK_CONFIRM] = value


def results(exam: MockExam) -> None:
    result = exam.result
    assert result is not None
    cols = st.columns(4)
    cols[0].metric("Scaled score (approx.)", result.scaled_score)
    cols[1].metric("Result", "Pass" if result.passed else "Below pass mark",
                   help=f"The pass mark is {PASS_SCORE}.")
    cols[2].metric("Correct", f"{result.correct} / {result.total}",
                   help=f"Scored questions only; {len(result.unscored_ids)} were unscored.")
    cols[3].metric("Time used", clock_text(timedelta(seconds=result.seconds_used)))
    if result.timed_out:
        st.caption("The time ran out before the exam was submitted.")
    if len(exam.items) < EXAM_QUESTIONS:
        st.caption(prompts.UI_MOCK_SHORT.format(n=len(exam.items), wanted=EXAM_QUESTIONS))
    numbers = [n + 1 for n, i in enumerate(exam.items) if i.id in set(result.unscored_ids)]
    if numbers:
        st.caption(prompts.UI_MOCK_UNSCORED.format(n=len(numbers),
                                                   which=", ".join(map(str, numbers))))
    st.subheader("By domain")
    rows = [{"Domain": f"{d.domain}. {d.name}", "Correct": d.correct, "Questions": d.total,
             "Unscored": d.unscored, "Percent": round(d.percent, 1)} for d in result.domains]
    st.altair_chart(charts.domain_results(rows), width="stretch")
    st.dataframe(rows, hide_index=True, width="stretch")
    wrong = [i for i in exam.items if i.id in set(result.wrong_item_ids)]
    if wrong:
        st.subheader(f"Review the {len(wrong)} questions you missed")
        pick = st.selectbox("Missed question", list(range(len(wrong))), key="mock.review",
                            format_func=lambda n: f"{n + 1}. Task {wrong[n].task} · "
                            f"{wrong[n].stem[:100]}")
        with st.container(border=True):
            item = wrong[pick]
            item_header(item)
            given = exam.answers.get(item.id)
            st.caption("Your answer: " + ("none" if given is None else escape(str(given)))
                       + (" · unscored" if item.id in set(result.unscored_ids) else ""))
            graded = _safe_result(item, given)
            explanation(item, graded)
            ask_tutor_button(item, given, key=f"mock.ask.{item.id}",
                             limit=resources.settings().max_question_chars)
    st.button("Start a new mock exam", key="mock.new", on_click=state.set_mock_exam,
              args=(None,), type="primary")


def _safe_result(item: Any, given: Any) -> GradeResult | None:
    """The graded answer, for the teaching points; None when nothing usable was given."""
    if given is None:
        return None
    try:
        return grade(item, given)
    except InputError:
        return None


def main() -> None:
    st.title("Mock exam")
    settings = resources.page_settings()
    if settings is None:
        return
    exam = state.mock_exam()
    if exam is None:
        intro(settings)
    elif exam.result is None:
        sitting(exam)
    else:
        results(exam)


main()
