"""The encoder floor: throughput of each runtime on the same chunk texts, and whether a
faster one keeps retrieval quality (dense hit@5 and MRR@10 over the aws-docs questions)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from evals.bench_common import hit_and_rr, median, timed, timed_cpu

BACKENDS = ("torch", "onnx", "onnx-int8")


def encoders(batch_size: int, threads: int, encoder_dir: Path) -> dict[str, Any]:
    """One uncached encoder per runtime, each built as make_embedder would build it."""
    from tutor.embed.onnx_runtime import OnnxEmbedder
    from tutor.embed.torch_runtime import SentenceTransformerEmbedder

    return {
        "torch": SentenceTransformerEmbedder(batch_size=batch_size, threads=threads),
        "onnx": OnnxEmbedder(batch_size=batch_size, threads=threads, export_root=encoder_dir),
        "onnx-int8": OnnxEmbedder(quantize=True, batch_size=batch_size, threads=threads,
                                  export_root=encoder_dir),
    }


def padding_overhead(embedder: Any, texts: Sequence[str], batch_size: int, group: int) -> float:
    """Padded positions / real positions when texts are batched in arrival order versus
    sorted by length within groups of ``group`` (what ingest hands the encoder at once)."""
    lengths = [n + 2 for n in embedder.count_tokens(texts)]
    window = embedder.window

    def cost(order: list[int]) -> int:
        return sum(min(window, max(lengths[i] for i in order[s:s + batch_size]))
                   * len(order[s:s + batch_size]) for s in range(0, len(order), batch_size))

    sorted_groups: list[int] = []
    for start in range(0, len(lengths), group):
        idx = list(range(start, min(start + group, len(lengths))))
        sorted_groups += sorted(idx, key=lambda i: -lengths[i])
    real = sum(min(window, n) for n in lengths)
    return cost(list(range(len(lengths)))) / real - 1, cost(sorted_groups) / real - 1


def throughput(encs: dict[str, Any], texts: Sequence[str], rounds: int) -> dict[str, Any]:
    """Chunks per second of each runtime; rounds interleave the runtimes so that drift in
    machine load hits all of them alike. Ratios are to torch within each round."""
    for enc in encs.values():
        load_s, _ = timed(enc.embed_query, "warm up")
        enc.load_s = load_s
    seconds: dict[str, list[float]] = {name: [] for name in encs}
    cpu: dict[str, list[float]] = {name: [] for name in encs}
    for _ in range(rounds):
        for name, enc in encs.items():
            wall, used, _ = timed_cpu(enc.embed_documents, list(texts))
            seconds[name].append(wall)
            cpu[name].append(used)
    out: dict[str, Any] = {}
    for name, enc in encs.items():
        ratios = [t / s for t, s in zip(seconds["torch"], seconds[name], strict=False)]
        cpu_ratios = [t / s for t, s in zip(cpu["torch"], cpu[name], strict=False)]
        out[name] = {"chunks_per_s": len(texts) / median(seconds[name]),
                     "speedup_vs_torch": median(ratios), "seconds": seconds[name],
                     "cpu_speedup_vs_torch": median(cpu_ratios), "cpu_s": cpu[name],
                     "first_load_s": enc.load_s, "model_id": enc.model_id}
    return out


def fidelity(encs: dict[str, Any], texts: Sequence[str]) -> dict[str, float]:
    """Lowest and mean cosine of each runtime's vectors to torch's on the same texts."""
    ref = encs["torch"].embed_documents(list(texts))
    out = {}
    for name, enc in encs.items():
        cos = (enc.embed_documents(list(texts)) * ref).sum(1)
        out[name] = {"min_cosine": float(cos.min()), "mean_cosine": float(cos.mean())}
    return out


def quality(encoder: Any, texts: Sequence[str], sources: Sequence[str],
            questions: Sequence[dict[str, Any]], cache_dir: Path) -> dict[str, float]:
    """Exact dense retrieval over all chunk vectors: a gold page in the top-5 chunks (hit@5)
    and the reciprocal rank of the first gold chunk within the top 10 (MRR@10).

    Vectors go through the embedding cache at ``cache_dir``, so later runs re-use them.
    """
    from tutor.embed.cache import CachedEmbedder

    cached = CachedEmbedder(encoder, cache_dir)
    try:
        vectors = cached.embed_documents(list(texts))
    finally:
        cached.close()
    hits, rr = [], []
    for row in questions:
        scores = vectors @ encoder.embed_query(row["question"])
        top = np.argsort(-scores)[:10]
        h, r = hit_and_rr([sources[i] for i in top], row["gold"])
        hits.append(h)
        rr.append(r)
    return {"hit@5": 100 * float(np.mean(hits)), "mrr@10": 100 * float(np.mean(rr)),
            "questions": len(questions)}
