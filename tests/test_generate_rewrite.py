"""Follow-up questions: the standalone rewrite, by rules and by a model, and its use for
retrieval."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor import prompts
from tutor.answer.rewrite import ModelRewriter, RuleRewriter, is_standalone, make_rewriter
from tutor.config import load_settings
from tutor.testing import ScriptedChatModel

DEPLOY = "How do I deploy a model for real-time inference on SageMaker?"


@pytest.mark.parametrize("previous, follow_up, expected", [
    (DEPLOY, "and what about for batch?", "How do I deploy a model for batch on SageMaker?"),
    ("How does Amazon S3 encrypt data at rest?", "And in transit?",
     "How does Amazon S3 encrypt data in transit?"),
    ("What is SageMaker Serverless Inference?", "How much does it cost?",
     "How much does SageMaker Serverless Inference cost?"),
    ("What is data drift?", "How do I detect it?", "How do I detect data drift?"),
    ("What is SageMaker Serverless Inference?", "what about asynchronous inference?",
     "What is asynchronous inference?"),
    ("What is Model Monitor?", "and what does it cost?", "What does Model Monitor cost?"),
])
def test_rules_make_follow_ups_standalone(previous: str, follow_up: str, expected: str) -> None:
    assert not is_standalone(follow_up, [(previous, "an answer")])
    assert RuleRewriter().rewrite(follow_up, [(previous, "an answer")]) == expected


@pytest.mark.parametrize("question", [
    "What is overfitting?",
    "How do I set up SageMaker Clarify for bias detection?",
    "so how do I set up SageMaker Clarify?",
    "Which metric suits an imbalanced classifier?",
    "Is it worth using Spot Instances for SageMaker training?",
])
def test_standalone_questions_go_through_unchanged(question: str) -> None:
    history = [(DEPLOY, "Use a real-time endpoint [1].")]
    assert is_standalone(question, history)
    assert RuleRewriter().rewrite(question, history) == question


def test_without_history_nothing_is_rewritten() -> None:
    assert RuleRewriter().rewrite("and what about for batch?", []) == "and what about for batch?"


def test_a_chain_of_follow_ups_keeps_the_original_subject() -> None:
    history = [(DEPLOY, "a"), ("and what about for batch?", "b")]
    assert RuleRewriter().rewrite("how much does it cost?", history) == \
        "How much does SageMaker cost?"
    # the rules resolve the middle turn first, so "for batch" is part of the context
    assert "batch" in RuleRewriter().rewrite("and with spot instances?", history)


def test_model_rewriter_sends_the_recent_turns_and_uses_the_reply() -> None:
    model = ScriptedChatModel(
        replies=["How do I run SageMaker Batch Transform for offline inference?"])
    rewriter = ModelRewriter(lambda: model)
    history = [(DEPLOY, "Create an endpoint [1]. It stays up [2].")]
    out = rewriter.rewrite("and what about for batch?", history)
    assert out == "How do I run SageMaker Batch Transform for offline inference?"
    [system, user] = model.received[0]
    assert system.text == prompts.REWRITE_SYSTEM
    assert DEPLOY in user.text and "and what about for batch?" in user.text
    assert "[1]" not in user.text  # citation markers are noise for the rewrite


def test_model_rewriter_skips_the_model_for_standalone_questions() -> None:
    model = ScriptedChatModel(replies=["unused"])
    out = ModelRewriter(lambda: model).rewrite("What is overfitting?", [(DEPLOY, "a")])
    assert out == "What is overfitting?" and model.received == []


@pytest.mark.parametrize("reply", [RuntimeError("down"), "Line one\nLine two", "",
                                   prompts.NOT_FOUND])
def test_model_rewriter_falls_back_to_the_rules(reply: object) -> None:
    model = ScriptedChatModel(replies=[reply])
    out = ModelRewriter(lambda: model).rewrite("and what about for batch?", [(DEPLOY, "a")])
    assert out == "How do I deploy a model for batch on SageMaker?"


def test_make_rewriter_uses_the_model_when_there_is_one() -> None:
    assert type(make_rewriter(None)) is RuleRewriter
    assert type(make_rewriter(lambda: ScriptedChatModel())) is ModelRewriter


def test_the_scripted_demo_model_leaves_follow_ups_to_the_rules() -> None:
    """The demo model answers prompts without a source fence with the sentinel, which the
    rewriter does not use: the rules rewrite, as they do offline."""
    model = ScriptedChatModel()
    out = ModelRewriter(lambda: model).rewrite("and what about for batch?", [(DEPLOY, "a")])
    assert out == "How do I deploy a model for batch on SageMaker?" and model.received


@pytest.fixture
def tiny_tutor(tmp_path: Path, hash_embedder):
    from ingest.job import run_ingest
    from tutor.service import Tutor

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    docs = {
        "realtime.md": "# Real-time inference\n\nDeploy a model for real-time inference on "
                       "SageMaker with an endpoint that keeps instances running.\n",
        "batch.md": "# Batch Transform\n\nDeploy a model for batch scoring on SageMaker with "
                    "Batch Transform: a job reads a dataset from Amazon S3 and writes predictions "
                    "back, with no endpoint left running.\n",
        "drift.md": "# Data drift\n\nSageMaker Model Monitor compares live data with a baseline "
                    "to detect data drift.\n",
    }
    for name, text in docs.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = load_settings(llm_provider="scripted")
    run_ingest([corpus], settings, embedder=hash_embedder)
    tutor = Tutor(settings, embedder=hash_embedder)
    searched: list[str] = []
    search = tutor.retriever.search

    def spy(query, **kwargs):
        searched.append(query)
        return search(query, **kwargs)

    tutor.retriever.search = spy
    return tutor, searched


def test_the_tutor_retrieves_with_the_standalone_query(tiny_tutor) -> None:
    tutor, searched = tiny_tutor
    first = tutor.ask(DEPLOY)
    assert searched == [DEPLOY] and first.query is None
    follow = tutor.ask("and what about for batch?", history=[(DEPLOY, first.text)])
    assert searched[-1] == "How do I deploy a model for batch on SageMaker?"
    assert follow.query == searched[-1] and follow.question == "and what about for batch?"
    assert follow.status == "answered" and follow.citations[0].source == "batch.md"


def test_the_streaming_path_rewrites_too(tiny_tutor) -> None:
    tutor, searched = tiny_tutor
    pieces = list(tutor.stream("and what about for batch?", history=[(DEPLOY, "Use an endpoint.")]))
    final = pieces[-1]
    assert searched == ["How do I deploy a model for batch on SageMaker?"]
    assert final.query == searched[0] and final.question == "and what about for batch?"
    assert "".join(pieces[:-1]).strip() == final.text
