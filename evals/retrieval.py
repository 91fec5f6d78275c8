"""Retrieval eval: does search bring back the gold pages, how high, and how fast.

Each question is searched once per mode for the top ``k`` chunks through ``Tutor.search``
(the path the CLI and UI use). The chunks' sources, deduplicated in rank order, form the
ranked list that is scored: a page's rank is the rank of its best chunk among the distinct
pages. So hit@5 asks "is a gold page among the first five distinct pages returned".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from evals import metrics
from evals.cases import RetrievalCase, dataset_info, gold_not_indexed
from evals.context import indexed_sources, run_context, tutor_models

MODES = ("dense", "bm25", "hybrid")
CUTOFFS = (1, 3, 5, 10)
RANKED_AT = 10  # MRR and nDCG cut-off


def metric_names(k: int) -> list[str]:
    """Names of the per-mode metrics, in display order."""
    return ([f"hit@{n}" for n in CUTOFFS] + [f"recall@{k}", f"mrr@{RANKED_AT}",
            f"ndcg@{RANKED_AT}", "latency_ms_mean", "latency_ms_p50", "latency_ms_p95"])


def score(ranked: Sequence[str], gold: Sequence[str], k: int) -> dict[str, float]:
    """The quality metrics of one ranked list of distinct sources."""
    out = {f"hit@{n}": metrics.hit_at(ranked, gold, n) for n in CUTOFFS}
    out[f"recall@{k}"] = metrics.recall_at(ranked, gold, len(ranked))
    out[f"mrr@{RANKED_AT}"] = metrics.mrr_at(ranked, gold, RANKED_AT)
    out[f"ndcg@{RANKED_AT}"] = metrics.ndcg_at(ranked, gold, RANKED_AT)
    return out


def summarise(rows: Sequence[dict[str, float]], seconds: Sequence[float], k: int
              ) -> dict[str, float]:
    """Means of the per-question metrics, and latency figures in milliseconds."""
    names = [n for n in metric_names(k) if not n.startswith("latency")]
    out = {n: metrics.mean([r[n] for r in rows]) for n in names}
    ms = [s * 1000 for s in seconds]
    out["latency_ms_mean"] = metrics.mean(ms)
    out["latency_ms_p50"] = metrics.percentile(ms, 50)
    out["latency_ms_p95"] = metrics.percentile(ms, 95)
    return out


def _group_means(cases: Sequence[RetrievalCase], per_q: Sequence[dict[str, Any]], mode: str,
                 attr: str) -> dict[str, dict[str, float]]:
    groups: dict[str, list[dict[str, float]]] = {}
    for case, row in zip(cases, per_q, strict=False):
        key = getattr(case, attr)
        if key is not None:
            groups.setdefault(key, []).append(row["modes"][mode]["scores"])
    return {key: {"questions": len(rows), "hit@5": metrics.mean([r["hit@5"] for r in rows]),
                  f"mrr@{RANKED_AT}": metrics.mean([r[f"mrr@{RANKED_AT}"] for r in rows])}
            for key, rows in sorted(groups.items())}


def run_retrieval(tutor: Any, cases: Sequence[RetrievalCase], *, dataset: str, k: int = 10,
                  modes: Sequence[str] = MODES,
                  progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Search every question in every mode and return the report (see the README, section Evals).

    ``progress`` is called with 1 after each question. Raises DatasetError when the index
    holds none of the gold sources.
    """
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        raise ValueError(f"unknown retrieval mode(s) {unknown}; use {', '.join(MODES)}")
    context = run_context(tutor.settings, tutor_models(tutor))  # fails first on an empty index
    missing = gold_not_indexed(cases, indexed_sources(tutor.settings))
    for mode in modes:
        # The first search loads the model and opens the index; keep that out of the timings.
        tutor.search(cases[0].question, k=k, mode=mode)
    per_q: list[dict[str, Any]] = []
    seconds: dict[str, list[float]] = {m: [] for m in modes}
    for case in cases:
        row: dict[str, Any] = {"question": case.question, "gold": case.gold, "task": case.task,
                               "service": case.service, "half": case.half, "modes": {}}
        for mode in modes:
            start = time.perf_counter()
            hits = tutor.search(case.question, k=k, mode=mode)
            took = time.perf_counter() - start
            seconds[mode].append(took)
            # a concept card stands for the note it cites (Chunk.page_source): its citation
            # links there
            ranked = metrics.distinct(h.chunk.page_source for h in hits)
            row["modes"][mode] = {"sources": ranked,
                                  "first_gold_rank": metrics.first_relevant_rank(ranked, case.gold),
                                  "scores": score(ranked, case.gold, k),
                                  "ms": round(took * 1000, 2)}
        per_q.append(row)
        if progress is not None:
            progress(1)
    results = {m: summarise([r["modes"][m]["scores"] for r in per_q], seconds[m], k)
               for m in modes}
    breakdown = {m: {"by_task": _group_means(cases, per_q, m, "task"),
                     "by_service": _group_means(cases, per_q, m, "service"),
                     "by_half": _group_means(cases, per_q, m, "half")} for m in modes}
    return {
        "kind": "retrieval",
        "dataset": {**dataset_info(dataset, len(cases)), "gold_not_indexed": missing},
        "params": {"k": k, "modes": list(modes)},
        "context": context,
        "metrics": results,
        "breakdown": breakdown,
        "questions": per_q,
    }
