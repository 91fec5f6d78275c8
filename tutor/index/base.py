"""The VectorStore protocol: the seam between the index generations and a vector database."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Protocol

import numpy as np
from pydantic import BaseModel, Field

from tutor.config import LexicalAnalyzer as Analyzer
from tutor.index.lexical import LexicalIndex
from tutor.index.manifest import Manifest
from tutor.types import Chunk, Filters


class StoreInfo(BaseModel):
    """What a store recorded about the vectors when it was created."""

    model_id: str | None = Field(None, description="Embedding model id; None if not recorded.")
    dim: int | None = Field(None, description="Vector length; None if not recorded.")


class VectorSearch(Protocol):
    """What serving needs of a generation's vectors: the store itself, or its matrix copy
    (tutor/index/matrix.py)."""

    def query(self, vector: np.ndarray, n: int, filters: Filters | None = None
              ) -> list[tuple[str, float]]:
        """Up to ``n`` (chunk id, cosine similarity) pairs, best first, within ``filters``."""

    def count(self) -> int:
        """How many vectors are searched."""

    def probe(self) -> None:
        """Cheap integrity check; IndexDamagedError when the vectors cannot be trusted."""


class VectorStore(Protocol):
    """Dense vectors keyed by chunk id, searched by cosine similarity; one per generation.

    Implementations raise the project's errors: IndexDamagedError when stored data cannot be
    read, BackendError when a server fails. Every method but ``close`` and ``drop`` may raise.
    """

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Upsert one vector per chunk (same order); chunk metadata is kept for filtering."""

    def query(self, vector: np.ndarray, n: int, filters: Filters | None = None
              ) -> list[tuple[str, float]]:
        """Up to ``n`` (chunk id, cosine similarity) pairs, best first, within ``filters``."""

    def vectors(self, ids: Sequence[str]) -> np.ndarray:
        """The stored vectors of ``ids``, row for row; IndexDamagedError if one is missing."""

    def ids(self) -> list[str]:
        """Every chunk id the store holds."""

    def count(self) -> int:
        """How many vectors the store holds."""

    def model_info(self) -> StoreInfo:
        """The model id and dimension recorded when the store was created."""

    def probe(self) -> None:
        """Cheap integrity check: a stored vector can be read and finds itself by search.

        A count alone is not enough: damaged segment files pass a count but fail a search.
        """

    def close(self) -> None:
        """Release files and connections; the store is not used afterwards."""

    def drop(self) -> None:
        """Delete everything the store holds; a store that is already gone is fine."""


class GenerationStore(Protocol):
    """Where generations' manifests and chunks live, and which one serves: files under
    ``$TUTOR_HOME/index`` (single-user) or PostgreSQL (team mode). Vectors are not here:
    they are in the generation's VectorStore.

    A generation is invisible to readers until ``write`` has finished it, and serves only
    after ``publish``, which is atomic. Methods raise IndexDamagedError for data that cannot
    be read and BackendError for a server that fails.
    """

    def where(self) -> str:
        """Where the catalog lives, for messages (a folder, or host:port/db)."""

    def current(self) -> str | None:
        """The serving generation, or None when nothing was published."""

    def names(self) -> list[str]:
        """Every generation stored, finished or not (the garbage collector's view)."""

    def manifest(self, gen: str) -> Manifest:
        """The generation's manifest; IndexDamagedError if it is missing or unfinished."""

    def chunks(self, gen: str) -> list[Chunk]:
        """The generation's chunks in index order."""

    def lexical(self, gen: str, chunks: list[Chunk], analyzer: Analyzer) -> LexicalIndex:
        """BM25 over ``chunks`` with ``analyzer``: loaded from disk (rebuilt in memory when
        it was saved with another analyser), or built in memory from the chunks."""

    def lexical_analyzer(self, gen: str) -> Analyzer | None:
        """The analyser the saved BM25 index of ``gen`` was built with; None when nothing is
        saved (a store that builds BM25 in memory, or a missing index)."""

    def reserve(self, gen: str) -> None:
        """Record that ``gen`` is being built, before its vectors are written, so that a
        build killed half-way is found by ``names`` and removed by the next ingest."""

    def write(self, manifest: Manifest, chunks: list[Chunk], analyzer: Analyzer) -> None:
        """Store a complete generation (chunks, BM25 where it is saved, then the manifest
        last); not published."""

    def publish(self, gen: str) -> None:
        """Make the finished generation ``gen`` the serving one, atomically."""

    def remove(self, gen: str) -> None:
        """Delete a generation that does not serve; a missing one is fine."""

    def writer_lock(self) -> AbstractContextManager[None]:
        """Held for a whole ingest: one writer at a time (IngestLockedError when taken).
        A writer that dies releases it."""


def chunk_metadata(chunk: Chunk) -> dict[str, str | int]:
    """Flat metadata for filtering; absent values are left out (Chroma rejects None)."""
    meta: dict[str, str | int] = {
        "source": chunk.source, "title": chunk.title, "heading": chunk.heading,
        "position": chunk.position, "content_hash": chunk.content_hash,
    }
    optional: dict[str, str | int | None] = {
        "page": chunk.page, "url": chunk.url, "domain": chunk.domain, "task": chunk.task,
        "corpus": chunk.corpus}
    meta.update({k: v for k, v in optional.items() if v is not None})
    return meta
