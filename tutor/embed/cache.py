"""A persistent embedding cache keyed by the embedder's ``cache_id`` and the text's hash.

Killed ingests resume without re-encoding what they already did, and re-chunking that
leaves a passage unchanged costs nothing. The cache only saves time, so a damaged cache file
never blocks an ingest: it is moved aside (kept, named ``*.corrupt-<time>``) with a warning on
the ``tutor.embed.cache`` logger, and a new one is started.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np

from tutor import sqlite
from tutor.embed.base import Embedder

_BATCH = 500  # keys per SELECT ... IN (...)
log = logging.getLogger(__name__)
T = TypeVar("T")


class CachedEmbedder:
    """Wraps an Embedder; documents go through the cache, queries go straight to the model."""

    def __init__(self, inner: Embedder, cache_dir: Path):
        self.inner = inner
        self.model_id = inner.model_id
        self.cache_id = inner.cache_id
        self.encoded = 0  # texts this object sent to the inner encoder (cache misses)
        slug = re.sub(r"[^a-zA-Z0-9._-]+", "_", inner.cache_id)
        cache_dir.mkdir(parents=True, exist_ok=True)
        self.path = cache_dir / f"embeddings-{slug}.sqlite3"
        self._lock = threading.Lock()
        self._db: sqlite.Connection | None = None

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def window(self) -> int:
        return self.inner.window

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def _conn(self) -> sqlite.Connection:
        if self._db is None:
            db = sqlite.connect(self.path, shared=True)
            try:
                db.execute("CREATE TABLE IF NOT EXISTS emb (h TEXT PRIMARY KEY, v BLOB NOT NULL)")
            except BaseException:
                db.close()
                raise
            self._db = db
        return self._db

    def _safely(self, use: Callable[[sqlite.Connection], T]) -> T:
        """``use(connection)``; a damaged file is moved aside and ``use`` runs on a new one.
        Called with the lock held."""
        try:
            return use(self._conn())
        except sqlite.DatabaseError as exc:
            if not sqlite.is_damaged(exc):
                raise
            if self._db is not None:
                self._db.close()
                self._db = None
            kept = sqlite.move_aside(self.path, time.strftime("%Y%m%d-%H%M%S"))
            log.warning("the embedding cache %s was damaged (%s); it was moved to %s and a new "
                        "one started, so passages are embedded again", self.path, exc, kept)
            return use(self._conn())

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        keys = [self._key(t) for t in texts]
        found = self._lookup(list(dict.fromkeys(keys)))
        missing = [i for i, k in enumerate(keys) if k not in found]
        todo = list(dict.fromkeys(keys[i] for i in missing))
        if todo:
            first_text = {keys[i]: texts[i] for i in reversed(missing)}
            vecs = np.asarray(self.inner.embed_documents([first_text[k] for k in todo]),
                              dtype=np.float32)
            self.encoded += len(todo)
            self._store(todo, vecs)
            found.update(zip(todo, vecs, strict=False))
        return np.stack([found[k] for k in keys]).astype(np.float32)

    def _lookup(self, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        def read(db: sqlite.Connection) -> dict[str, np.ndarray]:
            for start in range(0, len(keys), _BATCH):
                part = keys[start:start + _BATCH]
                rows = db.execute(
                    f"SELECT h, v FROM emb WHERE h IN ({','.join('?' * len(part))})", part
                ).fetchall()
                for h, v in rows:
                    found[h] = np.frombuffer(v, dtype=np.float32)
            return found

        with self._lock:
            return self._safely(read)

    def _store(self, keys: list[str], vecs: np.ndarray) -> None:
        def write(db: sqlite.Connection) -> None:
            db.executemany("INSERT OR REPLACE INTO emb (h, v) VALUES (?, ?)",
                           [(k, v.tobytes()) for k, v in zip(keys, vecs, strict=True)])
            db.commit()

        with self._lock:
            self._safely(write)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
