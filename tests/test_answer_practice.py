"""Pasted practice items (tutor.answer.practice): the stem's vector, evidence per option,
the relevance check, on small hand-made passages with the hash embedder of tutor.testing."""

from __future__ import annotations

from evals import metrics
from tests.answer_data import BATCH, F1, SPOT_A, answerer, hits
from tests.quiz_data import make_chunk
from tutor.answer.extractive import ExtractiveAnswerer
from tutor.answer.question import analyse
from tutor.testing import HashEmbedder


def test_two_options_of_a_practice_item_never_quote_the_same_sentence_twice() -> None:
    # the same sentence in two passages (overlapping chunks of one note, or two notes): two
    # candidates, one statement
    again = make_chunk(SPOT_A.text + " Checkpoints let an interrupted job resume.",
                       source="domain-4/4.2-cost.md", heading="Spot", position=4)
    question = ("A team trains a model every night and wants to lower training cost. "
                "Which solution meets these requirements?\n"
                "A. Use Managed Spot Training for the nightly job\n"
                "B. Use Managed Spot Training with checkpoints in Amazon S3\n"
                "C. Use F1 to measure the model")
    answer = answerer().answer(question, hits(SPOT_A, again, F1, BATCH))
    sentences = metrics.answer_sentences(answer.text)
    assert sum("can cut training cost by up to 90%" in s for s in sentences) == 1
    assert metrics.near_duplicate_pairs(sentences) == 0


def test_a_practice_item_is_scored_with_its_stem_embedded_once_with_the_options() -> None:
    """A pasted item is not embedded as a query: its vector is the stem's, from the one
    call that embeds the stem and the options, which weighing the options then reuses."""
    import numpy as np

    from tutor.testing import CountingEmbedder

    spy = CountingEmbedder(HashEmbedder())
    extractive = ExtractiveAnswerer(spy, max_sentences=6, min_dense=0.0)
    question = ("A team trains a model every night and wants to lower training cost. "
                "Which solution meets these requirements?\n"
                "A. Use Managed Spot Training\nB. Use batch transform\nC. Use F1")
    vector = extractive.query_vector(question)
    stem = analyse(question).stem
    assert vector is not None and np.allclose(vector, HashEmbedder().embed_documents([stem])[0])
    assert (spy.calls, spy.texts, spy.queries) == (1, 4, 0)  # the stem and three options
    answer = extractive.answer(question, hits(SPOT_A, BATCH, F1), vector)
    assert "**A. Use Managed Spot Training:**" in answer.text
    assert spy.calls == 2 and spy.queries == 0  # the second: the candidate sentences
    # an ordinary question is embedded as a query
    extractive.query_vector("What does batch transform do?")
    assert spy.queries == 1


def test_a_pasted_item_far_from_whole_passages_is_answered_when_a_sentence_is_near_its_stem(
        ) -> None:
    strict = ExtractiveAnswerer(HashEmbedder(), max_sentences=6, min_dense=0.3)
    weak = [h.model_copy(update={"dense": 0.1}) for h in hits(SPOT_A, BATCH)]
    item = ("A team wants Managed Spot Training to cut training cost compared with On-Demand "
            "instances. Which solution meets these requirements?\n"
            "A. Use Managed Spot Training\nB. Use batch transform\nC. Use F1\nD. Use Pipe mode")
    assert strict.answer(item, weak).status == "answered"
    off_topic = ("Which English king had six wives?\nA. Henry VIII\nB. Edward I\n"
                 "C. Richard III\nD. George V")
    assert strict.answer(off_topic, weak).status == "not_found"


def test_an_option_gets_evidence_about_it_or_the_answer_says_there_is_none() -> None:
    from tutor import prompts

    textract = make_chunk("Amazon Textract is the document extraction service.",
                          source="domain-2/2.1-ai-services.md", heading="Textract")
    comprehend = make_chunk("Amazon Comprehend can pull fields out of scanned documents with the "
                            "least effort when they are text.",
                            source="domain-2/2.1-ai-services.md", heading="Comprehend")
    item = ("A company must pull form fields and tables out of scanned documents with the least "
            "effort. Which service should it use?\nA. Amazon Textract\nB. Amazon Comprehend\n"
            "C. A hot-air balloon over a glacier lake at dawn")
    answer = answerer().answer(item, hits(comprehend, textract))
    parts = dict(line.split(":** ", 1) for line in answer.text.split("\n\n") if ":** " in line)
    # the Comprehend sentence fits the scenario better, but option A names Textract
    assert parts["**A. Amazon Textract"].startswith("Amazon Textract is"), answer.text
    # nothing is near option C in meaning: it gets no evidence, and the answer says so
    assert not any(k.startswith("**C.") for k in parts), answer.text
    note = prompts.ANSWER_PRACTICE_NO_EVIDENCE.split("{")[0]
    assert note in answer.text and answer.text.split(note)[1].split(".")[0].endswith("C")


def test_a_pasted_item_no_option_is_close_to_still_gets_the_nearest_evidence() -> None:
    item = ("A team trains a model every night and wants to lower training cost. Which solution "
            "meets these requirements?\nA. Amazon Polly\nB. Amazon Lex\nC. Amazon Kendra\n"
            "D. Amazon Translate")
    answer = answerer().answer(item, hits(SPOT_A, BATCH))
    assert answer.status == "answered" and answer.citations, answer.text
