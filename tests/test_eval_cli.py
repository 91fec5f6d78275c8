"""`tutor eval` through the installed command, in real processes, over the indexed notes.

BM25 mode and the quiz need no embedding model, so these runs stay quick; the dense and
answer paths are exercised in-process by test_eval_gate.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli import run

NOTES_SET = "evals/datasets/retrieval_notes.jsonl"


def test_retrieval_report_files_and_compare(notes_home: Path, tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[1]
    dataset = str(repo / NOTES_SET)
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    out = run(["eval", "retrieval", "--dataset", dataset, "--mode", "bm25", "--out", str(a)],
              notes_home)
    assert "hit@5" in out.stdout
    run(["eval", "retrieval", "--dataset", dataset, "--mode", "bm25", "--k", "3",
         "--out", str(b)], notes_home)
    report = json.loads(a.read_text())
    assert report["kind"] == "retrieval" and report["params"] == {"k": 10, "modes": ["bm25"]}
    ctx = report["context"]
    assert ctx["corpus"]["documents"] >= 60 and ctx["corpus"]["chunks"] > 0
    assert ctx["models"]["embedder"] and "revision" in ctx["git"]
    first = report["questions"][0]
    ranked = first["modes"]["bm25"]["sources"]
    assert len(ranked) == len(set(ranked)) >= 1
    assert a.with_suffix(".md").read_text().startswith("# Retrieval eval")

    diff = json.loads(run(["eval", "compare", str(a), str(b), "--json"], notes_home).stdout)
    rows = {r["metric"]: r for r in diff["metrics"]}
    # a top-3 search can only find fewer gold pages than a top-10 one
    assert rows["bm25.hit@10"]["delta"] <= 0
    assert ("params.k", 10, 3) in [tuple(c) for c in diff["changes"]]
    table = run(["eval", "compare", str(a), str(b)], notes_home).stdout
    assert "bm25.hit@10" in table


def test_retrieval_half_keeps_only_that_half(notes_home: Path, tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[1]
    lines = [json.loads(x) for x in (repo / NOTES_SET).read_text().splitlines()[:6]]
    halved = tmp_path / "halved.jsonl"
    halved.write_text("".join(json.dumps({**x, "half": "AB"[i % 2]}) + "\n"
                              for i, x in enumerate(lines)))
    out = tmp_path / "a.json"
    run(["eval", "retrieval", "--dataset", str(halved), "--mode", "bm25", "--half", "B",
         "--out", str(out)], notes_home)
    report = json.loads(out.read_text())
    assert report["params"]["half"] == "B" and report["dataset"]["questions"] == 3
    assert {q["question"] for q in report["questions"]} == {x["question"] for x in lines[1::2]}
    assert list(report["breakdown"]["bm25"]["by_half"]) == ["B"]
    proc = run(["eval", "retrieval", "--dataset", str(halved), "--half", "C"], notes_home,
               check=False)
    assert proc.returncode == 2 and "--half" in proc.stderr
    proc = run(["eval", "retrieval", "--dataset", str(repo / NOTES_SET), "--mode", "bm25",
                "--half", "A"], notes_home, check=False)
    assert proc.returncode == 2 and "no questions marked half A" in proc.stderr


def test_quiz_writes_items_for_reading(notes_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "quiz.json"
    run(["eval", "quiz", "--source", "offline", "--per-domain", "2", "--out", str(out)],
        notes_home)
    report = json.loads(out.read_text())
    assert report["counts"]["items"] == len(report["items"]) == 8
    items_md = (tmp_path / "quiz-items.md").read_text()
    assert items_md.count("\n## ") == 8
    proc = run(["eval", "quiz", "--source", "magic"], notes_home, check=False)
    assert proc.returncode == 2 and "--source" in proc.stderr


def test_clear_errors(tmp_path: Path, notes_home: Path) -> None:
    empty = tmp_path / "empty-home"
    proc = run(["eval", "retrieval", "--dataset", "retrieval_notes.jsonl"], empty, check=False)
    assert proc.returncode == 1 and "nothing is indexed" in proc.stderr
    proc = run(["eval", "retrieval", "--dataset", "retrieval_awsdocs.jsonl", "--mode", "bm25"],
               notes_home, check=False)
    assert proc.returncode == 2 and "none of the dataset" in proc.stderr
    proc = run(["eval", "answers", "--dataset", str(tmp_path / "missing.jsonl")], notes_home,
               check=False)
    assert proc.returncode == 2 and "not found" in proc.stderr
    proc = run(["eval", "compare", str(tmp_path / "a.json"), str(tmp_path / "b.json")],
               notes_home, check=False)
    assert proc.returncode == 2 and "not found" in proc.stderr
