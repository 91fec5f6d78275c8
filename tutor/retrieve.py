"""Retrieve: question -> Hits. Dense (the vector store), BM25, or both fused by reciprocal
rank, within filters, near-duplicates removed."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from tutor.config import RetrievalMode, Settings
from tutor.embed import Embedder
from tutor.index import Snapshot
from tutor.text import words
from tutor.types import Filters, Hit

NEAR_DUPLICATE = 0.9


def dedupe(hits: list[Hit], limit: int | None = None, threshold: float = NEAR_DUPLICATE
           ) -> list[Hit]:
    """Drop hits whose text is nearly identical (word-set Jaccard) to a better-ranked one."""
    kept: list[tuple[Hit, set[str]]] = []
    for h in hits:
        if limit is not None and len(kept) >= limit:
            break
        mine = set(words(h.chunk.text))
        if not any(len(mine & other) / (len(mine | other) or 1) >= threshold
                   for _, other in kept):
            kept.append((h, mine))
    return [h for h, _ in kept]


class Retriever:
    """Searches the current index generation; reopens it when an ingest publishes a new one."""

    def __init__(self, settings: Settings, embedder: Embedder):
        self.settings = settings
        self.embedder = embedder
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    @property
    def snapshot(self) -> Snapshot:
        with self._lock:
            if self._snapshot is None or not self._snapshot.is_current():
                self._snapshot = Snapshot.open_current(self.settings, self.embedder.model_id)
            return self._snapshot

    def search(self, query: str, k: int | None = None, mode: RetrievalMode | None = None,
               filters: Filters | None = None, vector: np.ndarray | None = None) -> list[Hit]:
        """Top-k hits for the query, best first, near-duplicates removed. ``vector`` is the
        query's embedding when the caller already has it."""
        k = k or self.settings.k
        mode = mode or self.settings.retrieval_mode
        filters = filters or Filters()
        snap = self.snapshot
        n = max(self.settings.candidates, k * 3)
        dense: list[tuple[str, float]] = []
        lexical: list[tuple[str, float]] = []
        if mode in ("dense", "hybrid"):
            if vector is None:
                vector = self.embedder.embed_query(query)
            dense = snap.store.query(vector, n, filters)
        if mode in ("bm25", "hybrid"):
            allowed = None
            if not filters.empty():
                allowed = {cid for cid, c in snap.chunks.items() if filters.allows(c)}
            lexical = snap.lexical.search(query, n, allowed)
        hits = self._fuse(snap, mode, dense, lexical)
        hits = dedupe(hits, limit=k)
        return [h.model_copy(update={"rank": i}) for i, h in enumerate(hits[:k], start=1)]

    def _fuse(self, snap: Snapshot, mode: str, dense: Sequence[tuple[str, float]],
              lexical: Sequence[tuple[str, float]]) -> list[Hit]:
        dense_score = dict(dense)
        lex_score = dict(lexical)
        if mode == "dense":
            ranked = [(cid, s) for cid, s in dense]
        elif mode == "bm25":
            ranked = [(cid, s) for cid, s in lexical]
        else:
            fused: dict[str, float] = {}
            for ranking in (dense, lexical):
                for rank, (cid, _) in enumerate(ranking, start=1):
                    fused[cid] = fused.get(cid, 0.0) + 1.0 / (self.settings.rrf_k + rank)
            ranked = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))
        out = []
        for rank, (cid, score) in enumerate(ranked, start=1):
            chunk = snap.chunks.get(cid)
            if chunk is None:
                continue
            out.append(Hit(chunk=chunk, score=float(score), rank=rank,
                           dense=dense_score.get(cid), lexical=lex_score.get(cid)))
        return out
