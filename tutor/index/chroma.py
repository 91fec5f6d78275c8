"""The Chroma VectorStore: embedded (persistent folder) or a Chroma server over HTTP.
The only module importing chromadb."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.api.client import Client
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import NotFoundError

from tutor.errors import BackendError, IndexDamagedError, TutorError
from tutor.index.base import StoreInfo, chunk_metadata
from tutor.types import Chunk, Filters

logging.getLogger("chromadb").setLevel(logging.ERROR)

_PAGE = 5000  # ids per get() when reading vectors back


def _where(filters: Filters | None) -> dict[str, Any] | None:
    """Chroma's metadata filter for ``filters``; None when nothing is restricted."""
    if filters is None:
        return None
    clauses: list[dict[str, Any]] = []
    if filters.domain is not None:
        clauses.append({"domain": filters.domain})
    if filters.task is not None:
        clauses.append({"task": filters.task})
    if filters.corpus:
        clauses.append({"corpus": {"$in": list(filters.corpus)}})
    if filters.sources:
        clauses.append({"source": {"$in": list(filters.sources)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _client(path: Path | None, url: str | None) -> Client:
    opts = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if url:
        parsed = urlparse(url)
        try:
            client = chromadb.HttpClient(
                host=parsed.hostname or "127.0.0.1",
                port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https", settings=opts,
            )
        except Exception as exc:  # connection errors come in many types
            raise BackendError(f"cannot reach the Chroma server at {url}: {exc}") from exc
    else:
        if path is None:
            raise ValueError("an embedded Chroma store needs a folder")
        path.mkdir(parents=True, exist_ok=True)
        try:
            client = chromadb.PersistentClient(path=str(path), settings=opts)
        except Exception as exc:  # a damaged database fails in many ways
            raise IndexDamagedError(
                f"the vector index at {path} cannot be opened ({exc})") from exc
    # Both factories are typed as ClientAPI; the object is a Client, which can be closed.
    assert isinstance(client, Client)
    return client


class ChromaStore:
    """One Chroma collection: embedded and persistent at ``path``, or on the server at ``url``."""

    def __init__(self, name: str, *, path: Path | None = None, url: str | None = None,
                 model_id: str = "", dim: int = 0, create: bool = False):
        self.name = name
        self.path = path
        self.url = url
        self._client = _client(path, url)
        self._size: int | None = None  # count() as last read; this object's writes forget it
        with self._calls("opened"):
            if create:
                self._collection = self._client.get_or_create_collection(
                    name, embedding_function=None,
                    metadata={"model_id": model_id, "dim": dim},
                    configuration={"hnsw": {"space": "cosine"}},
                )
            else:
                self._collection = self._client.get_collection(name, embedding_function=None)

    @contextmanager
    def _calls(self, verb: str = "read") -> Iterator[None]:
        """Chroma's failures as the project's errors: IndexDamagedError for the embedded
        store (its files are damaged or missing), BackendError for a server."""
        try:
            yield
        except TutorError:
            raise
        except Exception as exc:  # chromadb, its bindings and its HTTP transport: many types
            if self.url:
                raise BackendError(f"Chroma server at {self.url}: {exc}") from exc
            raise IndexDamagedError(
                f"the vector index at {self.path} cannot be {verb} ({exc})") from exc

    @property
    def batch_limit(self) -> int:
        """The most vectors one upsert may carry (the server's or the library's maximum)."""
        return max(1, int(self._client.get_max_batch_size()))

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Upsert in batches no larger than the server's maximum batch size."""
        if len(chunks) != len(vectors):
            raise ValueError("one vector per chunk")
        step = self.batch_limit
        self._size = None
        for start in range(0, len(chunks), step):
            part = chunks[start:start + step]
            with self._calls("written"):
                self._collection.upsert(
                    ids=[c.id for c in part],
                    embeddings=np.asarray(vectors[start:start + step], dtype=np.float32),
                    documents=[c.text for c in part],
                    metadatas=[chunk_metadata(c) for c in part],
                )

    def query(self, vector: np.ndarray, n: int, filters: Filters | None = None
              ) -> list[tuple[str, float]]:
        # The count is read once, not per query (a round trip as long as the search): the
        # collection of a published generation never changes.
        if self._size is None:
            self._size = self.count()
        n = min(n, self._size)
        if n <= 0:
            return []
        with self._calls():
            res = self._collection.query(
                query_embeddings=np.asarray(vector, dtype=np.float32)[None, :], n_results=n,
                where=_where(filters), include=["distances"],
            )
        distances = res["distances"] or [[]]
        return [(cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], distances[0], strict=True)]

    def vectors(self, ids: Sequence[str]) -> np.ndarray:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(ids), _PAGE):
            with self._calls():
                got = self._collection.get(ids=list(ids[start:start + _PAGE]),
                                           include=["embeddings"])
            embeddings = got["embeddings"] if got["embeddings"] is not None else []
            found.update(zip(got["ids"], np.asarray(embeddings, dtype=np.float32), strict=True))
        missing = [i for i in ids if i not in found]
        if missing:
            raise IndexDamagedError(f"the vector index lost {len(missing)} vectors; rebuild it")
        return np.stack([found[i] for i in ids]) if ids else np.zeros((0, 0), np.float32)

    def ids(self) -> list[str]:
        out: list[str] = []
        offset = 0
        while True:
            with self._calls():
                got = self._collection.get(include=[], limit=_PAGE, offset=offset)["ids"]
            out.extend(got)
            if len(got) < _PAGE:
                return out
            offset += _PAGE

    def count(self) -> int:
        with self._calls():
            return int(self._collection.count())

    def model_info(self) -> StoreInfo:
        meta = dict(self._collection.metadata or {})
        model_id, dim = meta.get("model_id"), meta.get("dim")
        return StoreInfo(model_id=str(model_id) if model_id is not None else None,
                         dim=int(dim) if isinstance(dim, int | float) else None)

    def probe(self) -> None:
        with self._calls():
            first = self._collection.peek(1)
        if not first["ids"]:
            return
        embeddings = first["embeddings"]
        if embeddings is None or len(embeddings) == 0:
            raise IndexDamagedError("the vector index lost its vectors; rebuild it")
        if not self.query(np.asarray(embeddings[0]), 1):
            raise IndexDamagedError("the vector index returns nothing; rebuild it")

    def close(self) -> None:
        """Release the client; chromadb stops an embedded database once its last client closes,
        so the folder can be deleted or reopened cleanly."""
        self._client.close()

    def drop(self) -> None:
        self._size = None
        with suppress(NotFoundError):  # already gone: what dropping wants
            self._client.delete_collection(self.name)
