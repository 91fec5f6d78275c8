"""The Chat page through Streamlit's AppTest: streaming cited answers, follow-ups, filters,
the per-session conversation, and every error state a learner can meet."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.ui_support import alerts, app_factory, copy_home, current_generation, shown, texts
from tutor import prompts
from tutor.errors import BackendError
from tutor.testing import FailingAnswerer
from ui.safe_text import escape

QUESTION = "When should I use SageMaker asynchronous inference?"


@pytest.fixture
def make_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Any]]:
    with app_factory(monkeypatch) as make:
        yield make


def turns(at: Any) -> list[Any]:
    from ui import state

    return at.session_state.get(state.CHAT, [])


def test_chat_streams_a_cited_answer_with_matching_sources(make_app, notes_home, minilm):
    at = make_app(notes_home, minilm).run()
    assert not at.exception
    assert at.chat_input[0].max_chars == 2001  # max_question_chars, plus one to detect a cut
    at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception
    [turn] = turns(at)
    answer = turn.answer
    assert answer is not None and answer.status == "answered"
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
    assert markers, "the answer text carries [n] markers"
    assert markers == {c.n for c in answer.citations}
    labels = [e.label for e in at.expander]
    assert [int(re.match(r"\\\[(\d+)\\\]", label).group(1)) for label in labels] == \
        [c.n for c in answer.citations]
    for c in answer.citations:  # each source shows where it is and what it quotes
        assert c.title.split()[0] in " ".join(labels)
        assert any(c.quote.split()[0] in t for t in texts(at) if t.startswith(">"))
    assert shown(at, "Answered by: extractive")
    assert shown(at, "offline extractive")  # the backend in use, in the sidebar


def test_follow_up_buttons_ask_the_suggested_question(make_app, notes_home, minilm):
    at = make_app(notes_home, minilm).run()
    at.chat_input[0].set_value(QUESTION).run()
    followups = turns(at)[0].followups
    assert followups, "an answer with citations gets follow-up suggestions"
    at.button(key="chat.followup.0.0").click().run()
    assert not at.exception
    asked = turns(at)
    assert [t.question for t in asked] == [QUESTION, followups[0]]
    assert asked[1].answer is not None
    at.sidebar.button(key="chat.new").click().run()
    assert turns(at) == [] and len(at.chat_message) == 0


def test_domain_filter_limits_the_sources(make_app, notes_home, minilm):
    at = make_app(notes_home, minilm).run()
    at.sidebar.selectbox(key="chat.domain").set_value(4).run()
    at.chat_input[0].set_value("How do I monitor a model for drift?").run()
    answer = turns(at)[0].answer
    assert answer.citations
    assert all(c.source.startswith("domain-4/") for c in answer.citations)


def test_two_sessions_keep_their_own_conversation(make_app, notes_home, minilm):
    first = make_app(notes_home, minilm).run()
    second = make_app(notes_home, minilm).run()
    first.chat_input[0].set_value(QUESTION).run()
    second.run()
    assert len(turns(first)) == 1 and turns(second) == []
    assert len(second.chat_message) == 0


def test_empty_index_says_what_to_do(make_app, hash_embedder):
    at = make_app(embedder=hash_embedder).run()  # the per-test TUTOR_HOME holds nothing
    at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception
    assert prompts.EMPTY_INDEX in alerts(at, "info")
    assert turns(at)[0].answer is None
    assert [link.proto.label for link in at.get("page_link")] == ["Open the Library"]


@pytest.mark.parametrize("typed, expected", [
    ("   ", prompts.EMPTY_QUESTION),
    ("why " * 600, prompts.QUESTION_TOO_LONG.split("{")[0]),
])
def test_empty_and_overlong_questions_are_refused_politely(make_app, notes_home, minilm,
                                                          typed, expected):
    # Streamlit cuts what arrives at max_chars (as the browser does); the cut text is still
    # one character over the library's limit, so the learner is told rather than truncated.
    at = make_app(notes_home, minilm).run()
    at.chat_input[0].set_value(typed).run()
    assert not at.exception
    assert any(w.startswith(expected) for w in alerts(at, "warning"))
    [turn] = turns(at)
    assert turn.answer is None and len(turn.question) <= 2001


def test_damaged_index_is_reported_not_raised(make_app, notes_home, minilm, tmp_path):
    home = copy_home(notes_home, tmp_path / "home")
    (current_generation(home) / "chunks.jsonl").write_text("{not json\n")
    at = make_app(home, minilm).run()
    # The start-up probe (in a child process) catches it before any page touches the index.
    assert not at.exception
    [error] = alerts(at, "error")
    assert error.startswith(prompts.INDEX_DAMAGED.split("(")[0])
    assert "chunk store" in error
    assert not at.chat_input, "the chat must not run on a damaged index"


def test_unreachable_index_server_is_reported(make_app, notes_home, minilm, tmp_path):
    # A Chroma server URL where nothing listens: the vector backend is down.
    home = copy_home(notes_home, tmp_path / "home")
    at = make_app(home, minilm, TUTOR_CHROMA_URL="http://127.0.0.1:9").run()
    at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception
    [error] = alerts(at, "error")
    assert error.startswith(prompts.UI_BACKEND_DOWN.split("(")[0])
    assert "127.0.0.1:9" in error


def test_failing_answer_backend_is_reported(make_app, notes_home, minilm, monkeypatch):
    from ui import resources

    at = make_app(notes_home, minilm).run()
    tutor = resources.tutor(resources.settings())  # the same cached object the app uses
    down = BackendError("cannot reach http://127.0.0.1:11434; is the server running?")
    monkeypatch.setattr(tutor, "answerer", FailingAnswerer(down, name="ollama:llama3.2"))
    at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception
    [error] = alerts(at, "error")
    assert error.startswith(prompts.UI_BACKEND_DOWN.split("(")[0])
    assert "11434" in error
    monkeypatch.undo()


def test_generative_backend_in_use_is_shown(make_app, notes_home, minilm):
    # The scripted model is the LLM engineer's offline stand-in for a chat model.
    at = make_app(notes_home, minilm, TUTOR_LLM_PROVIDER="scripted").run()
    assert shown(at, "Answer backend: scripted")
    at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception
    answer = turns(at)[0].answer
    assert answer.backend.startswith("scripted") and answer.citations
    assert shown(at, f"Answered by: {escape(answer.backend)}")  # the name escaped, not the label
    assert len(at.expander) == len(answer.citations)


def test_unreachable_answer_model_falls_back_with_a_notice(make_app, notes_home, minilm):
    at = make_app(notes_home, minilm, TUTOR_LLM_PROVIDER="ollama", TUTOR_LLM_MODEL="llama3.2",
                  TUTOR_LLM_BASE_URL="http://127.0.0.1:9", TUTOR_LLM_MAX_RETRIES="0").run()
    at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception
    answer = turns(at)[0].answer
    assert answer.notice and answer.citations  # still answered, from the extractive fallback
    [warning] = alerts(at, "warning")
    assert warning.startswith(escape(prompts.BACKEND_FALLBACK.split("(")[0]))
    assert "127" in warning


def test_the_app_builds_its_own_model_when_nothing_is_injected(make_app, notes_home, tmp_path):
    # The path `streamlit run` takes: resources build the configured embedder themselves.
    from ui import resources

    home = copy_home(notes_home, tmp_path / "home")
    at = make_app(home, None).run()
    at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception
    answer = turns(at)[0].answer
    assert answer is not None and answer.citations
    built = resources.embedder(resources.settings())
    assert built.model_id == "sentence-transformers/all-MiniLM-L6-v2"
    assert (home / "cache").is_dir()  # the configured embedding cache, under TUTOR_HOME


def test_a_question_submitted_during_an_answer_keeps_both(make_app, notes_home, minilm):
    """The state a newer question leaves behind: the first turn still pending from the run
    that stopped, the second just submitted. Both stay; the first can be asked again."""
    from ui import state

    at = make_app(notes_home, minilm).run()
    at.session_state[state.CHAT] = [state.Turn(question=QUESTION)]  # its run never finished
    at.chat_input[0].set_value("How does AWS KMS envelope encryption work?").run()
    assert not at.exception
    first, second = turns(at)
    assert first.question == QUESTION and first.status == state.INTERRUPTED
    assert first.answer is None
    assert second.status == state.ANSWERED and second.answer.citations
    assert prompts.UI_CHAT_INTERRUPTED in alerts(at, "info")
    at.button(key="chat.again.0").click().run()
    first, second = turns(at)
    assert first.status == state.ANSWERED and first.answer.citations
    assert [t.question for t in turns(at)] == [QUESTION, second.question]
    assert len(at.chat_message) == 4


def test_a_rerun_during_an_answer_marks_it_interrupted(make_app, notes_home, minilm):
    from ui import state

    at = make_app(notes_home, minilm).run()
    at.session_state[state.CHAT] = [state.Turn(question=QUESTION)]
    at.sidebar.selectbox(key="chat.domain").set_value(3).run()  # any rerun, no new question
    [turn] = turns(at)
    assert turn.status == state.INTERRUPTED
    assert [b.key for b in at.button if b.key.startswith("chat.again")] == ["chat.again.0"]


def test_the_app_warms_up_before_the_first_question(make_app, notes_home, minilm):
    from ui import resources

    at = make_app(notes_home, minilm).run()
    settings = resources.settings()
    warm = resources.warm_up(settings)  # the one app.py started, not a new one
    assert warm is resources.warm_up(settings) and len(warm.threads) == 3
    warm.wait()
    assert warm.ready()
    tutor = resources.tutor(settings)
    assert tutor.retriever.opened  # opened before anyone asked
    at.chat_input[0].set_value(QUESTION).run()
    assert turns(at)[0].answer.citations


def test_a_damaged_index_is_not_opened_by_the_warm_up(make_app, notes_home, minilm, tmp_path):
    import chromadb

    from ui import resources

    home = copy_home(notes_home, tmp_path / "home")
    # A vector gone from the store: the index still opens, only the child-process check
    # (which counts the vectors) finds the damage, and the warm-up must wait for its word.
    client = chromadb.PersistentClient(path=str(current_generation(home) / "chroma"))
    collection = client.get_collection("tutor")
    collection.delete(ids=collection.get(limit=1)["ids"])
    client.close()
    make_app(home, minilm).run()
    settings = resources.settings()
    resources.warm_up(settings).wait()
    assert "holds" in resources.index_problem(settings)
    assert not resources.tutor(settings).retriever.opened
