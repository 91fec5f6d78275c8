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


QUESTION_TYPES = {"definition", "comparison", "choose", "procedure", "figure", "troubleshooting",
                  "list", "practice"}
# Three paraphrase alternatives from the original 200 questions that are not verbatim in the
# notes; each sits in a group that also has a verbatim alternative ("a single input file",
# "two to fifteen", "one year"), so an extractive answer can still pass.
NOT_VERBATIM = {"one input file", "2 to 15", "1 year"}


# the tuning set and the held-out set (written later, never tuned on: README, Datasets)
ANSWER_SETS = ("answers.jsonl", "answers_holdout.jsonl")


def test_the_held_out_set_asks_nothing_the_tuning_set_asks() -> None:
    tuning = {" ".join(c.question.lower().split())
              for c in cases.load_cases("answers.jsonl", cases.AnswerCase)}
    held = cases.load_cases("answers_holdout.jsonl", cases.AnswerCase)
    assert len(held) >= 48 and len({c.task for c in held}) == 12
    assert [c.question for c in held if " ".join(c.question.lower().split()) in tuning] == []
    assert {c.type for c in held} == QUESTION_TYPES - {"practice"}


def _notes_text() -> str:
    from evals.metrics import match_form

    return match_form("\n".join(p.read_text(encoding="utf-8") for p in NOTES.rglob("*.md")))


def _stem(case: cases.AnswerCase) -> str:
    """A practice item's scenario: the pasted text before its first option."""
    assert case.options
    return case.question[:case.question.index(case.options["A"])]


def test_answer_lines_have_a_question_type() -> None:
    loaded = cases.load_cases("answers.jsonl", cases.AnswerCase)
    assert [c.question for c in loaded if c.type not in QUESTION_TYPES] == []
    per_type: dict[str, int] = {}
    for c in loaded:
        per_type[c.type or "?"] = per_type.get(c.type or "?", 0) + 1
    assert set(per_type) == QUESTION_TYPES
    assert min(per_type.values()) >= 15, per_type


@pytest.mark.parametrize("dataset", ANSWER_SETS)
def test_answer_terms_are_verbatim_in_the_notes(dataset: str) -> None:
    """Every must alternative and entity alternative occurs in corpus/notes as the metric
    matches it (case, Markdown emphasis and code marks ignored)."""
    from evals.metrics import match_form

    notes = _notes_text()
    loaded = cases.load_cases(dataset, cases.AnswerCase)
    missing = [(c.question, alt) for c in loaded
               for group in c.must + (c.entities or []) for alt in group
               if match_form(alt) not in notes and alt not in NOT_VERBATIM]
    assert missing == []


@pytest.mark.parametrize("dataset", ANSWER_SETS)
def test_no_must_group_is_answered_by_the_question(dataset: str) -> None:
    """Echoing the question passes no group. For a practice item the options are part of the
    pasted text, so the check is on its scenario (the stem) only."""
    from evals.metrics import missing_groups

    loaded = cases.load_cases(dataset, cases.AnswerCase)
    echoed = []
    for c in loaded:
        text = _stem(c) if c.type == "practice" else c.question
        satisfied = set(range(len(c.must))) - set(missing_groups(text, c.must))
        echoed += [(c.question, c.must[i]) for i in sorted(satisfied)]
    assert echoed == []


@pytest.mark.parametrize("dataset", ANSWER_SETS)
def test_comparisons_name_their_entities(dataset: str) -> None:
    loaded = cases.load_cases(dataset, cases.AnswerCase)
    bad = [c.question for c in loaded if c.type == "comparison"
           and (not c.entities or len(c.entities) < 2 or any(not g for g in c.entities))]
    assert bad == []
    assert all(c.entities is None for c in loaded if c.type != "comparison")


def test_practice_items_have_options_and_a_supported_key() -> None:
    """Options A-D appear in the pasted question after their letter; the key's option holds an
    alternative of every must-group and no other option holds one (the distinctive term)."""
    from evals.metrics import contains

    loaded = cases.load_cases("answers.jsonl", cases.AnswerCase)
    practice = [c for c in loaded if c.type == "practice"]
    assert practice
    for c in practice:
        assert c.options and sorted(c.options) == ["A", "B", "C", "D"], c.question
        assert c.key in c.options, c.question
        for letter, text in c.options.items():
            assert f"{letter}. {text}" in c.question, (c.question, letter)
        for group in c.must:
            assert any(contains(c.options[c.key], alt) for alt in group), (c.question, group)
            for letter, text in c.options.items():
                if letter != c.key:
                    assert not any(contains(text, alt) for alt in group), (c.question, letter)
    assert all(c.options is None and c.key is None for c in loaded if c.type != "practice")


def test_answer_types_cover_every_task() -> None:
    loaded = cases.load_cases("answers.jsonl", cases.AnswerCase)
    tasks = {c.task for c in loaded}
    assert len(tasks) == 12
    for t in QUESTION_TYPES:
        covered = {c.task for c in loaded if c.type == t}
        assert len(covered) >= 6, (t, sorted(covered))


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


REAL_SERVICES = {"sagemaker", "glue", "kinesis-data-streams", "firehose", "step-functions", "s3",
                 "iam", "kms", "cloudwatch", "lambda"}
RESERVED_REPOS = ("aws/sagemaker-python-sdk", "aws/amazon-sagemaker-examples", "aws/aws-cdk")


def test_real_questions_set_is_well_formed() -> None:
    loaded = cases.load_cases("retrieval_real.jsonl", cases.RetrievalCase)
    assert len(loaded) >= 110
    lines = cases.resolve("retrieval_real.jsonl").read_text(encoding="utf-8").splitlines()
    assert len([x for x in lines if x.strip()]) == len(loaded)
    per: dict[tuple[str, str], int] = {}
    urls = set()
    for c in loaded:
        assert c.service in REAL_SERVICES and c.half in ("A", "B")
        assert c.source_url and c.source_url.startswith("https://github.com/")
        owner_repo = "/".join(c.source_url.removeprefix("https://github.com/").split("/")[:2])
        assert owner_repo.lower() not in RESERVED_REPOS, c.source_url  # kept for independent checks
        assert c.source_url not in urls, c.source_url
        urls.add(c.source_url)
        per[(c.service, c.half)] = per.get((c.service, c.half), 0) + 1
    halves = {h: sum(n for (_, hh), n in per.items() if hh == h) for h in "AB"}
    assert abs(halves["A"] - halves["B"]) <= 1
    for service in REAL_SERVICES:
        a, b = per.get((service, "A"), 0), per.get((service, "B"), 0)
        assert a + b >= 6 and abs(a - b) <= 1, service
    assert max(REAL_SERVICES, key=lambda s: per.get((s, "A"), 0) + per.get((s, "B"), 0)) \
        == "sagemaker"


def test_real_questions_gold_paths_exist() -> None:
    if not AWS_DOCS.is_dir():
        pytest.skip(f"{AWS_DOCS} is not present")
    loaded = cases.load_cases("retrieval_real.jsonl", cases.RetrievalCase)
    missing = [g for c in loaded for g in c.gold if not (AWS_DOCS / g).is_file()]
    assert missing == []


def test_langchain_baseline_scores_distinct_sources_by_half() -> None:
    from types import SimpleNamespace

    from evals import langchain_baseline

    class Store:
        def similarity_search(self, question: str, k: int) -> list[SimpleNamespace]:
            order = ["x.md", "x.md", "a.md"] if question == "q1" else ["b.md", "y.md"]
            return [SimpleNamespace(metadata={"source": s}) for s in order][:k]

    qs = [cases.RetrievalCase(question="q1", gold=["a.md"], service="s3", half="A"),
          cases.RetrievalCase(question="q2", gold=["b.md"], service="s3", half="B")]
    got = langchain_baseline.run(Store(), qs, k=10)
    assert got["questions"][0]["sources"] == ["x.md", "a.md"]
    assert got["breakdown"]["by_half"]["A"]["mrr@10"] == 0.5
    assert got["breakdown"]["by_half"]["B"]["hit@1"] == 1.0
    assert got["metrics"]["mrr@10"] == 0.75
    assert got["breakdown"]["by_service"]["s3"]["questions"] == 2


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
