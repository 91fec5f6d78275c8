"""An in-memory VectorStore: exact cosine search with numpy, no dependencies.

For tests and demos (``vector_store = "memory"``). Collections live as long as the process
and are shared by name within it, so an ingest and a later search in the same process see
the same vectors; another process finds nothing and is told to rebuild.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from tutor.errors import IndexDamagedError
from tutor.index.base import StoreInfo
from tutor.types import Chunk, Filters


@dataclass
class _Collection:
    info: StoreInfo
    rows: dict[str, int] = field(default_factory=dict)
    chunks: list[Chunk] = field(default_factory=list)
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))


class InMemoryStore:
    """One named collection held in this process."""

    _collections: ClassVar[dict[str, _Collection]] = {}
    _registry_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, name: str, *, model_id: str = "", dim: int = 0, create: bool = False):
        self.name = name
        with self._registry_lock:
            found = self._collections.get(name)
            if found is None:
                if not create:
                    raise IndexDamagedError(
                        f"the in-memory vector store '{name}' is gone (memory stores last one "
                        "process); rebuild the index")
                found = _Collection(StoreInfo(model_id=model_id or None, dim=dim or None),
                                    matrix=np.zeros((0, dim), dtype=np.float32))
                self._collections[name] = found
        self._data = found
        self._lock = threading.Lock()

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        if len(chunks) != len(vectors):
            raise ValueError("one vector per chunk")
        vectors = np.asarray(vectors, dtype=np.float32)
        with self._lock:
            data = self._data
            if data.matrix.shape[0] == 0:
                data.matrix = np.zeros((0, vectors.shape[1]), dtype=np.float32)
            new_rows: list[np.ndarray] = []
            for chunk, vec in zip(chunks, vectors, strict=True):
                row = data.rows.get(chunk.id)
                if row is None:
                    data.rows[chunk.id] = len(data.chunks)
                    data.chunks.append(chunk)
                    new_rows.append(vec)
                else:
                    data.chunks[row] = chunk
                    data.matrix[row] = vec
            if new_rows:
                data.matrix = np.vstack([data.matrix, np.stack(new_rows)])

    def query(self, vector: np.ndarray, n: int, filters: Filters | None = None
              ) -> list[tuple[str, float]]:
        with self._lock:
            chunks, matrix = list(self._data.chunks), self._data.matrix
        if n <= 0 or not chunks:
            return []
        scores = matrix @ np.asarray(vector, dtype=np.float32)
        allowed = [i for i, c in enumerate(chunks) if filters is None or filters.allows(c)]
        ranked = sorted(allowed, key=lambda i: (-scores[i], chunks[i].id))[:n]
        return [(chunks[i].id, float(scores[i])) for i in ranked]

    def vectors(self, ids: Sequence[str]) -> np.ndarray:
        with self._lock:
            missing = [i for i in ids if i not in self._data.rows]
            if missing:
                raise IndexDamagedError(
                    f"the vector index lost {len(missing)} vectors; rebuild it")
            rows = [self._data.rows[i] for i in ids]
            return self._data.matrix[rows].copy()

    def ids(self) -> list[str]:
        with self._lock:
            return [c.id for c in self._data.chunks]

    def count(self) -> int:
        with self._lock:
            return len(self._data.chunks)

    def model_info(self) -> StoreInfo:
        return self._data.info

    def probe(self) -> None:
        ids = self.ids()
        if ids and not self.query(self.vectors(ids[:1])[0], 1):
            raise IndexDamagedError("the vector index returns nothing; rebuild it")

    def close(self) -> None:
        """Nothing to release: the collection stays for the rest of the process."""

    def drop(self) -> None:
        with self._registry_lock:
            self._collections.pop(self.name, None)
