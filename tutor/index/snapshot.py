"""A read-only view of the serving generation, and the health check run before using it."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from functools import cached_property

from tutor import prompts
from tutor.config import Settings, load_settings
from tutor.embed.base import vector_space
from tutor.errors import EmptyIndexError, IndexDamagedError, ModelMismatchError, TutorError
from tutor.index.base import VectorSearch, VectorStore
from tutor.index.generations import current_name, open_generations, open_matrix, open_store
from tutor.index.lexical import LexicalIndex
from tutor.types import Chunk

log = logging.getLogger(__name__)
PROBE_SECONDS = 60.0
_CHILD = ("import sys; from tutor.index.snapshot import probe_child; "
          "sys.exit(probe_child(sys.argv[1:]))")


class Snapshot:
    """One published generation: its manifest, chunks, BM25 index and vector store, which
    dense search reads through the generation's matrix copy when it has one.

    In team mode the BM25 index is built here, in memory, from the chunks in PostgreSQL.
    """

    def __init__(self, settings: Settings, gen: str, model_id: str | None = None):
        self.settings = settings
        self.generation = gen
        catalog = open_generations(settings)
        self.manifest = catalog.manifest(gen)
        if model_id is not None and vector_space(self.manifest.model_id) != vector_space(model_id):
            raise ModelMismatchError(
                f"the index was built with the embedding model '{self.manifest.model_id}' but "
                f"'{model_id}' is configured; rebuild the index (tutor ingest --rebuild PATH) "
                "or set TUTOR_EMBED_MODEL back"
            )
        chunks = catalog.chunks(gen)
        if len(chunks) != self.manifest.chunk_count:
            raise IndexDamagedError(
                f"the chunk store holds {len(chunks)} chunks, the manifest says "
                f"{self.manifest.chunk_count}; rebuild the index"
            )
        self.chunks: dict[str, Chunk] = {c.id: c for c in chunks}
        self.order = [c.id for c in chunks]
        self.lexical: LexicalIndex = catalog.lexical(gen, chunks, settings.lexical_analyzer)
        self._store_lock = threading.Lock()
        self._store: VectorStore | None = None
        self.dense: VectorSearch
        copy = open_matrix(settings, gen, chunks, self.manifest.dim)
        if copy is None:
            self._store = self.dense = self._checked(open_store(settings, gen))
        else:
            self.dense = copy

    def _checked(self, store: VectorStore) -> VectorStore:
        recorded = store.model_info().model_id
        if recorded not in (None, self.manifest.model_id):
            store.close()
            raise ModelMismatchError("the vector store and the manifest disagree on the model")
        return store

    @property
    def store(self) -> VectorStore:
        """The generation's vector store (the store of record), opened on first use when
        serving searches the matrix copy."""
        with self._store_lock:
            if self._store is None:
                self._store = self._checked(open_store(self.settings, self.generation))
            return self._store

    @cached_property
    def sections(self) -> dict[tuple[str, str], str]:
        """The text of each note section by (source, heading): its chunks' texts in index
        order, each once, joined by blank lines."""
        texts: dict[tuple[str, str], list[str]] = {}
        for chunk in self.chunks.values():
            if chunk.heading_path:
                texts.setdefault((chunk.source, chunk.heading_path[-1]), []).append(chunk.text)
        return {key: "\n\n".join(dict.fromkeys(parts)) for key, parts in texts.items()}

    @property
    def dense_search(self) -> str:
        """What dense search reads: "matrix" (the generation's copy of its vectors) or
        "store" (the vector store itself: a server, memory, or an index built before the
        copy existed, which the next ingest gives one)."""
        return "store" if self.dense is self._store else "matrix"

    @classmethod
    def open_current(cls, settings: Settings, model_id: str | None = None) -> Snapshot:
        """The serving generation; EmptyIndexError when nothing is indexed yet."""
        gen = current_name(settings)
        if gen is None:
            raise EmptyIndexError(prompts.EMPTY_INDEX)
        return cls(settings, gen, model_id)

    def is_current(self) -> bool:
        return current_name(self.settings) == self.generation

    def verify(self) -> None:
        """Cheap integrity check: the vector store holds every chunk and answers a search.

        Raises IndexDamagedError (BackendError for a server that fails).
        """
        checked = [self.store] if self.dense is self.store else [self.store, self.dense]
        for vectors in checked:
            n = vectors.count()
            if n != len(self.chunks):
                raise IndexDamagedError(f"the vector index holds {n} vectors for "
                                        f"{len(self.chunks)} chunks; rebuild it")
            vectors.probe()

    def close(self) -> None:
        """Release the vector store if it was opened (tests and tools that open many
        generations)."""
        with self._store_lock:
            if self._store is not None:
                self._store.close()


class LiveSnapshot:
    """The serving generation as it changes: every ``get`` checks the pointer, and when an
    ingest (in any process, on any host) has published a new generation, one caller opens
    it (in team mode that builds its BM25 in memory) while the others keep answering from
    the previous one, which the ingest keeps until its next run. No restart, no failed query.
    """

    def __init__(self, settings: Settings, model_id: str | None = None):
        self.settings = settings
        self.model_id = model_id
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    @property
    def opened(self) -> bool:
        """Whether a generation is open already (the app's warm-up opens it before anyone
        asks)."""
        return self._snapshot is not None

    def get(self) -> Snapshot:
        snap = self._snapshot
        if snap is None:
            with self._lock:  # the first open: every caller needs it
                if self._snapshot is None:
                    self._snapshot = Snapshot.open_current(self.settings, self.model_id)
                return self._snapshot
        if snap.is_current() or not self._lock.acquire(blocking=False):
            return snap
        try:
            if self._snapshot is snap:
                self._snapshot = Snapshot.open_current(self.settings, self.model_id)
        except TutorError as exc:
            # The new generation cannot be opened here (yet): keep serving the one we have.
            log.warning("keeping generation %s: %s", snap.generation, exc)
        finally:
            self._lock.release()
        return self._snapshot or snap


def index_accepts_model(settings: Settings, model_id: str) -> bool:
    """False when the serving generation was built with another embedding model than
    ``model_id`` (opening it with that model raises ModelMismatchError); True otherwise,
    also when nothing is indexed. Reads the manifest only: cheap enough to ask before
    loading an encoder, so that a changed model is never loaded for a refused index."""
    gen = current_name(settings)
    if gen is None:
        return True
    built = open_generations(settings).manifest(gen).model_id
    return vector_space(built) == vector_space(model_id)


def probe_index(settings: Settings, timeout: float = PROBE_SECONDS) -> str | None:
    """None when the serving index is usable or nothing is indexed; otherwise a message for
    the user that says what is wrong and to rebuild.

    Embedded Chroma is checked in a child process, because a damaged store can crash or
    hang the native code that reads it, and the caller (the app, the CLI) must survive to
    report it. Other stores cannot crash this process and are checked in it; a server that
    fails raises BackendError rather than being reported as damage.
    """
    if current_name(settings) is None:
        return None
    if settings.vector_store == "chroma" and not settings.chroma_url:
        return _probe_in_child(settings, timeout)
    try:
        snap = Snapshot.open_current(settings)
        try:
            snap.verify()
        finally:
            snap.close()
    except IndexDamagedError as exc:
        return prompts.INDEX_DAMAGED.format(detail=str(exc).rstrip("."))
    return None


def _probe_in_child(settings: Settings, timeout: float) -> str | None:
    args = json.dumps({"home": str(settings.home), "collection": settings.collection,
                       "chroma_url": None, "vector_store": "chroma"})
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, args],
            capture_output=True, text=True, timeout=timeout, check=False,
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


def probe_child(argv: list[str]) -> int:
    """The child of ``_probe_in_child``: exit 0 when healthy, else print the reason."""
    try:
        Snapshot.open_current(load_settings(**json.loads(argv[0]))).verify()
    except EmptyIndexError:
        return 0
    except TutorError as exc:
        print(str(exc).replace("\n", " "))
        return 1
    except Exception as exc:  # noqa: BLE001 - anything else is damage as far as the user knows
        print(f"{type(exc).__name__}: {exc}".replace("\n", " "))
        return 1
    return 0
