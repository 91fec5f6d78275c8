"""Issue 9, chat-model backends, end to end through the real OpenAI client over loopback HTTP:
case 16 (timeouts, 429 and 500 answered with bounded retries and the extractive fallback;
malformed quiz JSON never becomes an item) and the model side of case 12 (hidden and
instruction text in a document never reaches the model at all).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import NOTES
from tests.fake_openai_server import FakeOpenAIServer, Step

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def server():
    srv = FakeOpenAIServer(default="SageMaker Model Monitor watches endpoints for drift [1].")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def fake(server: FakeOpenAIServer) -> FakeOpenAIServer:
    server.reset()
    return server


def _settings(fake: FakeOpenAIServer, home: Path | None = None, **overrides):
    from tutor.config import load_settings

    values = {"llm_provider": "openai", "llm_model": "fake-model", "llm_base_url": fake.url,
                  "llm_api_key": "sk-reliability-test-0000", "llm_timeout": 5, "llm_max_retries": 2}
    if home is not None:
        values["home"] = home
    values.update(overrides)
    return load_settings(**values)


# --- case 16: answers -------------------------------------------------------------------------

@pytest.mark.parametrize("failure", ["429", "500", "timeout"])
def test_failing_backend_falls_back_to_cited_extractive_answer(
        failure: str, fake: FakeOpenAIServer, notes_home: Path, minilm) -> None:
    from tutor import prompts
    from tutor.service import Tutor

    retries = 0 if failure == "timeout" else 2
    step = (Step(text="late [1].", delay=2.0) if failure == "timeout"
            else Step(status=int(failure)))
    fake.push(*[step] * 6)
    settings = _settings(fake, notes_home, llm_max_retries=retries,
                         llm_timeout=0.5 if failure == "timeout" else 5)
    tutor = Tutor(settings, embedder=minilm)
    answer = tutor.ask("How does SageMaker Model Monitor detect data drift?")

    assert len(fake.requests) == 1 + retries  # bounded: the first try and the retries
    assert answer.status == "fallback"
    detail = {"429": prompts.LLM_RATE_LIMIT, "500": prompts.LLM_SERVER.format(status=500),
              "timeout": prompts.LLM_TIMEOUT.format(seconds=0.5)}[failure]
    assert answer.notice == prompts.BACKEND_FALLBACK.format(backend="openai:fake-model",
                                                            detail=detail)
    snap = tutor.retriever.snapshot
    assert answer.citations and all(c.chunk_id in snap.chunks for c in answer.citations)


# --- case 16: quiz JSON -----------------------------------------------------------------------

def _note_chunks(notes_home: Path):
    from tutor.config import load_settings
    from tutor.index.snapshot import Snapshot

    return list(Snapshot.open_current(load_settings(home=notes_home)).chunks.values())


MALFORMED = [
    "Sure! Here is your question: {type: single, stem: ...",
    '{"type": "single", "stem": "Which?", "options": [{"text": "A", "correct": true}]}',
    '```json\n{"type": "single", "stem": "x", "explanation": "y", "options": []}\n```',
    '{"type": "single", "stem": "Which service?", "explanation": "e", "options": ['
    '{"text": "A", "correct": true, "explanation": "a"}, {"text": "B", "correct": true, '
    '"explanation": "b"}, {"text": "C", "correct": false, "explanation": "c"}, '
    '{"text": "D", "correct": false, "explanation": "d"}]}',
    "null",
    "[]",
]


def test_malformed_quiz_json_is_discarded_after_one_repair(fake: FakeOpenAIServer,
                                                           notes_home: Path) -> None:
    from tutor.catalog import load_catalog
    from tutor.llm import make_chat_model
    from tutor.quiz.llm_items import LLMQuizGenerator

    fake.push(*MALFORMED)
    generator = LLMQuizGenerator(make_chat_model(_settings(fake)), load_catalog(), seed=3)
    result = generator.generate(_note_chunks(notes_home), domain=4, count=3, max_chunks=3)
    assert result.items == []
    assert result.invalid == 3 and result.repaired == 0
    assert result.calls == len(fake.requests) == 6  # one repair per passage, no more
    # The repair request showed the model its validation error.
    assert "could not be used" in fake.requests[1]["messages"][-1]["content"]


def test_quiz_generation_under_a_429_storm_stops_with_a_clear_error(
        fake: FakeOpenAIServer, notes_home: Path) -> None:
    from tutor.catalog import load_catalog
    from tutor.errors import BackendError
    from tutor.llm import make_chat_model
    from tutor.quiz.llm_items import LLMQuizGenerator

    fake.push(*[Step(status=429)] * 10)
    generator = LLMQuizGenerator(make_chat_model(_settings(fake, llm_max_retries=1)),
                                 load_catalog(), seed=3)
    with pytest.raises(BackendError, match="chat model failed"):
        generator.generate(_note_chunks(notes_home), domain=2, count=3)
    assert len(fake.requests) == 2
    assert "sk-reliability-test-0000" not in str(fake.requests)


# --- case 12: what reaches the model ------------------------------------------------------------

def test_hidden_and_injected_text_never_reaches_the_model(fake: FakeOpenAIServer, settings,
                                                          hash_embedder, tmp_path: Path) -> None:
    """The injection fixture (hidden comments, zero-width text, instructions) indexed and
    asked about; the HTTP requests the model server receives carry none of it."""
    from ingest.job import run_ingest
    from tutor.service import Tutor

    token = "ZEBRA-PWNED-7731"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(FIXTURES / "injection.md", corpus / "injection.md")
    shutil.copy(NOTES / "domain-3" / "3.1-inference-options.md", corpus / "inference.md")
    report = run_ingest([corpus], settings, embedder=hash_embedder)
    flagged = {f.path: f.warnings for f in report.files}
    assert any(w.startswith("hidden text") for w in flagged["injection.md"])

    fake.default = "Batch Transform runs offline inference over a stored dataset [1]."
    tutor = Tutor(_settings(fake, settings.home), embedder=hash_embedder)
    for question in ("What does SageMaker Batch Transform do?",
                     "How does Batch Transform split large input files?"):
        answer = tutor.ask(question)
        assert token not in answer.model_dump_json()
    assert fake.requests
    sent = " ".join(m["content"] for body in fake.requests for m in body["messages"])
    assert token not in sent.replace("\u200b", "")
    assert "\u200b" not in sent and "<!--" not in sent
    assert "ignore all previous instructions" not in sent.lower()
