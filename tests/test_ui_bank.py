"""The app's bank-based practice through AppTest: the question-source choice, feedback that
teaches (the chosen option's and the key's explanations with their passages), "Ask the tutor
about this" handing the question to Chat, and the Flashcards page (review and export)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest.job import run_ingest
from tests.conftest import NOTES
from tests.ui_support import APP, PAGES, alerts, answer_item, shown
from tutor import prompts
from tutor.config import load_settings
from tutor.progress import open_progress_store
from tutor.testing import HashEmbedder
from ui import state


@pytest.fixture(autouse=True)
def notes_index(tutor_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chat needs an index (in memory here, hash vectors); practice from the bank does not."""
    monkeypatch.setenv("TUTOR_VECTOR_STORE", "memory")
    run_ingest([NOTES], load_settings(), embedder=HashEmbedder())


@pytest.fixture
def app() -> Iterator[Any]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_resource.clear()
    yield AppTest.from_file(str(APP), default_timeout=120).run()
    st.cache_resource.clear()


def page(at: Any, name: str) -> Any:
    at.switch_page(PAGES[name]).run()
    assert not at.exception
    return at


def start(at: Any, task: str, count: int = 2, source: str | None = None) -> Any:
    page(at, "practice")
    if source is not None:
        at.radio(key="practice.source").set_value(source).run()
    at.radio(key="practice.by").set_value("Task statement").run()
    at.selectbox(key="practice.task").set_value(task)
    at.number_input(key="practice.count").set_value(count)
    at.button(key="practice.start").click().run()
    assert not at.exception
    return at.session_state[state.PRACTICE]


def test_the_bank_is_the_default_source_and_the_model_is_offered_only_when_configured(
        app, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    page(app, "practice")
    assert app.radio(key="practice.source").options == [
        "Exam-style question bank", "Generated from the notes (offline)"]
    monkeypatch.setenv("TUTOR_LLM_PROVIDER", "scripted")
    other = AppTest.from_file(str(APP), default_timeout=120).run()
    page(other, "practice")
    assert "Written by the language model" in other.radio(key="practice.source").options
    p = start(app, "3.3")
    assert all(i.generator == "bank" for i in p.session.quiz.items)


def test_a_wrong_answer_teaches_and_can_go_to_chat(app) -> None:
    from tutor.quiz.feedback import feedback

    p = start(app, "3.1", count=1)
    item = p.current
    answer_item(app, item, f"practice.{p.session.position}.{item.id}", correct=False)
    next(b for b in app.button if b.label == "Submit answer").click().run()
    assert alerts(app, "error") == ["Not quite."]
    points = feedback(item, p.feedback.result)
    assert points.chosen and points.keys
    for point in points.chosen:
        assert shown(app, f"You chose {point.option.key}. {point.option.text}")
        assert shown(app, point.option.explanation)
    for point in points.keys:
        assert shown(app, f"The key: {point.option.key}. {point.option.text}")
        assert point.citation is not None and shown(app, point.citation.heading)
        assert not point.quote or shown(app, point.quote)  # the cited passage

    [ask] = [b for b in app.button if b.label == "Ask the tutor about this"]
    ask.click().run()
    assert not app.exception
    turns = app.session_state[state.CHAT]
    assert turns and item.stem[:60] in turns[-1].question
    assert shown(app, f"About practice question {item.id}")


def test_flashcards_review_and_export(app, settings) -> None:
    page(app, "flashcards")
    app.radio(key="cards.by").set_value("Task statement").run()
    app.selectbox(key="cards.task").set_value("4.1").run()
    app.number_input(key="cards.count").set_value(2)
    labels = {m.label for m in app.metric}
    assert {"Cards", "Due now", "Not seen yet"} <= labels
    app.button(key="cards.start").click().run()
    review = app.session_state[state.CARDS]
    first, second = review.queue
    assert shown(app, first.front) and not shown(app, first.back)
    app.button(key="cards.reveal").click().run()
    assert shown(app, first.back)
    app.button(key="cards.known").click().run()
    app.button(key="cards.reveal").click().run()
    app.button(key="cards.unknown").click().run()
    assert prompts.CARDS_DONE.format(known=1, total=2) in alerts(app, "success")
    states = open_progress_store(settings).flashcard_states()
    assert (states[first.id].box, states[second.id].box) == (2, 1)
    app.button(key="cards.again").click().run()
    assert app.button(key="cards.start")
