"""Hybrid retrieval and extractive answers over real text with the real model."""

from __future__ import annotations

import re

import pytest

from tutor import prompts
from tutor.types import Filters

# Each question with the page (or pages, when two answer it equally) that must be in the top 5.
AWS_QUESTIONS: list[tuple[str, tuple[str, ...]]] = [
    ("how big can a payload be for asynchronous inference and how long can it run",
     ("sagemaker/async-inference.md",)),
    ("firehose buffering hints size and interval before delivering to s3",
     ("firehose/basic-deliver.md",)),
    ("how do I stop a hyperparameter tuning job early when trials are not improving",
     ("sagemaker/automatic-model-tuning-early-stopping.md",)),
    # "Capture data" and "Capture data from real-time endpoint" both answer this one
    ("capture endpoint requests and responses for model monitor",
     ("sagemaker/model-monitor-data-capture.md",
      "sagemaker/model-monitor-data-capture-endpoint.md")),
    ("what is a kinesis shard and how much throughput does it give",
     ("kinesis-data-streams/key-concepts.md",)),
    ("rotate customer managed kms keys automatically every year", ("kms/rotate-keys.md",)),
]


@pytest.mark.slow
@pytest.mark.parametrize("question, gold", AWS_QUESTIONS)
def test_hybrid_finds_the_right_aws_page(awsdocs_tutor, question: str,
                                         gold: tuple[str, ...]) -> None:
    hits = awsdocs_tutor.search(question, k=5, mode="hybrid")
    sources = [h.chunk.source for h in hits]
    assert set(gold) & set(sources), sources
    top = next(h for h in hits if h.chunk.source in gold)
    assert top.chunk.url and top.chunk.url.startswith("https://docs.aws.amazon.com/")


@pytest.mark.slow
def test_aws_answer_cites_the_page_url(awsdocs_tutor) -> None:
    answer = awsdocs_tutor.ask("How does Kinesis Data Firehose buffer data before delivery to S3?")
    assert answer.status == "answered"
    assert any(c.source.startswith("firehose/") and c.url
               and "docs.aws.amazon.com/firehose" in c.url for c in answer.citations)


def test_notes_answer_is_grounded_and_cited(notes_tutor) -> None:
    answer = notes_tutor.ask(
        "When should I choose asynchronous inference over real-time inference?")
    assert answer.status == "answered"
    assert answer.citations
    numbers = {c.n for c in answer.citations}
    for n in numbers:
        assert f"[{n}]" in answer.text
    ids = {h.chunk.id for h in answer.hits}
    for c in answer.citations:
        assert c.chunk_id in ids, "every citation must resolve to a retrieved passage"
        assert c.quote
        passage_words = set(re.findall(r"[a-z0-9]+", c.passage.lower()))
        assert set(re.findall(r"[a-z0-9]+", c.quote.lower())) <= passage_words, c.quote
    assert "asynchronous" in answer.text.lower()


def test_off_topic_question_says_so_and_cites_nothing(notes_tutor) -> None:
    answer = notes_tutor.ask("What is the best recipe for Neapolitan pizza dough?")
    assert answer.status == "not_found"
    assert answer.text.startswith(prompts.NOT_FOUND)
    assert answer.citations == []


def test_domain_filter_limits_hits(notes_tutor) -> None:
    hits = notes_tutor.search("encryption of data with KMS keys", k=6, filters=Filters(domain=1))
    assert hits and all(h.chunk.domain == 1 for h in hits)


def test_modes_differ_but_all_find_the_topic(notes_tutor) -> None:
    results = {m: notes_tutor.search("Kinesis Data Streams shards and retention", k=5, mode=m)
               for m in ("dense", "bm25", "hybrid")}
    for mode, hits in results.items():
        assert any("streaming" in h.chunk.source for h in hits), mode
    assert any(h.lexical is not None and h.dense is not None for h in results["hybrid"])


def test_stream_yields_text_then_answer(notes_tutor) -> None:
    from tutor.types import Answer

    pieces = list(notes_tutor.stream("What does SageMaker Feature Store offline store hold?"))
    assert isinstance(pieces[-1], Answer)
    text = "".join(p for p in pieces[:-1])
    assert text.strip() == pieces[-1].text.strip()
