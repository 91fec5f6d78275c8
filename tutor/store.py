"""Index generations on disk: each ingest that changes anything builds a complete new
generation and then flips the CURRENT pointer atomically.

A reader only ever sees a finished generation, so a killed or failed ingest leaves the
previous index serving, and the next run starts clean (ids come from content, so nothing
is duplicated). Layout under ``$TUTOR_HOME/index``::

    CURRENT                 name of the serving generation
    gens/<name>/manifest.json, chunks.jsonl, bm25/, chroma/ (embedded mode)
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from tutor.config import Settings
from tutor.embed import vector_space
from tutor.errors import EmptyIndexError, IndexDamagedError, ModelMismatchError
from tutor.index import ChromaStore, release_embedded
from tutor.lexical import LexicalIndex
from tutor.types import Chunk, FileStatus, IngestReport

FORMAT = 1


class FileRecord(BaseModel):
    """What the index holds for one source file."""

    root: str = Field(description="Absolute folder the source path is relative to.")
    corpus: str | None = None
    sha256: str
    size: int
    status: FileStatus
    message: str | None = None
    warnings: list[str] = Field(default_factory=list)
    chunk_ids: list[str] = Field(default_factory=list)


class Manifest(BaseModel):
    format: int = FORMAT
    generation: str
    created: float
    model_id: str
    dim: int
    backend: str = Field(description="'embedded' or the Chroma server URL.")
    collection: str
    chunk_count: int
    files: dict[str, FileRecord] = Field(default_factory=dict)
    report: IngestReport | None = None


def _pointer(settings: Settings) -> Path:
    return settings.index_dir / "CURRENT"


def gens_dir(settings: Settings) -> Path:
    return settings.index_dir / "gens"


def current_name(settings: Settings) -> str | None:
    try:
        name = _pointer(settings).read_text().strip()
    except FileNotFoundError:
        return None
    return name or None


def new_name() -> str:
    return f"g{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.perf_counter_ns() % 10**6:06d}"


def collection_name(settings: Settings, gen: str) -> str:
    # A server holds every generation side by side; embedded mode has one folder per generation.
    return f"{settings.collection}-{gen}" if settings.chroma_url else settings.collection


def open_store(settings: Settings, gen: str, *, create: bool = False, model_id: str = "",
               dim: int = 0) -> ChromaStore:
    path = None if settings.chroma_url else gens_dir(settings) / gen / "chroma"
    if path is not None and not create and not path.exists():
        raise IndexDamagedError(f"the vector index folder {path} is missing")
    return ChromaStore(collection_name(settings, gen), path=path, url=settings.chroma_url,
                       model_id=model_id, dim=dim, create=create)


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


def _fsync_write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_generation(settings: Settings, manifest: Manifest, chunks: list[Chunk],
                     vectors: np.ndarray, progress=None) -> None:  # noqa: ANN001
    """Write a complete generation (vectors, chunk store, BM25, manifest last) without publishing."""
    folder = gens_dir(settings) / manifest.generation
    folder.mkdir(parents=True, exist_ok=True)
    store = open_store(settings, manifest.generation, create=True,
                       model_id=manifest.model_id, dim=manifest.dim)
    step = 1000
    for start in range(0, len(chunks), step):
        store.add(chunks[start:start + step], vectors[start:start + step])
        if progress is not None:
            progress(min(step, len(chunks) - start))
    if store.count() != len(chunks):
        raise IndexDamagedError(
            f"the vector store holds {store.count()} vectors after writing {len(chunks)}"
        )
    with (folder / "chunks.jsonl.tmp").open("w", encoding="utf-8") as fh:
        for c in chunks:
            fh.write(c.model_dump_json() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(folder / "chunks.jsonl.tmp", folder / "chunks.jsonl")
    LexicalIndex.build([c.id for c in chunks], [c.embed_text() for c in chunks]).save(
        folder / "bm25"
    )
    manifest.chunk_count = len(chunks)
    _fsync_write(folder / "manifest.json", manifest.model_dump_json(indent=1))
    if settings.chroma_url is None:
        release_embedded(folder / "chroma")


def publish(settings: Settings, gen: str) -> None:
    """Make ``gen`` the serving generation (atomic rename of the pointer file)."""
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    _fsync_write(_pointer(settings), gen + "\n")


def collect_garbage(settings: Settings, keep_previous: str | None) -> None:
    """Remove generations other than the current one and the one it replaced.

    The replaced generation is kept so that a reader that opened it just before the flip
    can finish its query; it goes at the next run.
    """
    current = current_name(settings)
    keep = {current, keep_previous}
    root = gens_dir(settings)
    if not root.exists():
        return
    for folder in root.iterdir():
        if folder.name in keep or not folder.is_dir():
            continue
        if settings.chroma_url:
            try:
                open_store(settings, folder.name).drop()
            except Exception:  # noqa: BLE001 - a half-written generation may have no collection
                pass
        release_embedded(folder / "chroma")
        shutil.rmtree(folder, ignore_errors=True)


def discard(settings: Settings, gen: str) -> None:
    """Remove an unpublished generation after a failed run."""
    if settings.chroma_url:
        try:
            open_store(settings, gen).drop()
        except Exception:  # noqa: BLE001
            pass
    release_embedded(gens_dir(settings) / gen / "chroma")
    shutil.rmtree(gens_dir(settings) / gen, ignore_errors=True)


class Snapshot:
    """A read-only view of one published generation: chunks, vectors and BM25."""

    def __init__(self, settings: Settings, gen: str, model_id: str | None = None):
        self.settings = settings
        self.generation = gen
        self.manifest = read_manifest(settings, gen)
        if model_id is not None and vector_space(self.manifest.model_id) != vector_space(model_id):
            raise ModelMismatchError(
                f"the index was built with the embedding model '{self.manifest.model_id}' but "
                f"'{model_id}' is configured; rebuild the index (tutor ingest --rebuild PATH) "
                "or set TUTOR_EMBED_MODEL back"
            )
        chunks = read_chunks(settings, gen)
        if len(chunks) != self.manifest.chunk_count:
            raise IndexDamagedError(
                f"the chunk store holds {len(chunks)} chunks, the manifest says "
                f"{self.manifest.chunk_count}; rebuild the index"
            )
        self.chunks: dict[str, Chunk] = {c.id: c for c in chunks}
        self.order = [c.id for c in chunks]
        try:
            self.lexical = LexicalIndex.load(gens_dir(settings) / gen / "bm25")
        except (OSError, ValueError, KeyError) as exc:
            raise IndexDamagedError(f"the BM25 index is damaged ({exc}); rebuild the index") from exc
        self.store = open_store(settings, gen)
        info = self.store.model_info()
        if info.get("model_id") not in (None, self.manifest.model_id):
            raise ModelMismatchError("the vector store and the manifest disagree on the model")

    @classmethod
    def open_current(cls, settings: Settings, model_id: str | None = None) -> "Snapshot":
        gen = current_name(settings)
        if gen is None:
            from tutor import prompts

            raise EmptyIndexError(prompts.EMPTY_INDEX)
        return cls(settings, gen, model_id)

    def is_current(self) -> bool:
        return current_name(self.settings) == self.generation

    def verify(self) -> None:
        """Cheap integrity check: the vector store answers a query and holds every chunk.

        Raises IndexDamagedError (BackendError for a server that fails). The nearest-neighbour
        query matters: damaged segment files pass a count but fail a search.
        """
        n = self.store.count()
        if n != len(self.chunks):
            raise IndexDamagedError(
                f"the vector index holds {n} vectors for {len(self.chunks)} chunks; rebuild it"
            )
        if not self.chunks:
            return
        try:
            probe = self.store.collection.get(ids=[self.order[0]], include=["embeddings"])
        except Exception as exc:  # noqa: BLE001 - a damaged segment fails in many ways
            raise IndexDamagedError(f"the vector index cannot be read ({exc}); rebuild it") from exc
        if not probe["ids"] or probe["embeddings"] is None or len(probe["embeddings"]) == 0:
            raise IndexDamagedError("the vector index lost its vectors; rebuild it")
        if not self.store.query(np.asarray(probe["embeddings"][0]), 1):
            raise IndexDamagedError("the vector index returns nothing; rebuild it")


PROBE_SECONDS = 60.0


def probe_index(settings: Settings, timeout: float = PROBE_SECONDS) -> str | None:
    """Check the serving index in a child process; None when it is usable or nothing is indexed.

    Otherwise return a message for the user that says what is wrong and to rebuild. The
    check runs in a subprocess because a damaged vector store can crash or hang the native
    code that reads it, and the caller (the app, the CLI) must survive to report it.
    """
    import subprocess
    import sys

    from tutor import prompts

    if current_name(settings) is None:
        return None
    args = json.dumps({"home": str(settings.home), "chroma_url": settings.chroma_url,
                       "collection": settings.collection})
    try:
        done = subprocess.run(
            [sys.executable, "-c", "import tutor.store as s; s._probe_child()", args],
            capture_output=True, text=True, timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        detail = f"the index check did not finish in {timeout:.0f} s"
        return prompts.INDEX_DAMAGED.format(detail=detail)
    if done.returncode == 0:
        return None
    if done.stdout.strip():
        detail = done.stdout.strip().splitlines()[-1]
    elif done.returncode < 0:
        detail = f"reading it crashed the index check (signal {-done.returncode})"
    else:
        detail = f"the index check stopped with exit code {done.returncode}"
    return prompts.INDEX_DAMAGED.format(detail=detail)


def _probe_child() -> None:
    """Entry point of probe_index's child: exit 0 when healthy, else print the reason."""
    import sys

    from tutor.config import load_settings
    from tutor.errors import TutorError

    try:
        settings = load_settings(**json.loads(sys.argv[1]))
        Snapshot.open_current(settings).verify()
    except EmptyIndexError:
        sys.exit(0)
    except TutorError as exc:
        print(str(exc).replace("\n", " "))
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - anything else is damage as far as the user knows
        print(f"{type(exc).__name__}: {exc}".replace("\n", " "))
        sys.exit(1)
