"""BM25 over the indexed chunks. The only module importing bm25s (and PyStemmer), on first
use: bm25s takes most of a second to import."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, stop-worded, stemmed terms, as BM25 and the answerer both see them."""
    import bm25s

    tokens: list[list[str]] = bm25s.tokenize(list(texts), stopwords="en", stemmer=_stemmer(),
                                             return_ids=False, show_progress=False)
    return tokens


class LexicalIndex:
    """BM25 over chunk ids; rows are in the order the ids were given."""

    def __init__(self, ids: list[str], model: Any):
        self.ids = ids
        self.model = model
        self._row = {cid: i for i, cid in enumerate(ids)}

    @classmethod
    def build(cls, ids: list[str], texts: Sequence[str]) -> LexicalIndex:
        import bm25s

        model = bm25s.BM25()
        if ids:
            model.index(tokenize(texts), show_progress=False)
        return cls(list(ids), model)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "ids.json").write_text(json.dumps(self.ids))
        if self.ids:
            self.model.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        import bm25s

        ids = json.loads((folder / "ids.json").read_text())
        model = bm25s.BM25.load(str(folder), show_progress=False) if ids else bm25s.BM25()
        return cls(ids, model)

    def search(self, query: str, n: int, allowed: set[str] | None = None
               ) -> list[tuple[str, float]]:
        """Top-n (chunk id, BM25 score) with a positive score, optionally restricted to ids."""
        if not self.ids:
            return []
        terms = tokenize([query])[0]
        vocab = self.model.vocab_dict
        terms = [t for t in terms if t in vocab]
        if not terms:
            return []
        mask = None
        if allowed is not None:
            mask = np.zeros(len(self.ids), dtype=np.float32)
            rows = [self._row[c] for c in allowed if c in self._row]
            if not rows:
                return []
            mask[rows] = 1.0
        n = min(n, len(self.ids))
        docs, scores = self.model.retrieve([terms], k=n, show_progress=False, weight_mask=mask,
                                          n_threads=1)
        out = []
        for row, score in zip(docs[0], scores[0], strict=False):
            if score > 0:
                out.append((self.ids[int(row)], float(score)))
        return out
