"""Retrieve: question -> Hits. Dense (the vector store), BM25, or both fused; pages ranked by
their best chunk; an optional cross-encoder reranker; filters; near-duplicates removed."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tutor.config import RetrievalMode, Settings
from tutor.embed import Embedder
from tutor.index import Snapshot
from tutor.index.snapshot import LiveSnapshot
from tutor.query import search_text, sub_queries
from tutor.rerank import Reranker, make_reranker
from tutor.text import word_set
from tutor.types import Filters, Hit

NEAR_DUPLICATE = 0.9
Ranking = Sequence[tuple[str, float]]


def dedupe(hits: list[Hit], limit: int | None = None, threshold: float = NEAR_DUPLICATE
           ) -> list[Hit]:
    """Drop hits whose text is nearly identical (word-set Jaccard) to a better-ranked one."""
    kept: list[tuple[Hit, frozenset[str]]] = []
    for h in hits:
        if limit is not None and len(kept) >= limit:
            break
        mine = word_set(h.chunk.text)
        if not any(_alike(mine, other, threshold) for _, other in kept):
            kept.append((h, mine))
    return [h for h, _ in kept]


def _alike(a: frozenset[str], b: frozenset[str], threshold: float) -> bool:
    """Whether the Jaccard of two word sets reaches ``threshold``. It is at most the ratio of
    their sizes, so most pairs are told apart without intersecting them; the union's size
    follows from the intersection's, so the union is never built."""
    small, large = sorted((len(a), len(b)))
    if large and small / large < threshold:
        return False
    shared = len(a & b)
    return shared / ((len(a) + len(b) - shared) or 1) >= threshold


def scaled(ranking: Ranking) -> dict[str, float]:
    """Scores mapped to 0-1 over the candidates (best 1, worst 0; all 1 when they are equal).

    Cosines and BM25 scores live on different scales, and BM25's depends on the query's
    length; within one query's candidates the two become comparable.
    """
    if not ranking:
        return {}
    low = min(s for _, s in ranking)
    span = max(s for _, s in ranking) - low
    return {cid: (s - low) / span if span > 0 else 1.0 for cid, s in ranking}


def fuse_scores(dense: Ranking, lexical: Ranking, dense_weight: float) -> list[tuple[str, float]]:
    """Weighted sum of the scaled scores; a chunk one ranker did not return gets 0 from it."""
    d, b = scaled(dense), scaled(lexical)
    fused = {cid: dense_weight * d.get(cid, 0.0) + (1 - dense_weight) * b.get(cid, 0.0)
             for cid in d.keys() | b.keys()}
    return sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))


def fuse_rrf(rankings: Sequence[Ranking], k: int) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: each ranking adds 1 / (k + rank)."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, (cid, _) in enumerate(ranking, start=1):
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (k + rank)
    return sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))


def best(rankings: Sequence[Ranking]) -> dict[str, float]:
    """Each chunk's best score over several rankings by the same ranker."""
    out: dict[str, float] = {}
    for ranking in rankings:
        for cid, s in ranking:
            out[cid] = max(s, out.get(cid, s))
    return out


def per_page(hits: list[Hit], limit: int, card_limit: int = 0) -> list[Hit]:
    """At most ``limit`` hits per source and ``card_limit`` concept cards in all, in order (0:
    no limit). The list is already ranked by score, so a page ranks by its best chunk and its
    weaker chunks give way to other pages. A card restates one note section in a learner's
    words, and its question form can outscore the notes on wording alone (dense search most
    of all): beyond ``card_limit`` cards, the places go to the notes. The cards of one file
    count as one source here, not as the notes they cite, so a card never takes a place from
    its own note's passages, which the answerer quotes."""
    if limit <= 0 and card_limit <= 0:
        return hits
    count: dict[str, int] = {}
    cards = 0
    kept = []
    for h in hits:
        if card_limit > 0 and h.chunk.is_card and cards >= card_limit:
            continue
        n = count.get(h.chunk.source, 0)
        if limit <= 0 or n < limit:
            count[h.chunk.source] = n + 1
            cards += h.chunk.is_card
            kept.append(h)
    return kept


class Retriever:
    """Searches the current index generation; reopens it when an ingest publishes a new one."""

    def __init__(self, settings: Settings, embedder: Embedder,
                 reranker: Reranker | None = None):
        self.settings = settings
        self.embedder = embedder
        self._live = LiveSnapshot(settings, embedder.model_id)
        self.reranker = reranker if reranker is not None else make_reranker(settings)

    @property
    def snapshot(self) -> Snapshot:
        return self._live.get()

    @property
    def opened(self) -> bool:
        return self._live.opened

    def open(self) -> None:
        """Open the current generation now, so that an empty or damaged index fails before a
        query is embedded."""
        self._live.get()

    def search(self, query: str, k: int | None = None, mode: RetrievalMode | None = None,
               filters: Filters | None = None, vector: np.ndarray | None = None) -> list[Hit]:
        """Top-k hits for the query, best first, near-duplicates removed. ``vector`` is the
        query's embedding when the caller already has it."""
        k = k or self.settings.k
        mode = mode or self.settings.retrieval_mode
        filters = filters or Filters()
        text = search_text(query) if self.settings.clean_queries else query
        texts = [text, *sub_queries(query, self.settings.sub_queries)]
        snap = self.snapshot
        n = max(self.settings.candidates, k * 3)
        dense: list[Ranking] = [[] for _ in texts]
        lexical: list[Ranking] = [[] for _ in texts]
        if mode in ("dense", "hybrid"):
            # the paragraphs go in one batch: one encoder call, not one per paragraph; the
            # caller's vector is of the raw question, so it serves only when nothing was cleaned
            first = vector if vector is not None and text == query else \
                self.embedder.embed_query(text)
            vectors = [first,
                       *(self.embedder.embed_documents(texts[1:]) if texts[1:] else [])]
            dense = [snap.dense.query(v, n, filters) for v in vectors]
        allowed = None
        if mode in ("bm25", "hybrid"):
            if not filters.empty():
                allowed = {cid for cid, c in snap.chunks.items() if filters.allows(c)}
            lexical = [snap.lexical.search(t, n, allowed) for t in texts]
        runs = [self._fuse(mode, d, b) for d, b in zip(dense, lexical, strict=True)]
        if mode != "dense" and self.settings.prf_terms > 0:
            lexical = [self._feedback(snap, t, run, n, allowed)
                       for t, run in zip(texts, runs, strict=True)]
            runs = [self._fuse(mode, d, b) for d, b in zip(dense, lexical, strict=True)]
        ranked = runs[0] if len(runs) == 1 else fuse_rrf(runs, self.settings.rrf_k)
        hits = self._hits(snap, ranked, best(dense), best(lexical))
        if self.reranker is not None:
            hits = self._rerank(text, hits)
        hits = dedupe(per_page(hits, self.settings.page_hits, self.settings.card_hits), limit=k)
        return [h.model_copy(update={"rank": i}) for i, h in enumerate(hits[:k], start=1)]

    def _feedback(self, snap: Snapshot, text: str, first: Ranking, n: int,
                  allowed: set[str] | None) -> Ranking:
        """BM25 again, with the feedback terms of the best first-pass hits (fused ones in
        hybrid mode, so the dense ranker chooses the feedback passages too)."""
        top = [snap.chunks[cid].embed_text() for cid, _ in first[:self.settings.prf_docs]
               if cid in snap.chunks]
        extra = snap.lexical.feedback_terms(text, top, self.settings.prf_terms)
        return snap.lexical.search(text, n, allowed, extra=extra)

    def _fuse(self, mode: str, dense: Ranking, lexical: Ranking) -> Ranking:
        if mode == "dense":
            return dense
        if mode == "bm25":
            return lexical
        if self.settings.fusion == "rrf":
            return fuse_rrf((dense, lexical), self.settings.rrf_k)
        return fuse_scores(dense, lexical, self.settings.dense_weight)

    @staticmethod
    def _hits(snap: Snapshot, ranked: Ranking, dense_score: dict[str, float],
              lex_score: dict[str, float]) -> list[Hit]:
        out = []
        for rank, (cid, score) in enumerate(ranked, start=1):
            chunk = snap.chunks.get(cid)
            if chunk is None:
                continue
            out.append(Hit(chunk=chunk, score=float(score), rank=rank,
                           dense=dense_score.get(cid), lexical=lex_score.get(cid)))
        return out

    def _rerank(self, text: str, hits: list[Hit]) -> list[Hit]:
        """The first ``rerank_candidates`` hits in the reranker's order, scored by it; the
        rest follow unchanged."""
        assert self.reranker is not None
        head, tail = hits[:self.settings.rerank_candidates], hits[self.settings.rerank_candidates:]
        scores = self.reranker.score(text, [h.chunk.embed_text() for h in head])
        order = sorted(range(len(head)), key=lambda i: (-scores[i], i))
        return [head[i].model_copy(update={"score": scores[i]}) for i in order] + tail
