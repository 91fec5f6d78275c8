"""Index generations on disk: each ingest that changes anything builds a complete new
generation and then flips the CURRENT pointer atomically.

A reader only ever sees a finished generation, so a killed or failed ingest leaves the
previous index serving, and the next run starts clean (ids come from content, so nothing
is duplicated). Layout under ``$TUTOR_HOME/index``::

    CURRENT                 name of the serving generation
    gens/<name>/manifest.json, chunks.jsonl, bm25/, chroma/ (embedded Chroma)
"""

from __future__ import annotations

import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from tutor.config import Settings
from tutor.errors import BackendError, IndexDamagedError
from tutor.index.base import VectorStore
from tutor.index.lexical import LexicalIndex
from tutor.types import Chunk, FileStatus, IngestReport

FORMAT = 1
WRITE_BATCH = 1000


class FileRecord(BaseModel):
    """What the index holds for one source file."""

    root: str = Field(description="Absolute folder the source path is relative to.")
    corpus: str | None = Field(None, description="Name of the source set, e.g. 'notes'.")
    sha256: str = Field(description="Digest of the file's bytes ('size:N' when over the limit).")
    size: int = Field(description="Bytes on disk.")
    status: FileStatus
    message: str | None = Field(None, description="What to do about a file that is not ok.")
    warnings: list[str] = Field(default_factory=list)
    chunk_ids: list[str] = Field(default_factory=list)


class Manifest(BaseModel):
    """Everything one generation holds, written last so a half-built generation has none."""

    format: int = FORMAT
    generation: str
    created: float = Field(description="Unix time the generation was written.")
    model_id: str = Field(description="Embedding model the vectors were built with.")
    dim: int
    backend: str = Field(description="'embedded', 'memory' or the Chroma server URL.")
    collection: str
    chunk_count: int
    files: dict[str, FileRecord] = Field(default_factory=dict)
    report: IngestReport | None = None

    def statuses(self) -> dict[str, int]:
        """Files per status (ok, empty, encrypted, ...)."""
        return dict(Counter(rec.status.value for rec in self.files.values()))

    def chunks_by_corpus(self) -> dict[str, int]:
        """Chunks per source set ('?' for files ingested without one)."""
        out: Counter[str] = Counter()
        for rec in self.files.values():
            out[rec.corpus or "?"] += len(rec.chunk_ids)
        return dict(out)


def _pointer(settings: Settings) -> Path:
    return settings.index_dir / "CURRENT"


def gens_dir(settings: Settings) -> Path:
    return settings.index_dir / "gens"


def current_name(settings: Settings) -> str | None:
    """The serving generation, or None when nothing has been indexed."""
    try:
        name = _pointer(settings).read_text().strip()
    except FileNotFoundError:
        return None
    return name or None


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


def read_manifest(settings: Settings, gen: str) -> Manifest:
    path = gens_dir(settings) / gen / "manifest.json"
    try:
        return Manifest.model_validate_json(path.read_text())
    except FileNotFoundError as exc:
        raise IndexDamagedError(f"the index manifest {path} is missing") from exc
    except ValueError as exc:
        raise IndexDamagedError(f"the index manifest {path} is unreadable") from exc


def read_chunks(settings: Settings, gen: str) -> list[Chunk]:
    path = gens_dir(settings) / gen / "chunks.jsonl"
    try:
        with path.open(encoding="utf-8") as fh:
            return [Chunk.model_validate_json(line) for line in fh if line.strip()]
    except FileNotFoundError as exc:
        raise IndexDamagedError(f"the chunk store {path} is missing") from exc
    except ValueError as exc:
        raise IndexDamagedError(f"the chunk store {path} is damaged") from exc


def _fsync_write(path: Path, lines: Iterable[str]) -> None:
    """Write ``lines`` to ``path`` atomically: a temporary file, fsync, then rename."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.writelines(lines)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def lexical_current(settings: Settings, gen: str) -> bool:
    """Whether the BM25 index of ``gen`` was built with the configured analyser."""
    try:
        return LexicalIndex.saved_analyzer(gens_dir(settings) / gen / "bm25") == \
            settings.lexical_analyzer
    except (OSError, ValueError, KeyError):
        return False


def write_generation(settings: Settings, manifest: Manifest, chunks: list[Chunk],
                     vectors: np.ndarray, progress: Callable[[int], None] | None = None) -> None:
    """Write a complete generation (vectors, chunk store, BM25, manifest last); not published."""
    folder = gens_dir(settings) / manifest.generation
    folder.mkdir(parents=True, exist_ok=True)
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
    _fsync_write(folder / "chunks.jsonl", (c.model_dump_json() + "\n" for c in chunks))
    LexicalIndex.build([c.id for c in chunks], [c.embed_text() for c in chunks],
                       settings.lexical_analyzer).save(folder / "bm25")
    manifest.chunk_count = len(chunks)
    _fsync_write(folder / "manifest.json", [manifest.model_dump_json(indent=1)])


def publish(settings: Settings, gen: str) -> None:
    """Make ``gen`` the serving generation (atomic rename of the pointer file)."""
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    _fsync_write(_pointer(settings), [gen + "\n"])


def collect_garbage(settings: Settings, keep_previous: str | None) -> None:
    """Remove generations other than the current one and the one it replaced.

    The replaced generation is kept so that a reader that opened it just before the flip
    can finish its query; it goes at the next run.
    """
    keep = {current_name(settings), keep_previous}
    root = gens_dir(settings)
    if not root.exists():
        return
    for folder in root.iterdir():
        if folder.name not in keep and folder.is_dir():
            discard(settings, folder.name)


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
    shutil.rmtree(gens_dir(settings) / gen, ignore_errors=True)
