"""Vector store interface and its Chroma implementation. The only module importing chromadb."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

import numpy as np

from tutor.errors import BackendError, IndexDamagedError
from tutor.types import Chunk

logging.getLogger("chromadb").setLevel(logging.ERROR)


class VectorStore(Protocol):
    """Dense vectors keyed by chunk id, queried by cosine similarity."""

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None: ...

    def query(self, vector: np.ndarray, n: int, where: dict[str, Any] | None = None
              ) -> list[tuple[str, float]]: ...

    def count(self) -> int: ...

    def drop(self) -> None: ...


def chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    """Flat metadata for filtering; Chroma rejects None values, so absent keys are left out."""
    meta: dict[str, Any] = {
        "source": chunk.source, "title": chunk.title, "heading": chunk.heading,
        "position": chunk.position, "content_hash": chunk.content_hash,
    }
    for key in ("page", "url", "domain", "task", "corpus"):
        value = getattr(chunk, key, None)
        if value is not None:
            meta[key] = value
    return meta


def _client(path: Path | None, url: str | None):  # noqa: ANN202 - chromadb client
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    opts = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if url:
        parsed = urlparse(url)
        try:
            return chromadb.HttpClient(
                host=parsed.hostname or "127.0.0.1",
                port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https", settings=opts,
            )
        except Exception as exc:  # noqa: BLE001 - connection errors come in many types
            raise BackendError(f"cannot reach the Chroma server at {url}: {exc}") from exc
    assert path is not None
    path.mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(path), settings=opts)
    except Exception as exc:  # noqa: BLE001 - a damaged database fails in many ways
        raise IndexDamagedError(f"the vector index at {path} cannot be opened ({exc})") from exc


class ChromaStore:
    """One Chroma collection: embedded and persistent at ``path``, or on the server at ``url``."""

    def __init__(self, name: str, *, path: Path | None = None, url: str | None = None,
                 model_id: str = "", dim: int = 0, create: bool = False):
        self.name = name
        self.path = path
        self.url = url
        self.client = _client(path, url)
        try:
            if create:
                self.collection = self.client.get_or_create_collection(
                    name, embedding_function=None,
                    metadata={"model_id": model_id, "dim": dim},
                    configuration={"hnsw": {"space": "cosine"}},
                )
            else:
                self.collection = self.client.get_collection(name, embedding_function=None)
        except BackendError:
            raise
        except Exception as exc:  # noqa: BLE001
            if url:
                raise BackendError(f"Chroma server at {url}: {exc}") from exc
            raise IndexDamagedError(f"the vector index at {path} cannot be opened ({exc})") from exc

    def _failure(self, exc: Exception) -> Exception:
        """The project's error for a failed Chroma call: damage on disk, or a backend fault."""
        if self.url:
            return BackendError(f"Chroma server at {self.url}: {exc}")
        return IndexDamagedError(f"the vector index at {self.path} cannot be read ({exc})")

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Upsert in batches no larger than the server's maximum batch size."""
        if len(chunks) != len(vectors):
            raise ValueError("one vector per chunk")
        step = max(1, int(self.client.get_max_batch_size()))
        for start in range(0, len(chunks), step):
            part = chunks[start:start + step]
            self.collection.upsert(
                ids=[c.id for c in part],
                embeddings=np.asarray(vectors[start:start + step], dtype=np.float32),
                documents=[c.text for c in part],
                metadatas=[chunk_metadata(c) for c in part],
            )

    def query(self, vector: np.ndarray, n: int, where: dict[str, Any] | None = None
              ) -> list[tuple[str, float]]:
        n = min(n, self.count())
        if n <= 0:
            return []
        try:
            res = self.collection.query(
                query_embeddings=[np.asarray(vector, dtype=np.float32)], n_results=n,
                where=where or None, include=["distances"],
            )
        except Exception as exc:  # noqa: BLE001 - chromadb raises its own, untyped errors
            raise self._failure(exc) from exc
        return [(cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], res["distances"][0])]

    def count(self) -> int:
        try:
            return int(self.collection.count())
        except Exception as exc:  # noqa: BLE001
            raise self._failure(exc) from exc

    def model_info(self) -> dict[str, Any]:
        return dict(self.collection.metadata or {})

    def all_ids(self) -> list[str]:
        out: list[str] = []
        step = 5000
        offset = 0
        while True:
            got = self.collection.get(include=[], limit=step, offset=offset)["ids"]
            out.extend(got)
            if len(got) < step:
                return out
            offset += step

    def drop(self) -> None:
        try:
            self.client.delete_collection(self.name)
        except Exception:  # noqa: BLE001 - already gone is fine
            pass


def release_embedded(path: Path) -> None:
    """Forget chromadb's cached system for a folder so it can be deleted or reopened cleanly."""
    try:
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient._identifier_to_system.pop(str(path), None)  # noqa: SLF001
    except Exception:  # noqa: BLE001 - best effort; only matters for long-lived processes
        pass
