"""The harness around the metrics: datasets, judging one answer, quiz checks, thresholds,
report files and comparison. Small hand-made inputs; the real runs are in test_eval_gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals import answers, cases, compare, quiz, report, retrieval, thresholds
from tests.conftest import AWS_DOCS, NOTES
from tests.quiz_data import (
    SUPPORT_TEXT,
    cite,
    make_chunk,
    mini_catalog,
    multiple_item,
    single_item,
)
from tutor.types import Answer, Chunk, Citation, Hit

# ---- datasets ------------------------------------------------------------------------------


def _write(path: Path, lines: list[object]) -> Path:
    path.write_text("".join(json.dumps(x) + "\n" if not isinstance(x, str) else x + "\n"
                            for x in lines))
    return path


def test_dataset_errors_name_the_line(tmp_path: Path) -> None:
    good = {"question": "q1", "gold": ["a.md"]}
    bad_json = _write(tmp_path / "a.jsonl", [good, "{not json"])
    with pytest.raises(cases.DatasetError, match=r"a\.jsonl:2"):
        cases.load_cases(bad_json, cases.RetrievalCase)
    no_gold = _write(tmp_path / "b.jsonl", [{"question": "q", "gold": []}])
    with pytest.raises(cases.DatasetError, match=r"b\.jsonl:1"):
        cases.load_cases(no_gold, cases.RetrievalCase)
    twice = _write(tmp_path / "c.jsonl", [good, {"question": " Q1 ", "gold": ["b.md"]}])
    with pytest.raises(cases.DatasetError, match="already"):
        cases.load_cases(twice, cases.RetrievalCase)
    empty_group = _write(tmp_path / "d.jsonl", [{"question": "q", "must": [["x"], []]}])
    with pytest.raises(cases.DatasetError):
        cases.load_cases(empty_group, cases.AnswerCase)
    with pytest.raises(cases.DatasetError, match="not found"):
        cases.load_cases(tmp_path / "nope.jsonl", cases.AnswerCase)


def test_bundled_dataset_found_by_name() -> None:
    loaded = cases.load_cases("answers.jsonl", cases.AnswerCase)
    assert cases.resolve("answers.jsonl") == cases.DATASETS_DIR / "answers.jsonl"
    assert len(loaded) >= 100


def test_gold_not_indexed() -> None:
    qs = [cases.RetrievalCase(question="q", gold=["a.md", "b.md"])]
    assert cases.gold_not_indexed(qs, {"a.md", "x.md"}) == ["b.md"]
    with pytest.raises(cases.DatasetError, match="none of the dataset"):
        cases.gold_not_indexed(qs, {"x.md"})


def test_answer_set_covers_all_twelve_tasks() -> None:
    loaded = cases.load_cases("answers.jsonl", cases.AnswerCase)
    per_task: dict[str, int] = {}
    for c in loaded:
        per_task[c.task or "?"] = per_task.get(c.task or "?", 0) + 1
    assert sorted(per_task) == ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3",
                                "3.1", "3.2", "3.3", "4.1", "4.2", "4.3"]
    assert min(per_task.values()) >= 5


def test_notes_gold_paths_exist() -> None:
    loaded = cases.load_cases("retrieval_notes.jsonl", cases.RetrievalCase)
    missing = [g for c in loaded for g in c.gold if not (NOTES / g).is_file()]
    assert missing == []


def test_awsdocs_gold_paths_exist() -> None:
    if not AWS_DOCS.is_dir():
        pytest.skip(f"{AWS_DOCS} is not present")
    loaded = cases.load_cases("retrieval_awsdocs.jsonl", cases.RetrievalCase)
    assert len(loaded) >= 150
    missing = [g for c in loaded for g in c.gold if not (AWS_DOCS / g).is_file()]
    assert missing == []


# ---- retrieval scoring ---------------------------------------------------------------------


def test_retrieval_score_of_one_ranked_list() -> None:
    got = retrieval.score(["x.md", "gold.md", "y.md"], ["gold.md", "other.md"], k=10)
    assert got["hit@1"] == 0.0 and got["hit@3"] == 1.0
    assert got["recall@10"] == 0.5
    assert got["mrr@10"] == 0.5
    # DCG = 1/log2(3); IDCG = 1 + 1/log2(3)
    assert got["ndcg@10"] == pytest.approx((1 / 1.5849625) / (1 + 1 / 1.5849625), rel=1e-6)


# ---- judging an answer ---------------------------------------------------------------------


def _hit(cid: str, text: str, rank: int) -> Hit:
    chunk = Chunk(id=cid, text=text, source=f"{cid}.md", title=cid, position=0,
                  content_hash=cid)
    return Hit(chunk=chunk, score=1.0 / rank, rank=rank)


def _citation(n: int, hit: Hit, quote: str) -> Citation:
    c = hit.chunk
    return Citation(n=n, chunk_id=c.id, source=c.source, title=c.title, quote=quote,
                    passage=c.text)


def test_judge_checks_validity_precision_and_quotes() -> None:
    h1 = _hit("c1", "Store tables as Parquet files. Athena scans less data.", 1)
    h2 = _hit("c2", "Glue crawlers infer table schemas.", 2)
    stranger = _hit("c9", "Parquet is columnar.", 9)
    case = cases.AnswerCase(question="Which format cuts Athena cost?",
                            must=[["Parquet"], ["scan", "scanned"]])
    answer = Answer(question=case.question,
                    text="Store tables as Parquet files. [1] Crawlers infer schemas. [2] "
                         "Parquet is columnar. [3]",
                    citations=[_citation(1, h1, "Store tables as Parquet files."),
                               _citation(2, h2, "Glue crawlers infer table schemas."),
                               _citation(3, stranger, "Parquet is row-based.")])
    row = answers.judge(case, answer, [h1, h2])
    assert not row["passed"] and row["missing_groups"] == [1]
    assert row["key_terms"] == ["Parquet"]
    assert [c["valid"] for c in row["citations"]] == [True, True, False]
    assert [c["has_key_term"] for c in row["citations"]] == [True, False, True]
    assert [c["quote_in_passage"] for c in row["citations"]] == [True, True, False]
    summary = answers.summarise([row], [0.01])
    assert summary["citation_validity"] == pytest.approx(2 / 3)
    assert summary["citation_precision"] == pytest.approx(2 / 3)
    assert summary["pass_rate"] == 0.0 and summary["not_found_rate"] == 0.0


def test_not_found_answers_count_and_have_no_precision() -> None:
    from tutor.answer.base import not_found

    case = cases.AnswerCase(question="q?", must=[["Parquet"]])
    row = answers.judge(case, not_found("q?"), [])
    assert row["not_found"] and not row["passed"] and row["citations"] == []
    summary = answers.summarise([row], [0.02])
    assert summary["not_found_rate"] == 1.0
    assert summary["cited_rate"] == 0.0  # no answered question to measure


# ---- quiz checks ---------------------------------------------------------------------------


def test_key_support_reads_the_cited_chunk() -> None:
    catalog = mini_catalog()
    item = single_item()  # key B, Serverless Inference, cited from SUPPORT_TEXT
    chunk = make_chunk(SUPPORT_TEXT)
    assert quiz.key_supported(item, catalog, {chunk.id: chunk})
    # the cited chunk is not in the corpus: it supports nothing
    assert not quiz.key_supported(item, catalog, {})
    # a cited passage that does not name the key does not support it
    other = make_chunk("Batch transform reads objects from S3 in bulk.")
    moved = item.model_copy(update={"citations": [cite(other, "Batch transform reads objects")]})
    assert not quiz.key_supported(moved, catalog, {other.id: other})


def test_duplicates_are_same_type_near_copies() -> None:
    a = single_item()
    b = a.model_copy(update={"id": "q-other", "stem": a.stem + " Choose one."})
    c = multiple_item()
    found = quiz.duplicates([a, c, b, a])
    assert found == {2, 3}


def test_balance_of_option_lengths() -> None:
    item = single_item()
    got = quiz.balance([item])
    lengths = [len(o.text) for o in item.options]
    assert got["option_length_ratio_mean"] == pytest.approx(max(lengths) / min(lengths))
    assert got["key_longest_chance"] == pytest.approx(1 / len(item.options))


# ---- thresholds, reports, compare ----------------------------------------------------------


def _report(kind: str = "answers", **metrics: float) -> dict:
    return {"kind": kind, "metrics": metrics, "dataset": {"sha256": "x", "questions": 1},
            "params": {}, "context": {"git": {"revision": "abc"}, "corpus": {"chunks": 5},
                                      "models": {}, "settings": {"k": 6}}}


def test_threshold_check() -> None:
    rules = {"pass_rate": {"min": 0.6}, "not_found_rate": {"max": 0.1}, "gone": {"min": 0.1}}
    failures = thresholds.check(_report(pass_rate=0.5, not_found_rate=0.2), rules)
    assert len(failures) == 3
    assert any("below" in f for f in failures) and any("above" in f for f in failures)
    assert any("missing" in f for f in failures)
    assert thresholds.check(_report(pass_rate=0.7, not_found_rate=0.0, gone=0.5), rules) == []


def test_thresholds_file_is_validated(tmp_path: Path) -> None:
    bad = tmp_path / "t.toml"
    bad.write_text('[answers]\npass_rate = { at_least = 0.5 }\n')
    with pytest.raises(thresholds.ThresholdError, match="pass_rate"):
        thresholds.load_thresholds(bad)


def test_report_round_trip_and_rejects_other_json(tmp_path: Path) -> None:
    path = report.save(_report(pass_rate=0.5), tmp_path / "r" / "a.json")
    assert report.load(path)["metrics"] == {"pass_rate": 0.5}
    (tmp_path / "x.json").write_text('{"hello": 1}')
    with pytest.raises(report.ReportError):
        report.load(tmp_path / "x.json")


def test_flatten_nests_by_mode() -> None:
    flat = report.flatten({"dense": {"hit@1": 0.5, "note": "x"}, "n": 3, "ok": True})
    assert flat == {"dense.hit@1": 0.5, "n": 3.0}


def test_compare_knows_which_direction_is_better() -> None:
    a = _report(pass_rate=0.5, not_found_rate=0.1, citation_precision=0.7)
    b = _report(pass_rate=0.6, not_found_rate=0.2, citation_precision=0.7)
    b["context"]["settings"]["k"] = 8
    result = compare.compare(a, b)
    verdicts = {r["metric"]: r["verdict"] for r in result["metrics"]}
    assert verdicts == {"pass_rate": "better", "not_found_rate": "worse",
                        "citation_precision": "same"}
    assert ("settings.k", 6, 8) in result["changes"]
    with pytest.raises(report.ReportError):
        compare.compare(a, _report("quiz"))
