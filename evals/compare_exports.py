"""Two ONNX exports of the bundled encoder on the same note chunks: do they give the same
vectors, and at the same speed? For a change to the export (tutor/embed/export.py,
bert_onnx.py) or an onnxruntime upgrade: export before and after, then

    python -m evals.compare_exports BEFORE/model.onnx AFTER/model.onnx

Runs alternate between the two graphs round by round, so load on a shared machine falls on
both alike; CPU seconds move less with that load than wall seconds.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from evals.bench_common import median

NOTES = Path(__file__).resolve().parents[1] / "corpus" / "notes"


def note_chunks(limit: int) -> list[str]:
    """The first ``limit`` chunks of the shipped notes, cut as an ingest cuts them."""
    from tutor.chunk import Chunker
    from tutor.embed.onnx_runtime import OnnxEmbedder
    from tutor.load import load_file

    emb = OnnxEmbedder()  # for its tokenizer and window only: nothing is exported
    chunker = Chunker(emb.count_tokens, 200, 32, emb.window)
    texts: list[str] = []
    for path in sorted(NOTES.rglob("*.md")):
        texts += [c.text for c in chunker.chunk(load_file(path, path.name))]
    return texts[:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("graphs", nargs=2, type=Path, help="two exported model.onnx files")
    parser.add_argument("--texts", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--threads", type=int, default=1, help="per session (0: all cores)")
    args = parser.parse_args()

    from tutor.embed.onnx_runtime import OnnxEmbedder, encode, new_session

    texts = note_chunks(args.texts)
    emb = OnnxEmbedder()  # its tokenizer, size, window and batch: what an ingest uses
    tok = emb.tokenizer
    assert tok is not None
    sessions = [new_session(g, args.threads) for g in args.graphs]

    def embed(session: Any) -> np.ndarray:  # what OnnxEmbedder.embed_documents runs
        return encode(session, tok, texts, emb.dim, emb.window, emb.batch_size)

    first, second = (embed(s) for s in sessions)  # also the warm-up
    print(f"{len(texts)} chunks; lowest cosine between the two: "
          f"{float((first * second).sum(1).min()):.7f}")
    wall: list[list[float]] = [[], []]
    cpu: list[list[float]] = [[], []]
    for _ in range(args.rounds):
        for i, session in enumerate(sessions):
            w, c = time.perf_counter(), time.process_time()
            embed(session)
            wall[i].append(time.perf_counter() - w)
            cpu[i].append(time.process_time() - c)
    for i, graph in enumerate(args.graphs):
        print(f"{graph}: wall median {median(wall[i]):.2f} s (min {min(wall[i]):.2f}), "
              f"CPU median {median(cpu[i]):.2f} s (min {min(cpu[i]):.2f})")


if __name__ == "__main__":
    main()
