"""Naive LangChain retrieval baseline on a retrieval dataset, for comparison with `tutor eval`.

The pipeline is the one evals/bench_worker.py times (what a user would write by hand):
the same .md files, RecursiveCharacterTextSplitter(800, 130), HuggingFaceEmbeddings on the
bundled MiniLM, Chroma.from_documents with cosine space. Each question asks Chroma for its
nearest chunks; the distinct sources in rank order are scored like `tutor eval retrieval`
(hit@1/3/5/10, recall@10, MRR@10, nDCG@10), overall and by half and service.

    HF_HUB_OFFLINE=1 python -m evals.langchain_baseline --corpus /work/shared/aws-docs \\
        --dataset evals/datasets/retrieval_real.jsonl --persist /work/cache/langchain-awsdocs \\
        --out evals/reports/retrieval-real-langchain.json

The Chroma folder is reused when it already holds chunks (delete it to rebuild).
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path
from typing import Any

from evals import metrics
from evals.cases import RetrievalCase, dataset_info, load_cases
from evals.retrieval import score

CHUNK_SIZE, CHUNK_OVERLAP = 800, 130


def build_or_open(corpus: Path, persist: Path, batch_size: int = 32) -> tuple[Any, dict[str, Any]]:
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from ingest.walk import walk
    from tutor.embed import bundled_model_path

    logging.getLogger("chromadb").setLevel(logging.ERROR)
    embeddings = HuggingFaceEmbeddings(
        model_name=str(bundled_model_path()), model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True, "batch_size": batch_size})
    store = Chroma(persist_directory=str(persist), embedding_function=embeddings,
                   collection_metadata={"hnsw:space": "cosine"})
    # LangChain's Chroma has no public count(); get() without includes returns only the ids.
    existing = len(store.get(include=[])["ids"])
    if existing:
        return store, {"chunks": existing, "reused": True}
    files = [sf for sf in walk([corpus]) if sf.path.suffix == ".md"]
    docs = [Document(page_content=sf.path.read_text(encoding="utf-8", errors="replace"),
                     metadata={"source": sf.source}) for sf in files]
    pieces = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE,
                                            chunk_overlap=CHUNK_OVERLAP).split_documents(docs)
    start = time.perf_counter()
    store = Chroma.from_documents(pieces, embeddings, persist_directory=str(persist),
                                  collection_metadata={"hnsw:space": "cosine"})
    return store, {"chunks": len(pieces), "files": len(files), "reused": False,
                   "build_seconds": round(time.perf_counter() - start, 1)}


def _means(rows: list[dict[str, float]]) -> dict[str, float]:
    return {n: metrics.mean([r[n] for r in rows]) for n in rows[0]} if rows else {}


def run(store: Any, cases: list[RetrievalCase], *, k: int = 10,
        fetch: int = 40) -> dict[str, Any]:
    per_q = []
    for case in cases:
        docs = store.similarity_search(case.question, k=fetch)
        ranked = metrics.distinct(d.metadata["source"] for d in docs)[:k]
        per_q.append({"question": case.question, "gold": case.gold, "service": case.service,
                      "half": case.half, "sources": ranked,
                      "first_gold_rank": metrics.first_relevant_rank(ranked, case.gold),
                      "scores": score(ranked, case.gold, k)})
    groups: dict[str, dict[str, dict[str, float]]] = {"by_half": {}, "by_service": {}}
    for attr, key in (("half", "by_half"), ("service", "by_service")):
        for value in sorted({q[attr] for q in per_q if q[attr] is not None}):
            rows = [q["scores"] for q in per_q if q[attr] == value]
            groups[key][value] = {"questions": len(rows), **_means(rows)}
    return {"metrics": _means([q["scores"] for q in per_q]), "breakdown": groups,
            "questions": per_q}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--dataset", type=Path, required=True)
    ap.add_argument("--persist", type=Path, required=True)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--fetch", type=int, default=40, help="Chunks asked of Chroma per question.")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    cases = load_cases(args.dataset, RetrievalCase)
    store, index = build_or_open(args.corpus, args.persist)
    report = {"kind": "retrieval-langchain-baseline",
              "dataset": dataset_info(args.dataset, len(cases)),
              "params": {"k": args.k, "fetch": args.fetch, "chunk_size": CHUNK_SIZE,
                         "chunk_overlap": CHUNK_OVERLAP, "corpus": str(args.corpus),
                         "persist": str(args.persist)},
              "index": index, **run(store, cases, k=args.k, fetch=args.fetch)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    m = report["metrics"]
    print(f"wrote {args.out}: hit@1 {m['hit@1']:.3f} hit@5 {m['hit@5']:.3f} "
          f"hit@10 {m['hit@10']:.3f} mrr@10 {m['mrr@10']:.3f}")


if __name__ == "__main__":
    main()
