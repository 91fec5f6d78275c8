"""Query latency against the one-query-embedding floor, and how the index scales."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from evals.bench_common import hit_and_rr, median, percentile, timed, tree_mb
from tutor.config import Settings

MODES = ("dense", "bm25", "hybrid")


def latency(tutor: Any, questions: Sequence[dict[str, Any]], runs: int) -> dict[str, Any]:
    """p50/p95 per pass of: one query embedding, dense, BM25 and hybrid search, and a full
    extractive answer; figures are medians over passes, ratios are to the median query
    embedding of the same pass. Also hit@5/MRR@10 per mode, from the same searches."""
    tutor.ask(questions[0]["question"])  # open the index and warm the model once
    passes: list[dict[str, list[float]]] = []
    quality: dict[str, list[tuple[int, float]]] = {m: [] for m in MODES}
    for run in range(runs):
        times: dict[str, list[float]] = {k: [] for k in ("embed", *MODES, "answer")}
        for row in questions:
            q = row["question"]
            times["embed"].append(timed(tutor.embedder.embed_query, q)[0])
            for mode in MODES:
                seconds, hits = timed(tutor.search, q, k=10, mode=mode)
                times[mode].append(seconds)
                if run == 0:
                    quality[mode].append(hit_and_rr([h.chunk.source for h in hits], row["gold"]))
            times["answer"].append(timed(tutor.ask, q)[0])
        passes.append(times)
    out: dict[str, Any] = {"questions": len(questions), "passes": runs}
    for key in ("embed", *MODES, "answer"):
        p50 = [percentile(p[key], 50) for p in passes]
        p95 = [percentile(p[key], 95) for p in passes]
        floor = [percentile(p["embed"], 50) for p in passes]
        out[key] = {"p50_ms": 1000 * median(p50), "p95_ms": 1000 * median(p95),
                    "p50_x_embed": median([a / f for a, f in zip(p50, floor, strict=False)]),
                    "p95_x_embed": median([a / f for a, f in zip(p95, floor, strict=False)])}
    for mode in MODES:
        out[mode]["hit@5"] = 100 * sum(h for h, _ in quality[mode]) / len(questions)
        out[mode]["mrr@10"] = 100 * sum(r for _, r in quality[mode]) / len(questions)
    return out


def query_threads_ab(embedder: Any, questions: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One query embedding on all encoder threads versus on ``query_threads``, interleaved
    question by question (the fix for query latency on a busy machine); empty for an
    embedder that is neither local runtime (a test fake)."""
    from tutor.embed.cache import CachedEmbedder
    from tutor.embed.onnx_runtime import OnnxEmbedder
    from tutor.embed.torch_runtime import SentenceTransformerEmbedder

    inner = embedder.inner if isinstance(embedder, CachedEmbedder) else embedder
    if not isinstance(inner, OnnxEmbedder | SentenceTransformerEmbedder):
        return {}
    configured = inner.query_threads
    times: dict[str, list[float]] = {"all_threads": [], "query_threads": []}
    try:
        for row in questions:
            for key, value in (("all_threads", 0), ("query_threads", configured)):
                inner.query_threads = value
                times[key].append(timed(inner.embed_query, row["question"])[0])
    finally:
        inner.query_threads = configured
    out: dict[str, Any] = {"threads": configured}
    for key, values in times.items():
        out[key] = {"p50_ms": 1000 * percentile(values, 50),
                    "p95_ms": 1000 * percentile(values, 95)}
    return out


def replicate(src_home: Path, dst_home: Path, factor: int,
              settings_for: Callable[[Path], Settings]) -> dict[str, Any]:
    """Build an index of ``factor`` copies of the one at ``src_home`` (distinct ids and
    sources, the stored vectors re-used) through the real writer; time it and size it."""
    import numpy as np

    from tutor.index import generations as store

    src = settings_for(src_home)
    gen = store.current_name(src)
    assert gen is not None, "the source home has no index"
    manifest = store.read_manifest(src, gen)
    chunks = store.read_chunks(src, gen)
    vstore = store.open_store(src, gen)
    try:
        vectors = vstore.vectors([c.id for c in chunks])
    finally:
        vstore.close()
    all_chunks, files = [], {}
    for k in range(factor):
        prefix = "" if k == 0 else f"copy{k}/"
        for c in chunks:
            all_chunks.append(c if k == 0 else c.model_copy(
                update={"id": f"{c.id}-{k}", "source": prefix + c.source}))
        for source, rec in manifest.files.items():
            files[prefix + source] = rec.model_copy(
                update={"chunk_ids": [cid if k == 0 else f"{cid}-{k}" for cid in rec.chunk_ids]})
    dst = settings_for(dst_home)
    new_gen = store.new_name()
    new_manifest = manifest.model_copy(update={
        "generation": new_gen, "created": time.time(), "chunk_count": len(all_chunks),
        "files": files, "report": None})
    seconds, _ = timed(store.write_generation, dst, new_manifest, all_chunks,
                       np.tile(vectors, (factor, 1)))
    store.publish(dst, new_gen)
    return {"factor": factor, "chunks": len(all_chunks), "index_s": seconds,
            "index_mb": tree_mb(store.gens_dir(dst) / new_gen)}


def query_p95(tutor: Any, questions: Sequence[dict[str, Any]], runs: int) -> dict[str, float]:
    """p95 of each retrieval mode over the questions, median over passes."""
    tutor.search(questions[0]["question"])
    out = {}
    for mode in MODES:
        per_pass = []
        for _ in range(runs):
            per_pass.append(percentile(
                [timed(tutor.search, row["question"], mode=mode)[0] for row in questions], 95))
        out[f"{mode}_p95_ms"] = 1000 * median(per_pass)
    return out


def plot(points: list[dict[str, Any]], target: Path) -> Path:
    """Index time, index size and query p95 against corpus size, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = [p["factor"] for p in points]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    axes[0].plot(x, [p["index_s"] for p in points], "o-")
    axes[0].set_title("indexing time (s)")
    axes[1].plot(x, [p["index_mb"] for p in points], "o-")
    axes[1].set_title("index size (MB)")
    for mode in MODES:
        axes[2].plot(x, [p[f"{mode}_p95_ms"] for p in points], "o-", label=mode)
    axes[2].set_title("query p95 (ms)")
    axes[2].legend()
    for ax in axes:
        ax.set_xscale("log", base=2)
        ax.set_xticks(x, [f"{f}x" for f in x])
        ax.set_xlabel("copies of the corpus")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(target, dpi=110)
    plt.close(fig)
    return target
