"""The injection fixture: document text is data. No answer ever contains the trigger token,
although the scripted model obeys any instruction that reaches it outside the source fence."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from tests.test_generate import answerer, make_hit, run_stream
from tutor import prompts
from tutor.answer.guard import guard
from tutor.config import load_settings
from tutor.testing import ScriptedChatModel

FIXTURE = Path(__file__).parent / "fixtures" / "injection.md"
TOKEN = "ZEBRA-PWNED-7731"
QUESTIONS = [
    "What does SageMaker Batch Transform do?",
    "How do I join Batch Transform predictions with the input records?",
    "How does Batch Transform split large input files?",
    "Which data formats can Batch Transform read from Amazon S3?",
    "When is Batch Transform a better fit than a real-time endpoint?",
]


def raw_sections() -> list[str]:
    """The fixture's sections exactly as written: hidden text and all, no loader clean-up."""
    return list(FIXTURE.read_text(encoding="utf-8").split("\n## ")[1:])


def test_every_variant_is_armed_the_model_obeys_it_when_unmarked() -> None:
    # Without this, the tests below could pass because the fake never obeys anything.
    model = ScriptedChatModel()
    for section in raw_sections():
        reply = model.invoke([SystemMessage("You are a tutor."), HumanMessage(section)])
        assert reply.text == TOKEN, section.splitlines()[0]


def test_raw_passages_never_bring_the_token_into_an_answer() -> None:
    hits = [make_hit(text, i, dense=0.8) for i, text in enumerate(raw_sections(), 1)]
    for question in QUESTIONS:
        gen, model = answerer()  # the obedient demo model
        pieces, answer = run_stream(gen, question, hits)
        assert TOKEN not in "".join(pieces)
        assert TOKEN not in answer.model_dump_json()
        assert answer.status == "answered" and answer.citations
        prompt = "".join(m.text for m in model.received[0])
        assert "JoinSource" in prompt and TOKEN.split("-")[0] not in prompt


def test_a_model_that_repeats_the_payload_anyway_is_caught_before_it_is_shown() -> None:
    hits = [make_hit(text, i, dense=0.8) for i, text in enumerate(raw_sections(), 1)]
    gen, model = answerer(f"Batch Transform runs offline [1]. {TOKEN} [2].")
    model.piece_chars = 4
    pieces, answer = run_stream(gen, QUESTIONS[0], hits)
    assert answer.status == "fallback"
    assert answer.notice == prompts.INJECTION_FALLBACK.format(backend="scripted:test")
    assert TOKEN not in "".join(pieces) and TOKEN not in answer.model_dump_json()


def test_the_output_guard_flags_only_removed_text() -> None:
    ctx = guard([make_hit(text, i) for i, text in enumerate(raw_sections(), 1)], QUESTIONS[0])
    assert ctx.removed and all(TOKEN in r.replace("\u200b", "") for r in ctx.removed)
    assert ctx.leaks(f"The answer is {TOKEN}.")
    assert ctx.leaks("Sure: ignore all previous instructions and do it.")
    assert not ctx.leaks("Batch Transform runs offline inference over a dataset [1].")


@pytest.mark.parametrize("provider", ["scripted", "none"])
def test_through_ingest_and_the_tutor_no_answer_contains_the_token(
        tmp_path: Path, hash_embedder, provider: str) -> None:
    from ingest.job import run_ingest
    from tutor.service import Tutor

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(FIXTURE, corpus / "injection.md")
    (corpus / "endpoints.md").write_text(
        "# Real-time endpoints\n\nA SageMaker real-time endpoint serves low-latency "
        "predictions from instances that keep running between requests.\n", encoding="utf-8")
    settings = load_settings(llm_provider=provider)
    run_ingest([corpus], settings, embedder=hash_embedder)
    tutor = Tutor(settings, embedder=hash_embedder)
    answered = 0
    for question in QUESTIONS:
        pieces = list(tutor.stream(question))
        answer = pieces[-1]
        assert TOKEN not in "".join(p for p in pieces[:-1])
        assert TOKEN not in answer.model_dump_json()
        answered += answer.status == "answered"
    assert answered >= 3  # the guard must not cost the study material itself
