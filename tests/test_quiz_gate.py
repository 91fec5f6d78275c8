"""Quality gate: each rule rejects what it should, counts reasons, flags negative stems."""

from __future__ import annotations

import pytest

from tests.quiz_data import (
    SUPPORT_TEXT,
    cite,
    make_chunk,
    mini_catalog,
    multiple_item,
    single_item,
)
from tutor.quiz import gate as g
from tutor.quiz.gate import check_item, gate_items
from tutor.types import QuizOption


@pytest.fixture
def catalog():
    return mini_catalog()


@pytest.fixture
def chunks():
    chunk = make_chunk(SUPPORT_TEXT)
    return {chunk.id: chunk}


def _with_options(texts: list[str], correct: str = "B", **kw):
    return single_item(options=[QuizOption(key=k, text=t, correct=k == correct, explanation="x")
                                for k, t in zip("ABCDEF", texts, strict=False)], **kw)


def test_a_well_formed_item_passes(catalog, chunks) -> None:
    assert check_item(single_item(), catalog, chunks) == []


def test_two_keys_on_a_single_answer_item_fail(catalog) -> None:
    item = single_item()
    item.options[0].correct = True
    assert g.WRONG_ANSWER_COUNT in check_item(item, catalog)


def test_multiple_response_needs_the_announced_number_of_keys(catalog) -> None:
    item = multiple_item()
    assert g.WRONG_ANSWER_COUNT not in check_item(item, catalog)
    item.options[1].correct = True
    assert g.WRONG_ANSWER_COUNT in check_item(item, catalog)
    short = multiple_item().model_copy(update={"options": multiple_item().options[:4]})
    assert g.BAD_STRUCTURE in check_item(short, catalog)


def test_duplicated_options_fail(catalog) -> None:
    names = ["Amazon SageMaker Batch Transform", "Amazon SageMaker Serverless Inference",
             "Amazon SageMaker Batch Transform", "Amazon SageMaker Real-Time Inference"]
    assert g.DUPLICATE_OPTIONS in check_item(_with_options(names), catalog)


def test_a_stem_naming_the_key_fails(catalog) -> None:
    item = single_item(stem="A team wants serverless inference for a rarely used model. "
                            "Which option?")
    assert g.ANSWER_IN_STEM in check_item(item, catalog)


def test_all_or_none_of_the_above_fails(catalog) -> None:
    names = ["Amazon SageMaker Batch Transform", "Amazon SageMaker Serverless Inference",
             "Amazon SageMaker Real-Time Inference", "None of the above options"]
    assert g.ALL_NONE_OF_ABOVE in check_item(_with_options(names), catalog)


def test_options_of_very_different_length_or_form_fail(catalog) -> None:
    uneven = ["Amazon S3", "Amazon SageMaker Serverless Inference",
              "Amazon SageMaker Real-Time Inference", "Amazon SageMaker Batch Transform"]
    assert g.UNEVEN_OPTIONS in check_item(_with_options(uneven), catalog)
    mixed = ["Amazon SageMaker Batch Transform", "Amazon SageMaker Serverless Inference",
             "Use an always-on endpoint with two instances.",
             "Amazon SageMaker Real-Time Inference"]
    assert g.UNEVEN_OPTIONS in check_item(_with_options(mixed), catalog)


def test_the_key_must_be_supported_by_a_cited_passage(catalog, chunks) -> None:
    assert g.NO_CITATION in check_item(single_item(citations=[]), catalog)
    other = make_chunk("Batch Transform scores a stored dataset offline.")
    unrelated = single_item(
        citations=[cite(other, "Batch Transform scores a stored dataset offline.")])
    assert g.UNSUPPORTED_KEY in check_item(unrelated, catalog)
    made_up = "Amazon SageMaker Serverless Inference is free forever."
    invented = single_item(citations=[cite(make_chunk(SUPPORT_TEXT), made_up)])
    assert g.CITATION_MISMATCH in check_item(invented, catalog, chunks)


def test_only_the_exam_formats_pass(catalog) -> None:
    """The exam has no true/false or fill-in-the-blank items; one stored by an older release
    fails the gate, whatever else it gets right."""
    names = ["Amazon SageMaker Real-Time Inference", "Amazon SageMaker Serverless Inference",
             "Amazon SageMaker Asynchronous Inference", "Amazon SageMaker Batch Transform"]
    options = [QuizOption(key=k, text=n, correct=k == "B", explanation="x")
               for k, n in zip("ABCD", names, strict=False)]
    assert check_item(single_item(options=options), catalog) == []
    cloze = single_item(type="cloze", options=options,
                        stem="Which AWS service or feature completes the statement? _____ "
                             "scales compute to zero between sparse requests.")
    assert g.BAD_STRUCTURE in check_item(cloze, catalog)


def test_matching_entries_may_differ_in_length_but_not_be_empty(catalog) -> None:
    """Every entry of a matching item is used once, so a short name beside a long one hints
    at nothing; an empty description still fails."""
    pairs = {"A": "Object storage used as the data lake for training data.",
             "B": "Serverless ETL jobs and crawlers that prepare data."}
    matching = single_item(type="matching", answer_count=3, options=[
        QuizOption(key="A", text="Amazon S3", explanation="x"),
        QuizOption(key="B", text="AWS Glue", explanation="x"),
        QuizOption(key="C", text="Amazon SageMaker Serverless Inference", explanation="x")],
        pairs={**pairs, "C": "Scales compute to zero between sparse requests."})
    assert g.UNEVEN_OPTIONS not in check_item(matching, catalog)
    empty = matching.model_copy(update={"pairs": {**pairs, "C": " "}})
    assert g.UNEVEN_OPTIONS in check_item(empty, catalog)


def test_task_must_belong_to_the_domain(catalog) -> None:
    assert g.TASK_DOMAIN_MISMATCH in check_item(single_item(domain=2), catalog)


def test_missing_explanations_fail(catalog) -> None:
    item = single_item()
    item.options[2].explanation = " "
    assert g.MISSING_EXPLANATION in check_item(item, catalog)


def test_gate_counts_reasons_and_flags_negative_stems(catalog, chunks) -> None:
    negative = single_item(id="q-neg", stem="A team must serve a rarely used model. Which option "
                                            "should they NOT use?")
    broken = single_item(id="q-bad", citations=[])
    result = gate_items([single_item(), negative, broken], catalog, chunks)
    assert [i.id for i in result.passed] == ["q-test-single", "q-neg"]
    assert result.passed[1].flags == [g.NEGATIVE_STEM]
    assert result.passed[0].flags == []
    assert result.stats.checked == 3 and result.stats.passed == 2
    assert result.stats.dropped == {g.NO_CITATION: 1}
    assert result.rejected[0][0].id == "q-bad"


def test_catalog_mentions_respect_case_for_common_words() -> None:
    catalog = mini_catalog()
    assert catalog.mentioned_ids("We translate labels before training.") == []
    found = catalog.mentioned_ids("Amazon Translate converts text; Glue runs ETL.")
    assert found == ["translate", "glue"]
    assert catalog.mentioned_ids("use async inference and real-time inference") == ["asy", "rt"]
    assert catalog.get("s3").label == "Amazon S3"
