"""A persistent embedding cache keyed by model and text hash.

Killed ingests resume without re-encoding what they already did, and re-chunking that
leaves a passage unchanged costs nothing.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np


class CachedEmbedder:
    """Wraps an Embedder; documents go through the cache, queries go straight to the model."""

    def __init__(self, inner, cache_dir: Path):  # noqa: ANN001 - any Embedder
        self.inner = inner
        self.model_id = inner.model_id
        self.encoded = 0  # texts actually sent to the encoder by this object
        slug = re.sub(r"[^a-zA-Z0-9._-]+", "_", getattr(inner, "cache_id", self.model_id))
        cache_dir.mkdir(parents=True, exist_ok=True)
        self.path = cache_dir / f"embeddings-{slug}.sqlite3"
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def window(self) -> int:
        return self.inner.window

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS emb (h TEXT PRIMARY KEY, v BLOB NOT NULL)")
            self._db = db
        return self._db

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        keys = [self._key(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._lock:
            db = self._conn()
            unique = list(dict.fromkeys(keys))
            for start in range(0, len(unique), 500):
                part = unique[start:start + 500]
                rows = db.execute(
                    f"SELECT h, v FROM emb WHERE h IN ({','.join('?' * len(part))})", part
                ).fetchall()
                for h, v in rows:
                    found[h] = np.frombuffer(v, dtype=np.float32)
        missing = [i for i, k in enumerate(keys) if k not in found]
        todo = list(dict.fromkeys(keys[i] for i in missing))
        if todo:
            first_text = {keys[i]: texts[i] for i in reversed(missing)}
            vecs = self.inner.embed_documents([first_text[k] for k in todo])
            self.encoded += len(todo)
            with self._lock:
                db = self._conn()
                db.executemany(
                    "INSERT OR REPLACE INTO emb (h, v) VALUES (?, ?)",
                    [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in zip(todo, vecs)],
                )
                db.commit()
            for k, v in zip(todo, vecs):
                found[k] = np.asarray(v, dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
