"""Metric functions on small examples worked out by hand."""

from __future__ import annotations

import math

import pytest

from evals import metrics

RANKED = ["a.md", "b.md", "c.md", "d.md", "e.md"]


def test_distinct_keeps_first_occurrence_order() -> None:
    assert metrics.distinct(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]


def test_first_relevant_rank() -> None:
    assert metrics.first_relevant_rank(RANKED, ["c.md", "e.md"]) == 3
    assert metrics.first_relevant_rank(RANKED, ["z.md"]) is None


@pytest.mark.parametrize("n, expected", [(1, 0.0), (2, 0.0), (3, 1.0), (5, 1.0)])
def test_hit_at(n: int, expected: float) -> None:
    assert metrics.hit_at(RANKED, ["c.md"], n) == expected


def test_recall_counts_each_gold_item_once() -> None:
    # gold {b, e, z}: b is found within 2, b and e within 5, z never
    assert metrics.recall_at(RANKED, ["b.md", "e.md", "z.md"], 2) == pytest.approx(1 / 3)
    assert metrics.recall_at(RANKED, ["b.md", "e.md", "z.md"], 5) == pytest.approx(2 / 3)
    assert metrics.recall_at(RANKED, [], 5) == 0.0


def test_mrr_is_reciprocal_rank_within_cutoff() -> None:
    assert metrics.mrr_at(RANKED, ["d.md", "b.md"], 10) == 0.5
    assert metrics.mrr_at(RANKED, ["d.md"], 3) == 0.0
    assert metrics.mrr_at(RANKED, ["a.md"], 10) == 1.0


def test_ndcg_single_gold_at_rank_three() -> None:
    # DCG = 1/log2(4) = 0.5; the ideal puts the one gold item first: IDCG = 1
    assert metrics.ndcg_at(RANKED, ["c.md"], 10) == pytest.approx(0.5)


def test_ndcg_two_gold_items() -> None:
    # gold at ranks 2 and 3: DCG = 1/log2(3) + 1/log2(4); IDCG = 1 + 1/log2(3)
    dcg = 1 / math.log2(3) + 0.5
    idcg = 1 + 1 / math.log2(3)
    assert metrics.ndcg_at(RANKED, ["b.md", "c.md"], 10) == pytest.approx(dcg / idcg)
    assert metrics.ndcg_at(RANKED, ["a.md", "b.md"], 10) == pytest.approx(1.0)


def test_ndcg_ideal_is_capped_at_cutoff() -> None:
    # three gold items but a cut-off of 1: the ideal list holds only one of them
    assert metrics.ndcg_at(RANKED, ["a.md", "y.md", "z.md"], 1) == pytest.approx(1.0)
    assert metrics.ndcg_at(RANKED, ["b.md"], 1) == 0.0


def test_percentile_interpolates() -> None:
    values = [10.0, 20.0, 30.0, 40.0]
    assert metrics.percentile(values, 50) == pytest.approx(25.0)
    assert metrics.percentile(values, 95) == pytest.approx(38.5)
    assert metrics.percentile(values, 0) == 10.0
    assert metrics.percentile([], 50) == 0.0
    with pytest.raises(ValueError):
        metrics.percentile(values, 101)


def test_mean_and_rate() -> None:
    assert metrics.mean([1.0, 2.0, 6.0]) == 3.0
    assert metrics.mean([]) == 0.0
    assert metrics.rate([True, False, True, True]) == 0.75
    assert metrics.rate([]) == 0.0


MUST = [["Parquet", "ORC"], ["scanned", "scan"]]


def test_must_groups_pass_only_when_every_group_matches() -> None:
    assert metrics.passes("Store tables as **Parquet** so Athena SCANS less data.", MUST)
    assert metrics.missing_groups("Use ORC files.", MUST) == [1]
    assert not metrics.passes("Use ORC files.", MUST)
    assert metrics.missing_groups("nothing relevant", MUST) == [0, 1]


def test_matching_ignores_markup_case_and_line_breaks() -> None:
    assert metrics.contains("the `first\n  column` holds the label", "First column")
    assert not metrics.contains("anything", "  ")


def test_key_terms_are_the_alternatives_the_answer_contains() -> None:
    answer = "Parquet is columnar [1]. Queries scan only the needed columns [2]."
    assert metrics.key_terms(answer, MUST) == ["Parquet", "scan"]
    assert metrics.key_terms("unrelated", MUST) == []


def test_citation_precision_check() -> None:
    terms = ["Parquet", "scan"]
    assert metrics.cites_key_term("Athena charges for the data it scans.", terms)
    assert not metrics.cites_key_term("Glue crawlers infer schemas.", terms)


def test_quote_in_passage_ignores_markup_but_not_word_order() -> None:
    passage = "Use **Pipe mode** to stream data.\n\nIt starts faster."
    assert metrics.quote_in_passage("Use Pipe mode to stream data.", passage)
    assert not metrics.quote_in_passage("Use stream mode to pipe data.", passage)
    assert not metrics.quote_in_passage("", passage)


def test_quote_may_join_sentences_from_different_places() -> None:
    passage = "Pipe mode streams data. Unrelated line here. File mode copies it first."
    assert metrics.quote_in_passage("Pipe mode streams data. File mode copies it first.", passage)
    assert metrics.quote_in_passage("Pipe mode streams data \u2026 copies it first.", passage)
    assert not metrics.quote_in_passage("Pipe mode streams data. Pipe mode copies it.", passage)


def test_quote_may_leave_out_bracketed_asides() -> None:
    passage = "Spot capacity can be reclaimed (source: EC2 guide) with a two-minute warning."
    assert metrics.quote_in_passage("Spot capacity can be reclaimed with a two-minute warning.",
                                    passage)
    assert not metrics.quote_in_passage("Spot capacity is reclaimed with no warning.", passage)


def test_jaccard_and_duplicates() -> None:
    a, b, c = {"x", "y", "z"}, {"x", "y", "z", "w"}, {"p", "q"}
    assert metrics.jaccard(a, b) == 0.75
    assert metrics.jaccard(set(), set()) == 1.0
    # b repeats a at 0.75; c is new; the second a repeats the first exactly
    assert metrics.duplicate_positions([a, b, c, a], 0.75) == [1, 3]
    assert metrics.duplicate_positions([a, b, c], 0.8) == []


def test_length_ratio_and_key_longest() -> None:
    assert metrics.length_ratio(["abcd", "ab", "abcdefgh"]) == 4.0
    assert metrics.key_is_longest(["long answer", "no", "nope"], [True, False, False])
    assert not metrics.key_is_longest(["same", "size"], [True, False])
    assert not metrics.key_is_longest(["a", "bb"], [True, True])


@pytest.mark.parametrize("text, term", [
    ("Retention is seven days by default.", "7 days"),
    ("keep at least one instance", "at least 1"),
    ("Load-test one instance first.", "load test"),
    ("a loadtest of the endpoint", "load-test"),
    ("twenty-five requests", "25 requests"),
    ("the positive-label rate", "positive label"),
    ("a one-to-one mapping", "one to one"),
])
def test_number_words_and_compound_joins_state_the_same_fact(text: str, term: str) -> None:
    assert metrics.states(text, term)
    assert metrics.passes(text, [[term]])


@pytest.mark.parametrize("a, b", [("seven", "7"), ("load-test", "loadtest"), ("twenty one", "21")])
def test_equivalences_are_symmetric(a: str, b: str) -> None:
    assert metrics.states(a, b) and metrics.states(b, a)


@pytest.mark.parametrize("text, term", [
    ("scales to seventy instances", "7"),
    ("seventy days", "seven days"),
    ("seventeen days", "7 days"),
    ("catch vanishing gradients early", "VanishingGradient"),
    ("someone said so", "1"),
])
def test_near_wordings_that_are_other_facts_still_fail(text: str, term: str) -> None:
    assert not metrics.states(text, term)
    assert not metrics.passes(text, [[term]])


def test_key_terms_and_citation_check_use_the_equivalences() -> None:
    must = [["7 days"], ["load test"]]
    assert metrics.key_terms("Seven days; load-test it.", must) == ["7 days", "load test"]
    assert metrics.cites_key_term("Data is kept for seven days.", ["7 days"])
