"""Retrieval quality of the default runtime (onnx) against torch: `tutor eval retrieval` on
both datasets, cell by cell (every mode and quality metric), in points.

Each side gets its own index built by its own runtime from the same files: the onnx side
with an empty embedding cache, so that every document vector really comes from onnx (the
two runtimes share a cache key, their vectors being the same to 1e-4). The torch side may
start from a copy of an existing torch-built home's cache (``seed``), which saves embedding
the AWS docs again; its index is still rebuilt here, with this code's chunker. A third run
searches the torch-built index with onnx queries: an index built by torch stays searchable.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from evals.bench_common import AWS_DOCS, REPO
from evals.retrieval import MODES, metric_names

DATASETS = {"notes": (REPO / "corpus" / "notes", REPO / "evals" / "datasets" /
                      "retrieval_notes.jsonl"),
            "awsdocs": (AWS_DOCS, REPO / "evals" / "datasets" / "retrieval_awsdocs.jsonl")}
TOLERANCE = 0.5  # points (metrics are shares; one point is 0.01)
K = 10


def _home(root: Path, backend: str, corpus: Path, encoder_dir: Path,
          seed: Path | None) -> Any:
    """Settings of a home holding ``corpus`` indexed by ``backend`` (built once, kept)."""
    from ingest.job import run_ingest
    from tutor.config import load_settings
    from tutor.index import current_name

    settings = load_settings(home=root, embed_backend=backend, encoder_dir=encoder_dir)
    if current_name(settings) is None:
        if seed is not None and (seed / "cache").is_dir() and not settings.cache_dir.exists():
            shutil.copytree(seed / "cache", settings.cache_dir,
                            ignore=shutil.ignore_patterns("encoders"))
        run_ingest([corpus], settings, corpus=corpus.name)
    return settings


def _eval(settings: Any, dataset: Path) -> dict[str, Any]:
    from evals.cases import RetrievalCase, load_cases
    from evals.retrieval import run_retrieval
    from tutor.service import Tutor

    cases = load_cases(dataset, RetrievalCase)
    return run_retrieval(Tutor(settings), cases, dataset=str(dataset), k=K)


def cells(a: dict[str, Any], b: dict[str, Any]) -> dict[str, float]:
    """B - A in points for every mode and quality metric (latency left out)."""
    names = [n for n in metric_names(K) if not n.startswith("latency")]
    return {f"{mode}.{name}": round(100 * (b["metrics"][mode][name] - a["metrics"][mode][name]),
                                    3)
            for mode in MODES for name in names}


def compare(work: Path, encoder_dir: Path, out: Path, seeds: dict[str, Path],
            names: tuple[str, ...] = tuple(DATASETS)) -> dict[str, Any]:
    """For each dataset: torch, onnx and onnx-over-torch-index reports, and their cells."""
    from tutor.config import load_settings

    result: dict[str, Any] = {"tolerance_points": TOLERANCE}
    for name in names:
        corpus, dataset = DATASETS[name]
        torch_side = _home(work / f"{name}-torch", "torch", corpus, encoder_dir,
                           seeds.get(name))
        onnx_side = _home(work / f"{name}-onnx", "onnx", corpus, encoder_dir, None)
        cross = load_settings(home=torch_side.home, embed_backend="onnx",
                              encoder_dir=encoder_dir)
        reports = {"torch": _eval(torch_side, dataset), "onnx": _eval(onnx_side, dataset),
                   "onnx_on_torch_index": _eval(cross, dataset)}
        for label, report in reports.items():
            (out / f"retrieval-{name}-{label}.json").write_text(json.dumps(report, indent=1))
        entry: dict[str, Any] = {"questions": reports["torch"]["dataset"]["questions"]}
        for label in ("onnx", "onnx_on_torch_index"):
            diff = cells(reports["torch"], reports[label])
            worst = max(diff, key=lambda c: abs(diff[c]))
            entry[label] = {"cells": diff, "worst_cell": worst, "worst_points": diff[worst],
                            "within": all(abs(v) <= TOLERANCE for v in diff.values())}
        result[name] = entry
    return result


def rows(r: dict[str, Any], add: Any) -> None:
    """Summary rows of the runtimes section (see evals.bench.summary)."""
    rt = r.get("runtimes")
    if not rt:
        return
    for name in DATASETS:
        if name not in rt:
            continue
        for label, what in (("onnx", "eval onnx vs torch"),
                            ("onnx_on_torch_index", "eval onnx queries, torch index")):
            e = rt[name][label]
            add(f"{what}, {name}", f"{len(e['cells'])} cells, {rt[name]['questions']} questions",
                f"worst {e['worst_cell']} {e['worst_points']:+.2f} pt", e["within"],
                f"within +-{TOLERANCE} pt")
