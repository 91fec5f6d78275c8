"""question -> Hits: dense (Chroma), BM25, or both fused by reciprocal rank, with filters."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
from pydantic import BaseModel

from tutor.config import RetrievalMode, Settings
from tutor.embed import Embedder
from tutor.store import Snapshot
from tutor.types import Chunk, Hit

_WORD = re.compile(r"[a-z0-9]+")
NEAR_DUPLICATE = 0.9


class Filters(BaseModel):
    """Metadata restrictions; None means no restriction."""

    domain: int | None = None
    task: str | None = None
    corpus: list[str] | None = None
    sources: list[str] | None = None

    def where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.domain is not None:
            clauses.append({"domain": self.domain})
        if self.task is not None:
            clauses.append({"task": self.task})
        if self.corpus:
            clauses.append({"corpus": {"$in": list(self.corpus)}})
        if self.sources:
            clauses.append({"source": {"$in": list(self.sources)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def allows(self, c: Chunk) -> bool:
        return ((self.domain is None or c.domain == self.domain)
                and (self.task is None or c.task == self.task)
                and (not self.corpus or c.corpus in self.corpus)
                and (not self.sources or c.source in self.sources))

    def empty(self) -> bool:
        return self.where() is None


class Reranker(Protocol):
    """Slot for a configured cross-encoder or API reranker; none ships offline."""

    def rerank(self, query: str, hits: list[Hit]) -> list[Hit]: ...


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def dedupe(hits: list[Hit], limit: int | None = None, threshold: float = NEAR_DUPLICATE
           ) -> list[Hit]:
    """Drop hits whose text is nearly identical (word-set Jaccard) to a better-ranked one."""
    kept: list[tuple[Hit, set[str]]] = []
    for h in hits:
        if limit is not None and len(kept) >= limit:
            break
        words = _words(h.chunk.text)
        dup = False
        for _, other in kept:
            union = len(words | other) or 1
            if len(words & other) / union >= threshold:
                dup = True
                break
        if not dup:
            kept.append((h, words))
    return [h for h, _ in kept]


class Retriever:
    """Searches the current index generation; reopens it when an ingest publishes a new one."""

    def __init__(self, settings: Settings, embedder: Embedder, reranker: Reranker | None = None):
        self.settings = settings
        self.embedder = embedder
        self.reranker = reranker
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    @property
    def snapshot(self) -> Snapshot:
        with self._lock:
            if self._snapshot is None or not self._snapshot.is_current():
                self._snapshot = Snapshot.open_current(self.settings, self.embedder.model_id)
            return self._snapshot

    def search(self, query: str, k: int | None = None, mode: RetrievalMode | None = None,
               filters: Filters | None = None, query_vector: np.ndarray | None = None
               ) -> list[Hit]:
        """Top-k hits for the query, best first, near-duplicates removed."""
        k = k or self.settings.k
        mode = mode or self.settings.retrieval_mode
        filters = filters or Filters()
        snap = self.snapshot
        n = max(self.settings.candidates, k * 3)
        dense: list[tuple[str, float]] = []
        lexical: list[tuple[str, float]] = []
        if mode in ("dense", "hybrid"):
            vec = query_vector if query_vector is not None else self.embedder.embed_query(query)
            dense = snap.store.query(vec, n, filters.where())
        if mode in ("bm25", "hybrid"):
            allowed = None
            if not filters.empty():
                allowed = {cid for cid, c in snap.chunks.items() if filters.allows(c)}
            lexical = snap.lexical.search(query, n, allowed)
        hits = self._fuse(snap, mode, dense, lexical)
        hits = dedupe(hits, limit=k)
        if self.reranker is not None:
            hits = self.reranker.rerank(query, hits)
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

    def distinct_sources(self, hits: Sequence[Hit]) -> list[str]:
        return list(dict.fromkeys(h.chunk.source for h in hits))
