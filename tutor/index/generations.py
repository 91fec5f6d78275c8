"""Index generations: each ingest that changes anything builds a complete new generation
and then flips the serving pointer atomically.

A reader only ever sees a finished generation, so a killed or failed ingest leaves the
previous index serving, and the next run starts clean (ids come from content, so nothing
is duplicated). Manifests, chunks and the pointer live in a GenerationStore (files under
``$TUTOR_HOME/index``, see tutor/index/disk.py, or PostgreSQL in team mode, see
tutor/index/pgstore.py); vectors in the generation's VectorStore.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import numpy as np

from tutor.config import Settings
from tutor.errors import BackendError, IndexDamagedError
from tutor.index import matrix
from tutor.index.base import GenerationStore, VectorStore
from tutor.index.disk import DiskGenerations
from tutor.index.manifest import FORMAT, FileRecord, Manifest
from tutor.types import Chunk

__all__ = ["FORMAT", "FileRecord", "Manifest", "current_name", "open_generations", "publish"]
WRITE_BATCH = 1000


def open_generations(settings: Settings) -> GenerationStore:
    """Where manifests, chunks and the serving pointer live: PostgreSQL in team mode, files
    under ``$TUTOR_HOME/index`` otherwise. The one place the catalog is chosen."""
    if settings.team:
        from tutor.index.pgstore import PostgresGenerations

        return PostgresGenerations(settings.database)
    return DiskGenerations(settings.index_dir)


def gens_dir(settings: Settings) -> Path:
    return settings.index_dir / "gens"


def current_name(settings: Settings) -> str | None:
    """The serving generation, or None when nothing has been indexed."""
    return open_generations(settings).current()


def new_name() -> str:
    return f"g{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.perf_counter_ns() % 10**6:06d}"


def backend_name(settings: Settings) -> str:
    """Where the vectors live, as recorded in the manifest."""
    if settings.vector_store == "memory":
        return "memory"
    return settings.chroma_url or "embedded"


def collection_name(settings: Settings, gen: str) -> str:
    """A server (or this process's memory) holds every generation side by side; embedded
    Chroma has one folder per generation, so the collection name can stay the same."""
    if settings.vector_store == "memory" or settings.chroma_url:
        return f"{settings.collection}-{gen}"
    return settings.collection


def open_store(settings: Settings, gen: str, *, create: bool = False, model_id: str = "",
               dim: int = 0) -> VectorStore:
    """The vector store of generation ``gen``: the one place a backend is chosen.

    Each backend module is imported when chosen (chromadb alone takes seconds to import).
    """
    name = collection_name(settings, gen)
    if settings.vector_store == "memory":
        from tutor.index.memory import InMemoryStore

        return InMemoryStore(f"{settings.home}:{name}", model_id=model_id, dim=dim,
                             create=create)
    path = None if settings.chroma_url else gens_dir(settings) / gen / "chroma"
    if path is not None and not create and not path.exists():
        raise IndexDamagedError(f"the vector index folder {path} is missing")
    from tutor.index.chroma import ChromaStore

    return ChromaStore(name, path=path, url=settings.chroma_url, model_id=model_id, dim=dim,
                       create=create)


def matrix_path(settings: Settings, gen: str) -> Path | None:
    """Where generation ``gen`` keeps the matrix copy of its vectors: embedded Chroma only
    (a server or PostgreSQL is shared by hosts that do not share this folder)."""
    if settings.vector_store != "chroma" or settings.chroma_url:
        return None
    return gens_dir(settings) / gen / matrix.FILE


def open_matrix(settings: Settings, gen: str, chunks: list[Chunk], dim: int
                ) -> matrix.VectorMatrix | None:
    """The matrix copy of generation ``gen``'s vectors; None when it has none."""
    path = matrix_path(settings, gen)
    if path is None or not path.exists():
        return None
    return matrix.VectorMatrix(path, chunks, dim)


def read_manifest(settings: Settings, gen: str) -> Manifest:
    return open_generations(settings).manifest(gen)


def read_chunks(settings: Settings, gen: str) -> list[Chunk]:
    return open_generations(settings).chunks(gen)


def writer_lock(settings: Settings) -> AbstractContextManager[None]:
    """One ingest at a time on this index (IngestLockedError when another holds it)."""
    return open_generations(settings).writer_lock()


def lexical_current(settings: Settings, gen: str) -> bool:
    """Whether ``gen`` needs no new BM25 index for the configured analyser (its saved one was
    built with it, or the store builds BM25 in memory anyway)."""
    catalog = open_generations(settings)
    saved = catalog.lexical_analyzer(gen)
    return saved == settings.lexical_analyzer or (saved is None and settings.team)


def matrix_current(settings: Settings, gen: str) -> bool:
    """Whether ``gen`` needs no matrix copy written: it has one, or keeps none (an index
    built before the copy existed gets one from the next ingest, whose vectors come from the
    embedding cache)."""
    path = matrix_path(settings, gen)
    return path is None or path.exists()


def write_generation(settings: Settings, manifest: Manifest, chunks: list[Chunk],
                     vectors: np.ndarray, progress: Callable[[int], None] | None = None) -> None:
    """Write a complete generation (vectors, chunk store, BM25, manifest last); not published."""
    catalog = open_generations(settings)
    catalog.reserve(manifest.generation)
    store = open_store(settings, manifest.generation, create=True,
                       model_id=manifest.model_id, dim=manifest.dim)
    try:
        for start in range(0, len(chunks), WRITE_BATCH):
            store.add(chunks[start:start + WRITE_BATCH], vectors[start:start + WRITE_BATCH])
            if progress is not None:
                progress(min(WRITE_BATCH, len(chunks) - start))
        if store.count() != len(chunks):
            raise IndexDamagedError(
                f"the vector store holds {store.count()} vectors after writing {len(chunks)}"
            )
    finally:
        store.close()
    path = matrix_path(settings, manifest.generation)
    if path is not None:
        matrix.save(path, vectors)
    manifest.chunk_count = len(chunks)
    catalog.write(manifest, chunks, settings.lexical_analyzer)


def publish(settings: Settings, gen: str) -> None:
    """Make ``gen`` the serving generation (atomically)."""
    open_generations(settings).publish(gen)


def collect_garbage(settings: Settings, keep_previous: str | None) -> None:
    """Remove generations other than the current one and the one it replaced.

    The replaced generation is kept so that a reader that opened it just before the flip
    can finish its query; it goes at the next run.
    """
    catalog = open_generations(settings)
    keep = {catalog.current(), keep_previous}
    for name in catalog.names():
        if name not in keep:
            discard(settings, name)


def discard(settings: Settings, gen: str) -> None:
    """Remove a generation that is not serving: its vectors, then its folder."""
    if settings.vector_store == "memory" or settings.chroma_url:
        try:
            store = open_store(settings, gen)
        except (IndexDamagedError, BackendError):
            pass  # a generation that failed half-way may have no collection to drop
        else:
            store.drop()
            store.close()
    open_generations(settings).remove(gen)
