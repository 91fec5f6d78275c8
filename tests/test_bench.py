"""Smoke test of the benchmark machinery on a few aws-docs pages with the hash embedder.

It checks the structure and the arithmetic of the figures, never how fast anything is.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from evals import bench, bench_common, bench_encoder, bench_query
from evals.retrieval import MODES, metric_names


@pytest.fixture
def tiny(tmp_path: Path, hash_embedder):
    """Five aws-docs pages ingested with the hash embedder, and the questions about them."""
    from ingest.job import run_ingest
    from tutor.config import load_settings

    corpus = bench_common.quick_corpus(tmp_path / "aws-docs", 5)
    home = tmp_path / "home"
    report = run_ingest([corpus], load_settings(home=home), embedder=hash_embedder)
    pages = {f.path for f in report.files}
    questions = bench_common.load_questions(pages)
    assert report.chunks_total > 0 and questions
    return corpus, home, questions, report


def test_statistics() -> None:
    sample = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert bench_common.median(sample) == 3.0
    assert bench_common.percentile(sample, 50) == 3.0
    assert bench_common.percentile(sample, 95) == 5.0
    assert bench_common.percentile(sample, 1) == 1.0
    assert bench_common.percentile(list(range(1, 201)), 95) == 190
    assert bench_common.hit_and_rr(["a", "b", "g"], ["g"]) == (1, pytest.approx(1 / 3))
    assert bench_common.hit_and_rr(["a"] * 5 + ["g"], ["g"]) == (0, pytest.approx(1 / 6))
    assert bench_common.hit_and_rr(["a", "b"], ["g"]) == (0, 0.0)


def test_quick_corpus_keeps_gold_pages_and_their_manifest(tmp_path: Path) -> None:
    corpus = bench_common.quick_corpus(tmp_path / "c", 7)
    pages = sorted(p.relative_to(corpus).as_posix() for p in corpus.rglob("*.md"))
    assert len(pages) == 7
    rows = [json.loads(line) for line in (corpus / "manifest.jsonl").read_text().splitlines()]
    assert sorted(r["path"] for r in rows) == pages
    first_gold = bench_common.load_questions()[0]["gold"]
    assert set(first_gold) <= set(pages)


def test_latency_figures_and_retrieval_quality(tiny, hash_embedder) -> None:
    from tutor.config import load_settings
    from tutor.service import Tutor

    _, home, questions, _ = tiny
    out = bench_query.latency(Tutor(load_settings(home=home), embedder=hash_embedder),
                              questions, runs=2)
    assert out["questions"] == len(questions) and out["passes"] == 2
    for key in ("embed", "dense", "bm25", "hybrid", "answer"):
        assert 0 < out[key]["p50_ms"] <= out[key]["p95_ms"]
        assert out[key]["p95_x_embed"] > 0
    for mode in bench_query.MODES:
        assert 0 <= out[mode]["hit@5"] <= 100 and 0 <= out[mode]["mrr@10"] <= 100
    # every question's gold page is in this corpus, so BM25 finds some of them
    assert out["bm25"]["hit@5"] > 0


def test_replicate_builds_a_servable_index_of_copies(tiny, tmp_path: Path, hash_embedder) -> None:
    from tutor.config import load_settings
    from tutor.index.snapshot import Snapshot
    from tutor.service import Tutor

    _, home, questions, report = tiny
    points = []
    for factor in (1, 4):
        dst = tmp_path / f"x{factor}"
        point = bench_query.replicate(home, dst, factor, lambda h: load_settings(home=h))
        assert point["chunks"] == factor * report.chunks_total and point["index_mb"] > 0
        snap = Snapshot.open_current(load_settings(home=dst), hash_embedder.model_id)
        snap.verify()
        assert len({c.source for c in snap.chunks.values()}) == factor * len(
            {c.source for c in Snapshot.open_current(load_settings(home=home)).chunks.values()})
        point.update(bench_query.query_p95(Tutor(load_settings(home=dst), embedder=hash_embedder),
                                           questions, runs=1))
        points.append(point)
    assert points[1]["index_mb"] > points[0]["index_mb"]
    png = bench_query.plot(points, tmp_path / "scale.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_encoder_helpers_with_the_hash_embedder(tiny, tmp_path: Path, hash_embedder) -> None:
    corpus, _, questions, _ = tiny
    from tutor.config import load_settings

    texts, sources = bench._chunk_texts(corpus, load_settings(), hash_embedder)
    assert len(texts) == len(sources) > 0
    arrival, grouped = bench_encoder.padding_overhead(hash_embedder, texts, 4, 256)
    assert 0 <= grouped <= arrival
    q = bench_encoder.quality(hash_embedder, texts, sources, questions, tmp_path / "vec")
    assert q["questions"] == len(questions) and 0 <= q["mrr@10"] <= 100
    before = hash_embedder.encoded
    bench_encoder.quality(hash_embedder, texts, sources, questions, tmp_path / "vec")
    assert hash_embedder.encoded == before  # second pass served from the vector cache


def _result(ingest_s: float, raw_s: float, reingest_s: float, lc_s: float) -> dict:
    runs = [{"ingest_s": ingest_s, "raw_s": raw_s, "reingest_s": reingest_s, "chunks": 100,
             "files": 10}]
    return {"date": "d", "quick": True, "backend": "onnx",
            "machine_start": {"cpu": "c", "cores": 2, "load_average": [1.0]},
            "ingest": {"runs": runs, "peak_rss_mb_ingest": 900.0},
            "langchain": {"runs": [{"seconds": lc_s, "chunks": 120, "files": 10}]}}


def test_summary_ratios_and_targets() -> None:
    rows = {r[0]: r for r in bench.summary(_result(10.0, 9.0, 0.25, 20.0))}
    assert rows["ingest vs raw encoder (onnx)"][2] == "0.90 of raw"
    assert rows["ingest vs raw encoder (onnx)"][3].endswith("yes")
    assert rows["re-ingest unchanged (onnx)"][2] == "40x faster"
    assert rows["ingest vs LangChain (onnx)"][2] == "2.00x"
    assert rows["ingest peak RSS (onnx)"][3].endswith("yes")
    slow = {r[0]: r for r in bench.summary(_result(10.0, 5.0, 1.0, 12.0))}
    assert slow["ingest vs raw encoder (onnx)"][3].endswith("NO")
    assert slow["re-ingest unchanged (onnx)"][3].endswith("NO")
    assert slow["ingest vs LangChain (onnx)"][3].endswith("NO")
    table = bench.markdown(_result(10.0, 9.0, 0.25, 20.0))
    assert table.count("\n") == len(rows) + 1


def _serving(ask_s: list[float], floor_s: list[float], ask_rss: float, first_s: float,
             app_rss: float) -> dict:
    ratios = [a / f for a, f in zip(ask_s, floor_s, strict=True)]
    part = {"seconds": ask_s, "peak_rss_mb": ask_rss, "ratio": bench_common.median(ratios),
            "answered": True}
    return {"date": "d", "quick": True, "backend": "onnx",
            "machine_start": {"cpu": "c", "cores": 2, "load_average": [1.0]},
            "cold": {"load_average": [1.0], "floor": {"seconds": floor_s, "peak_rss_mb": 190.0},
                     "cli": part, "library": part, "ui": part},
            "app": {"first_answer_s": first_s, "later_p50_s": 0.2, "start_to_page_s": 4.0,
                    "questions": 20, "answered": 20, "peak_rss_mb": app_rss,
                    "load_average": [1.0]}}


def test_serving_rows_divide_by_the_floor_of_the_same_turn() -> None:
    fast = {r[0]: r for r in bench.summary(_serving([1.4, 3.0], [1.0, 2.0], 300, 1.2, 650))}
    assert fast["cold start, tutor ask"][2] == "1.45x floor"  # median of 1.4 and 1.5
    assert fast["cold start, tutor ask"][3] == "<=1.5x yes"
    assert fast["tutor ask peak RSS"][3] == "<=400 MB yes"
    assert fast["app first answer"][3] == "<=1.5 s yes"
    assert fast["app peak RSS after 20 questions"][3] == "<=700 MB yes"
    slow = {r[0]: r for r in bench.summary(_serving([2.0, 4.0], [1.0, 2.0], 450, 2.5, 900))}
    for row in ("cold start, tutor ask", "tutor ask peak RSS", "app first answer",
                "app peak RSS after 20 questions"):
        assert slow[row][3].endswith("NO"), row


def test_runtime_comparison_is_cell_by_cell_in_points() -> None:
    from evals import bench_runtimes

    names = [n for n in metric_names(10) if not n.startswith("latency")]
    a = {"metrics": {m: dict.fromkeys(names, 0.8) for m in MODES}}
    b = {"metrics": {m: dict.fromkeys(names, 0.8) for m in MODES}}
    b["metrics"]["hybrid"]["mrr@10"] = 0.806
    cells = bench_runtimes.cells(a, b)
    assert len(cells) == len(MODES) * len(names)
    assert cells["hybrid.mrr@10"] == pytest.approx(0.6)
    assert all(v == 0 for k, v in cells.items() if k != "hybrid.mrr@10")
    entry = {"cells": cells, "worst_cell": "hybrid.mrr@10", "worst_points": 0.6,
             "within": False}
    rows = {r[0]: r for r in bench.summary({
        "date": "d", "quick": True, "backend": "onnx",
        "machine_start": {"cpu": "c", "cores": 2, "load_average": [1.0]},
        "runtimes": {"notes": {"questions": 130, "onnx": entry, "onnx_on_torch_index": entry}}})}
    assert rows["eval onnx vs torch, notes"][2] == "worst hybrid.mrr@10 +0.60 pt"
    assert rows["eval onnx vs torch, notes"][3].endswith("NO")


@pytest.mark.server
def test_cold_starts_run_each_process_against_the_floor(notes_home: Path,
                                                        tmp_path: Path) -> None:
    from evals import bench_serve
    from tests.conftest import ENCODERS

    home = tmp_path / "home"
    shutil.copytree(notes_home, home)
    out = bench_serve.cold_starts(home, ENCODERS, "onnx", bench_serve.first_question(), 1)
    for name in ("floor", "cli", "library", "ui"):
        assert len(out[name]["seconds"]) == 1 and out[name]["seconds"][0] > 0
        assert out[name]["peak_rss_mb"] > 50
    for name in ("cli", "library", "ui"):
        assert out[name]["answered"], name
        assert out[name]["ratio"] == pytest.approx(out[name]["seconds"][0]
                                                   / out["floor"]["seconds"][0])
        assert out[name]["cpu_ratio"] == pytest.approx(out[name]["cpu_s"][0]
                                                       / out["floor"]["cpu_s"][0])
    assert not out["library"]["torch_loaded"] and not out["ui"]["torch_loaded"]
