"""LLM generation with a scripted chat model: validation, one repair, discard, gate."""

from __future__ import annotations

import json

import pytest

from tests.quiz_data import SUPPORT_TEXT, make_chunk, mini_catalog
from tutor.errors import BackendError
from tutor.quiz.gate import UNSUPPORTED_KEY
from tutor.quiz.llm_items import REPAIR_PROMPT, LLMQuizGenerator, parse_reply
from tutor.testing import ScriptedChatModel

NAMES = ["Amazon SageMaker Real-Time Inference", "Amazon SageMaker Serverless Inference",
         "Amazon SageMaker Asynchronous Inference", "Amazon SageMaker Batch Transform"]
STEM = ("A team hosts a model that gets a handful of requests a day. "
        "Which option avoids paying for idle compute?")


def reply(correct: str = NAMES[1], names: list[str] = NAMES, **extra) -> str:
    body = {"type": "single", "stem": STEM, "explanation": "Scales to zero when idle.",
            "options": [{"text": n, "correct": n == correct, "explanation": f"About {n}."}
                        for n in names]}
    body.update(extra)
    return json.dumps(body)


def _run(*replies: str):
    model = ScriptedChatModel(replies=list(replies), strict=True)
    chunk = make_chunk(SUPPORT_TEXT)
    result = LLMQuizGenerator(model, mini_catalog(), seed=1).generate([chunk], task="3.1", count=1,
                                                                       kinds=("single",))
    return model, chunk, result


def test_a_valid_reply_becomes_a_gated_item_citing_its_passage() -> None:
    model, chunk, result = _run(reply())
    assert result.calls == 1 and result.invalid == 0
    [item] = result.items
    assert item.generator == "llm" and item.task == "3.1" and item.domain == 3
    assert [o.text for o in item.options if o.correct] == [NAMES[1]]
    assert item.citations[0].chunk_id == chunk.id
    assert "scales compute to zero" in model.received[0][1].content  # the passage was sent
    assert item.topic == "sl"


def test_an_invalid_reply_gets_one_repair_with_the_error() -> None:
    two_keys = json.loads(reply())
    two_keys["options"][0]["correct"] = True
    model, _, result = _run("Sure! " + json.dumps(two_keys), "```json\n" + reply() + "\n```")
    assert result.calls == 2 and result.repaired == 1 and len(result.items) == 1
    repair = model.received[1][-1].content
    assert repair.startswith(REPAIR_PROMPT.split("{error}")[0])
    assert "exactly 1 correct" in repair


def test_two_invalid_replies_discard_the_item() -> None:
    _, _, result = _run("not json at all", '{"type": "single", "stem": "short"}')
    assert result.items == [] and result.invalid == 1 and result.calls == 2
    assert result.errors and "stem" in result.errors[0]


def test_a_valid_item_the_passage_does_not_support_is_dropped_by_the_gate() -> None:
    _, _, result = _run(reply(correct=NAMES[3]))
    assert result.items == []
    assert result.gate.dropped.get(UNSUPPORTED_KEY) == 1


def test_model_failures_surface_as_backend_errors() -> None:
    with pytest.raises(BackendError):
        _run()  # the scripted model has nothing to say and raises


def test_parse_reply_rejects_missing_json() -> None:
    with pytest.raises(ValueError, match="no JSON"):
        parse_reply("I cannot help with that.")


def test_multiple_response_items_get_the_select_phrase_and_answer_count() -> None:
    text = ("Amazon SageMaker Serverless Inference scales to zero between sparse requests, and "
            "Amazon SageMaker Batch Transform scores a stored dataset offline with no endpoint.")
    names = [*NAMES, "Amazon SageMaker Processing jobs"]
    body = {"type": "multiple", "stem": "Which two options avoid paying for an always-on endpoint?",
            "explanation": "Both run only when needed.",
            "options": [{"text": n, "correct": n in (NAMES[1], NAMES[3]), "explanation": "x"}
                        for n in names]}
    model = ScriptedChatModel(replies=[json.dumps(body)])
    chunk = make_chunk(text)
    result = LLMQuizGenerator(model, mini_catalog(), seed=2).generate(
        [chunk], task="3.1", count=1, kinds=("multiple",))
    [item] = result.items
    assert item.type == "multiple" and item.answer_count == 2
    assert item.stem.endswith("(Select TWO.)")
    assert sorted(o.text for o in item.options if o.correct) == sorted([NAMES[1], NAMES[3]])
