"""The serving copy of an embedded generation's vectors: one float32 ``vectors.npy``, rows in
chunk order, searched exactly with one matrix product.

Why a copy: to answer from a cold process, `tutor ask` would otherwise import chromadb (about
0.6 s, more than loading the encoder) to search a few thousand vectors, which numpy does
exactly in about a millisecond. Chroma stays the store of record: ingest writes the vectors
and their metadata there, and `tutor status` and the app's start-up check probe it. The copy is
written into the generation before its manifest, so a published generation never has a partial
one; a generation built before the copy existed is searched in Chroma.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from tutor.errors import IndexDamagedError
from tutor.types import Chunk, Filters

FILE = "vectors.npy"


def _unit(rows: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (a zero row stays zero), so a dot product is a cosine as
    Chroma's cosine space computes it."""
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    unit: np.ndarray = np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)
    return unit


def save(path: Path, vectors: np.ndarray) -> None:
    """Write the unit-length vectors, fsynced (the generation is published after this)."""
    with path.open("wb") as fh:
        np.save(fh, _unit(np.asarray(vectors, dtype=np.float32)), allow_pickle=False)
        fh.flush()
        os.fsync(fh.fileno())


class VectorMatrix:
    """Exact cosine search over one generation's vectors (the VectorSearch protocol)."""

    def __init__(self, path: Path, chunks: list[Chunk], dim: int):
        try:
            matrix = np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError) as exc:
            raise IndexDamagedError(f"the vector file {path} cannot be read ({exc})") from exc
        if matrix.dtype != np.float32 or matrix.shape != (len(chunks), dim):
            raise IndexDamagedError(
                f"the vector file {path} holds {matrix.dtype} vectors of shape {matrix.shape} "
                f"for {len(chunks)} chunks of {dim} dimensions; rebuild the index")
        self.matrix = matrix
        self.chunks = chunks
        self._ids = np.array([c.id for c in chunks], dtype=object)

    def query(self, vector: np.ndarray, n: int, filters: Filters | None = None
              ) -> list[tuple[str, float]]:
        """Up to ``n`` (chunk id, cosine) pairs, best first; ties go by chunk id."""
        if n <= 0 or not self.chunks:
            return []
        scores = self.matrix @ _unit(np.asarray(vector, dtype=np.float32))
        if filters is None or filters.empty():
            rows = np.arange(len(scores))
        else:  # the same rule as every store and the BM25 side: Filters.allows
            rows = np.flatnonzero([filters.allows(c) for c in self.chunks])
        if len(rows) > n:  # the n best (and any tied with the n-th), then an exact order
            cut = np.partition(scores[rows], len(rows) - n)[len(rows) - n]
            rows = rows[scores[rows] >= cut]
        ranked = sorted(rows.tolist(), key=lambda i: (-scores[i], self._ids[i]))[:n]
        return [(str(self._ids[i]), float(scores[i])) for i in ranked]

    def count(self) -> int:
        return len(self.chunks)

    def probe(self) -> None:
        """Every row is finite and of length 1 (or all zeros): what ``save`` wrote."""
        norms = np.linalg.norm(self.matrix, axis=1)
        if not (np.isfinite(norms).all() and np.all((abs(norms - 1) < 1e-3) | (norms == 0))):
            raise IndexDamagedError("the vector file holds vectors it was not saved with; "
                                    "rebuild the index")
