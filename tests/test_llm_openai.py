"""The real OpenAI-compatible client path (langchain-openai ChatOpenAI) against a loopback
server: streaming answers, citation validation, bounded retries, timeouts, HTTP errors and
the extractive fallback, keys kept out of every message."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from tests.fake_openai_server import FakeOpenAIServer, Step
from tests.test_generate import make_hits, run_stream
from tutor import prompts
from tutor.answer.generative import GenerativeAnswerer
from tutor.answer.rewrite import ModelRewriter
from tutor.config import load_settings
from tutor.errors import BackendError
from tutor.llm import make_chat_model, ping
from tutor.testing import ScriptedChatModel

KEY = "sk-test-Secret-Value-0123456789"
QUESTION = "What does SageMaker Batch Transform do offline?"


def _demo(body: dict) -> str:
    """The server 'model': the scripted model's demo behaviour on the request's messages."""
    kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
    return ScriptedChatModel.demo_reply([kinds[m["role"]](m["content"]) for m in body["messages"]])


@pytest.fixture(scope="module")
def server():
    srv = FakeOpenAIServer(default=_demo).start()
    yield srv
    srv.stop()


@pytest.fixture
def fake(server: FakeOpenAIServer) -> FakeOpenAIServer:
    server.reset()
    return server


def settings_for(fake: FakeOpenAIServer, **overrides):
    values = {"llm_provider": "openai", "llm_model": "fake-model", "llm_base_url": fake.url,
                  "llm_api_key": KEY, "llm_timeout": 5, "llm_max_retries": 1}
    values.update(overrides)
    return load_settings(**values)


def test_a_streamed_answer_through_chatopenai_maps_and_validates_citations(fake) -> None:
    fake.push("SageMaker Batch Transform scores a stored dataset offline [2]. "
              "It leaves no endpoint running [2][7]. Serverless scales to zero [1].")
    gen = GenerativeAnswerer(settings_for(fake))
    pieces, answer = run_stream(gen, QUESTION, make_hits())
    assert len(pieces) > 3  # it streamed
    assert answer.status == "answered" and answer.backend == "openai:fake-model"
    assert answer.text == ("SageMaker Batch Transform scores a stored dataset offline [1]. "
                           "It leaves no endpoint running [1]. Serverless scales to zero [2].")
    assert "".join(pieces).strip() == answer.text
    assert [(c.n, c.chunk_id) for c in answer.citations] == [(1, "chunk-2"), (2, "chunk-1")]
    [request] = fake.requests
    assert request["stream"] is True and request["model"] == "fake-model"
    assert [m["role"] for m in request["messages"]] == ["system", "user"]
    assert fake.headers[0]["authorization"] == f"Bearer {KEY}"


def test_the_default_server_model_answers_from_the_fence(fake) -> None:
    answer = GenerativeAnswerer(settings_for(fake)).answer(QUESTION, make_hits())
    assert answer.status == "answered"
    assert [c.chunk_id for c in answer.citations] == ["chunk-1", "chunk-2"]


def test_the_sentinel_reply_over_the_wire_is_not_found(fake) -> None:
    fake.push(prompts.NOT_FOUND)
    answer = GenerativeAnswerer(settings_for(fake)).answer(QUESTION, make_hits())
    assert answer.status == "not_found" and answer.citations == []


@pytest.mark.parametrize("status, expected", [
    (500, prompts.LLM_SERVER.format(status=500)),
    (503, prompts.LLM_SERVER.format(status=503)),
    (429, prompts.LLM_RATE_LIMIT),
])
def test_server_errors_are_retried_a_bounded_number_of_times_then_fall_back(
        fake, status: int, expected: str, caplog: pytest.LogCaptureFixture) -> None:
    fake.push(*[Step(status=status)] * 5)
    caplog.set_level(logging.DEBUG)
    gen = GenerativeAnswerer(settings_for(fake, llm_max_retries=2))
    pieces, answer = run_stream(gen, QUESTION, make_hits())
    assert len(fake.requests) == 3  # the first try and two retries, no more
    assert answer.status == "fallback" and answer.citations
    assert answer.notice == prompts.BACKEND_FALLBACK.format(backend="openai:fake-model",
                                                            detail=expected)
    assert "".join(pieces).strip() == answer.text
    assert KEY not in caplog.text and KEY not in answer.model_dump_json()


def test_a_timeout_falls_back_with_an_actionable_notice(fake) -> None:
    fake.push(Step(text="too late [1].", delay=3.0), Step(text="too late [1].", delay=3.0))
    gen = GenerativeAnswerer(settings_for(fake, llm_timeout=0.5, llm_max_retries=0))
    answer = gen.answer(QUESTION, make_hits())
    assert len(fake.requests) == 1
    assert answer.status == "fallback"
    assert prompts.LLM_TIMEOUT.format(seconds=0.5) in answer.notice
    assert "TUTOR_LLM_TIMEOUT" in answer.notice


def test_a_refused_key_names_the_variable_but_never_the_key(fake, caplog) -> None:
    fake.push(Step(status=401))
    caplog.set_level(logging.DEBUG)
    answer = GenerativeAnswerer(settings_for(fake, llm_max_retries=0)).answer(QUESTION, make_hits())
    assert answer.status == "fallback" and "OPENAI_API_KEY" in answer.notice
    assert KEY not in answer.notice and KEY not in caplog.text


def test_the_key_can_come_from_openai_api_key(fake, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-environment-42")
    fake.push("Batch Transform scores data offline [1].")
    gen = GenerativeAnswerer(settings_for(fake, llm_api_key=None))
    assert gen.answer(QUESTION, make_hits()).status == "answered"
    assert fake.headers[0]["authorization"] == "Bearer sk-from-the-environment-42"


def test_an_unreachable_server_falls_back(fake) -> None:
    closed = fake.url.rsplit(":", 1)[0] + ":9/v1"  # the discard port; nothing listens there
    answer = GenerativeAnswerer(settings_for(fake, llm_base_url=closed, llm_max_retries=0)).answer(
        QUESTION, make_hits())
    assert answer.status == "fallback" and "cannot reach" in answer.notice


def test_the_model_rewriter_uses_the_non_streaming_client_path(fake) -> None:
    fake.push("How do I deploy a model with SageMaker Batch Transform?")
    settings = settings_for(fake)
    rewriter = ModelRewriter(lambda: make_chat_model(settings))
    out = rewriter.rewrite("and what about for batch?",
                           [("How do I deploy a model for real-time inference on SageMaker?", "x")])
    assert out == "How do I deploy a model with SageMaker Batch Transform?"
    assert not fake.requests[0].get("stream")


def test_the_tutor_with_an_openai_backend_rewrites_then_answers(
        fake, tmp_path: Path, hash_embedder) -> None:
    from ingest.job import run_ingest
    from tutor.service import Tutor

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "batch.md").write_text(
        "# Batch Transform\n\nSageMaker Batch Transform scores a dataset stored in Amazon S3 "
        "offline and writes the predictions back to S3.\n", encoding="utf-8")
    (corpus / "realtime.md").write_text(
        "# Real-time inference\n\nA SageMaker real-time endpoint keeps instances running to "
        "answer requests with low latency.\n", encoding="utf-8")
    settings = settings_for(fake)
    run_ingest([corpus], settings, embedder=hash_embedder)
    tutor = Tutor(settings, embedder=hash_embedder)
    fake.push("How does SageMaker Batch Transform score a dataset offline?")  # the rewrite
    answer = tutor.ask("and what about offline scoring?",
                       history=[("How does a SageMaker real-time endpoint answer requests?", "x")])
    assert answer.query == "How does SageMaker Batch Transform score a dataset offline?"
    assert answer.status == "answered" and answer.backend == "openai:fake-model"
    assert answer.citations[0].source == "batch.md"
    assert len(fake.requests) == 2 and fake.requests[1]["stream"] is True


def test_ping_reports_the_backend_or_an_actionable_error(fake) -> None:
    fake.push("OK", Step(status=500))
    assert ping(settings_for(fake)).startswith("openai:fake-model replied in ")
    with pytest.raises(BackendError, match="HTTP 500") as err:
        ping(settings_for(fake, llm_max_retries=0))
    assert KEY not in str(err.value)
