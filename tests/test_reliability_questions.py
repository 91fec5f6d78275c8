"""Issue 9, questions: case 14 (huge, empty and whitespace questions, an empty index),
case 15 (off-topic questions; citations always resolve) and the threaded half of case 17
(twenty concurrent answers through one shared Tutor), with the real MiniLM and notes index.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import tutor_for
from tutor.testing import CountingEmbedder, FailingAnswerer

NO_ANSWER = FailingAnswerer(AssertionError("the answerer was called"))

# --- case 14 -------------------------------------------------------------------------------

@pytest.mark.parametrize("question", ["x" * 100_000, "", "   \n\t  ", "\u200b\u200b"])
def test_bad_questions_get_a_message_and_reach_no_model(question: str, notes_home: Path,
                                                         minilm) -> None:
    from tutor import prompts
    from tutor.errors import InputError
    from tutor.service import Tutor

    spy = CountingEmbedder(minilm)
    tutor = Tutor(tutor_for(notes_home, spy).settings, embedder=spy, answerer=NO_ANSWER)
    for call in (tutor.ask, tutor.search, lambda q: list(tutor.stream(q))):
        with pytest.raises(InputError) as err:
            call(question)
        expected = (prompts.QUESTION_TOO_LONG.format(n=100_000, limit=2000)
                    if question.startswith("x") else prompts.EMPTY_QUESTION)
        assert str(err.value) == expected
    assert spy.calls == 0


def test_question_against_an_empty_index(settings, minilm) -> None:
    from tutor import prompts
    from tutor.errors import EmptyIndexError
    from tutor.service import Tutor

    spy = CountingEmbedder(minilm)
    tutor = Tutor(settings, embedder=spy, answerer=NO_ANSWER)
    with pytest.raises(EmptyIndexError) as err:
        tutor.ask("What does SageMaker Model Monitor do?")
    assert str(err.value) == prompts.EMPTY_INDEX
    assert spy.calls == 0


@pytest.mark.parametrize(("args", "message"), [
    (["ask", ""], "Please type a question."),
    (["ask", "y" * 100_000], "please keep it under 2,000"),
    (["search", "   "], "Please type a question."),
    (["ask", "What is SageMaker?"], "Nothing is indexed yet"),
])
def test_cli_gives_a_message_not_a_traceback(args: list[str], message: str) -> None:
    from typer.testing import CliRunner

    from tutor.cli import app

    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert message in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output


# --- case 15 -------------------------------------------------------------------------------

OFF_TOPIC = [
    "What is the best recipe for a chocolate cake?",
    "Who won the football world cup in 1998?",
    "How do I replace the inner tube of a bicycle tyre?",
]
ON_TOPIC = [
    "How does SageMaker Model Monitor detect data drift?",
    "When should I use SageMaker Serverless Inference?",
    "What does SageMaker Clarify measure?",
    "How can I encrypt training data stored in Amazon S3?",
]


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_off_topic_question_is_not_in_my_sources(question: str, notes_tutor) -> None:
    from tutor import prompts

    answer = notes_tutor.ask(question)
    assert answer.status == "not_found"
    assert answer.text.startswith(prompts.NOT_FOUND)
    assert answer.citations == []
    assert not re.search(r"\[\d+\]", answer.text)


def _plain(text: str) -> str:
    return " ".join(re.sub(r"\*\*|__|`", "", text).split())


def test_every_citation_resolves_to_an_indexed_passage(notes_tutor) -> None:
    from tutor.chunk import split_sentences

    snap = notes_tutor.retriever.snapshot
    for question in ON_TOPIC:
        answer = notes_tutor.ask(question)
        assert answer.status == "answered", question
        markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
        assert markers == {c.n for c in answer.citations}
        for c in answer.citations:
            chunk = snap.chunks[c.chunk_id]
            assert (c.source, c.title, c.url, c.page) == (chunk.source, chunk.title, chunk.url,
                                                          chunk.page)
            assert c.passage == chunk.text
            # A quote is one or more sentences of the passage, joined by " … ".
            for sentence in (s for part in c.quote.split(" … ") for s in split_sentences(part)):
                assert _plain(sentence) in _plain(chunk.text), (question, sentence)


# --- case 17, threads ------------------------------------------------------------------------

QUESTIONS = ON_TOPIC + OFF_TOPIC + [
    "What is a SageMaker Feature Store offline store?",
    "How do I tune hyperparameters with automatic model tuning?",
    "What is the difference between batch transform and real-time inference?",
    "How does AWS Glue DataBrew help prepare data?",
    "Which metric should I monitor for class imbalance?",
    "What are SageMaker Pipelines steps?",
    "How do I deploy a model to an edge device with SageMaker Neo?",
    "What is Amazon Kinesis Data Firehose used for?",
    "How do I roll back a SageMaker endpoint deployment?",
    "How are IAM roles used by SageMaker training jobs?",
    "What does early stopping do during training?",
    "How does SageMaker Model Registry approve models?",
    "What is shadow testing of a new model variant?",
]


def test_twenty_concurrent_answers_share_one_tutor_without_cross_talk(notes_tutor) -> None:
    assert len(QUESTIONS) == 20
    expected = {q: notes_tutor.ask(q) for q in QUESTIONS}
    with ThreadPoolExecutor(max_workers=20) as pool:
        got = dict(zip(QUESTIONS, pool.map(notes_tutor.ask, QUESTIONS), strict=True))
    for q in QUESTIONS:
        assert got[q].question == q
        assert got[q].text == expected[q].text
        assert [c.chunk_id for c in got[q].citations] == [c.chunk_id for c in expected[q].citations]
