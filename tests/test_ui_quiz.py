"""Practice, Mock exam and Progress pages through AppTest, over the shipped notes indexed in
this process's memory (hash vectors: the quiz reads chunks, not vectors) and the real SQLite
progress store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ingest.job import run_ingest
from tests.conftest import NOTES
from tests.ui_support import APP, PAGES, alerts, answer_item, shown
from tutor import prompts
from tutor.config import Settings, load_settings
from tutor.progress import ProgressStore, open_progress_store
from tutor.quiz import MockExam
from tutor.testing import HashEmbedder
from tutor.types import QuizItem
from ui import state
from ui.safe_text import escape


@pytest.fixture(autouse=True)
def notes_index(tutor_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pages write questions from the indexed notes; an in-memory index is built in a
    second and is seen by the app, which AppTest runs in this process."""
    monkeypatch.setenv("TUTOR_VECTOR_STORE", "memory")
    run_ingest([NOTES], load_settings(), embedder=HashEmbedder())


@pytest.fixture
def app() -> Iterator[Any]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_resource.clear()
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    yield at
    st.cache_resource.clear()


def page(at: Any, name: str) -> Any:
    at.switch_page(PAGES[name]).run()
    assert not at.exception
    return at


def practice_state(at: Any) -> Any:
    return at.session_state[state.PRACTICE]


def store(settings: Settings) -> ProgressStore:
    return open_progress_store(settings)


def start_practice(at: Any, count: int = 3, task: str | None = None) -> Any:
    page(at, "practice")
    if task is not None:
        at.radio(key="practice.by").set_value("Task statement").run()
        at.selectbox(key="practice.task").set_value(task)
    at.number_input(key="practice.count").set_value(count)
    at.button(key="practice.start").click().run()
    assert not at.exception
    return practice_state(at)


def click(at: Any, label: str) -> None:
    [button] = [b for b in at.button if b.label == label]
    button.click().run()
    assert not at.exception


def submit(at: Any, p: Any, correct: bool) -> QuizItem:
    item = p.current
    prefix = f"practice.{p.session.position}.{item.id}"
    answer_item(at, item, prefix, correct=correct)
    click(at, "Submit answer")
    assert not at.exception
    return item


def test_practice_grades_explains_and_records(app, settings):
    p = start_practice(app, count=3)
    total = len(p.session.quiz.items)
    assert 1 <= total <= 3
    first = submit(app, p, correct=True)
    assert alerts(app, "success") == ["Correct."]
    key_line = {"ordering": "Correct order:", "matching": "Correct pairs:"}.get(first.type,
                                                                              "Answer:")
    assert shown(app, key_line)
    assert first.explanation and shown(app, first.explanation.split()[0])
    assert len(app.expander) == len(first.citations) >= 1  # the cited passages
    assert "Score 1 / 1" in [f"{m.label} {m.value}" for m in app.metric]
    [attempt] = store(settings).attempts()
    assert (attempt.item_id, attempt.correct, attempt.mode) == (first.id, True, "practice")

    if total > 1:
        app.button(key="practice.next").click().run()
        second = submit(app, practice_state(app), correct=False)
        assert alerts(app, "error") == ["Not quite."]
        assert "Score 1 / 2" in [f"{m.label} {m.value}" for m in app.metric]
        latest = store(settings).attempts()[0]
        assert (latest.item_id, latest.correct) == (second.id, False)
        assert second.id in {i.id for i in store(settings).due_items(
            now=datetime.now(UTC) + timedelta(days=30))}


def test_practice_by_task_and_to_the_end(app):
    p = start_practice(app, count=2, task="3.1")
    assert p.session.quiz.items and all(i.task == "3.1" for i in p.session.quiz.items)
    for _ in p.session.quiz.items:
        submit(app, practice_state(app), correct=True)
        app.button(key="practice.next").click().run()
    done = prompts.UI_PRACTICE_DONE.format(correct=len(p.session.quiz.items),
                                          total=len(p.session.quiz.items))
    assert done in alerts(app, "success")
    app.button(key="practice.again").click().run()
    assert app.button(key="practice.start")  # back to choosing a set


def test_incomplete_answer_is_not_graded(app, settings):
    p = start_practice(app, count=1)
    item = p.current
    assert item is not None
    click(app, "Submit answer")
    assert prompts.UI_PRACTICE_INCOMPLETE in alerts(app, "warning")
    assert store(settings).attempts() == []
    assert practice_state(app).feedback is None


def test_practice_state_is_per_session(settings):
    from streamlit.testing.v1 import AppTest

    first = AppTest.from_file(str(APP), default_timeout=120).run()
    second = AppTest.from_file(str(APP), default_timeout=120).run()
    start_practice(first, count=1)
    page(second, "practice")
    assert state.PRACTICE in first.session_state
    assert (state.PRACTICE not in second.session_state
            or second.session_state[state.PRACTICE] is None)
    assert second.button(key="practice.start")


def mock(at: Any) -> MockExam:
    return at.session_state[state.MOCK]


def test_mock_exam_answer_flag_navigate_submit(app):
    from tutor.quiz.mock import EXAM_QUESTIONS, EXAM_UNSCORED

    page(app, "mock")
    app.button(key="mock.start").click().run()
    assert not app.exception
    exam = mock(app)
    assert len(exam.items) == EXAM_QUESTIONS
    assert shown(app, f"Question 1 of {EXAM_QUESTIONS}")
    first = exam.items[0]
    answer_item(app, first, f"mock.{first.id}", correct=True)
    app.run()
    assert first.id in exam.answers
    app.sidebar.button(key="mock.next").click().run()
    second = exam.items[1]
    assert shown(app, f"Question 2 of {EXAM_QUESTIONS}")
    app.checkbox(key=f"mock.flag.{second.id}").check().run()
    assert exam.flagged == [second.id]
    assert shown(app, "Flagged for review: 2")
    app.sidebar.button(key="mock.prev").click().run()
    assert shown(app, f"Question 1 of {EXAM_QUESTIONS}")  # and the earlier answer is kept
    assert exam.answers[first.id]
    app.button(key="mock.submit").click().run()
    assert any(f"{EXAM_QUESTIONS - 1} unanswered and 1 flagged" in w
               for w in alerts(app, "warning"))
    app.button(key="mock.confirm").click().run()
    assert not app.exception
    result = exam.result
    scored = int(first.id not in exam.unscored)  # as on the exam, 15 questions do not count
    assert result is not None and result.correct == scored and result.answered == 1
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Correct"] == f"{scored} / {EXAM_QUESTIONS - EXAM_UNSCORED}"
    assert metrics["Scaled score (approx.)"] == str(result.scaled_score)
    table = app.dataframe[0].value
    assert int(table["Questions"].sum()) == EXAM_QUESTIONS - EXAM_UNSCORED
    assert int(table["Unscored"].sum()) == EXAM_UNSCORED
    assert int(table["Correct"].sum()) == scored
    assert len(app.get("vega_lite_chart")) == 1
    assert shown(app, f"As on the exam, {EXAM_UNSCORED} questions were unscored")
    assert shown(app, f"Review the {EXAM_QUESTIONS - 1} questions you missed")
    assert all(i.generator == "bank" for i in exam.items)
    assert any(i.case is not None for i in exam.items)
    # The sitting feeds the progress store: the one answered question, as a mock attempt.
    from tutor.config import load_settings
    from tutor.progress import open_progress_store

    [attempt] = open_progress_store(load_settings()).attempts()
    assert (attempt.item_id, attempt.mode, attempt.correct) == (first.id, "mock", True)


def test_mock_exam_time_up_locks_answers(app):
    page(app, "mock")
    app.button(key="mock.start").click().run()
    exam = mock(app)
    exam.started_at = datetime.now(UTC) - timedelta(minutes=exam.minutes + 1)
    app.run()
    assert prompts.UI_MOCK_TIME_UP in alerts(app, "warning")
    item = exam.items[0]
    widgets = [w for w in (*app.radio, *app.checkbox, *app.selectbox)
               if str(getattr(w, "key", "")).startswith(f"mock.{item.id}:")]
    assert widgets and all(w.disabled for w in widgets)
    app.button(key="mock.submit").click().run()
    app.button(key="mock.confirm").click().run()
    assert exam.result is not None and exam.result.timed_out
    assert shown(app, "The time ran out")


def test_progress_empty_then_charts_weak_areas_and_due(app, settings):
    page(app, "progress")
    assert prompts.UI_PROGRESS_EMPTY in alerts(app, "info")

    from tutor.catalog import load_catalog
    from tutor.quiz import build_quiz
    from tutor.quiz.corpus import quiz_chunks

    items = build_quiz(load_catalog(), quiz_chunks(settings), count=4, seed=7).items
    now = datetime.now(UTC)
    progress = store(settings)
    for day, item in enumerate(items):
        progress.record(item, "A", correct=day % 2 == 0, seconds=3.0,
                        now=now - timedelta(days=len(items) - day))
    page(app, "progress")
    charts = app.get("vega_lite_chart")
    assert len(charts) == 2  # over time, by task
    assert '"domain"' in charts[0].proto.spec
    app.segmented_control(key="progress.by").set_value("Task statement").run()
    assert '"task_name"' in app.get("vega_lite_chart")[0].proto.spec
    weak = app.dataframe[0].value
    assert list(weak["Task"]) == [w.task for w in progress.weak_areas()[:6]]
    due = progress.review_counts(now)["due"]
    assert due >= 1
    assert {m.label: m.value for m in app.metric}["Due now"] == str(due)
    listed = " ".join(str(m.value) for m in app.markdown)
    for item in progress.due_items(now=now):
        assert escape(item.stem) in listed
