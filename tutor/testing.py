"""Fakes for unit tests and demos: a deterministic embedder. Never used by default."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"[a-z0-9]+")


class HashEmbedder:
    """Bag-of-words hashed into ``dim`` buckets and L2-normalised: same text, same vector.

    Texts sharing words get similar vectors, which is enough to test ranking logic
    without loading a neural model.
    """

    def __init__(self, dim: int = 64, model_id: str = "test:hash-64", window: int = 256):
        self.dim = dim
        self.model_id = model_id
        self.window = window
        self.encoded = 0
        self.calls: list[int] = []

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(_WORD.findall(t.lower())) for t in texts]

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for w in _WORD.findall(text.lower()):
            h = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=8).digest(), "little")
            v[h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        n = float(np.linalg.norm(v))
        if n == 0:
            v[0] = 1.0
            return v
        return v / n

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.encoded += len(texts)
        self.calls.append(len(texts))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vec(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._vec(text)
