"""Generations as files under ``$TUTOR_HOME/index`` (single-user mode)::

    CURRENT                 name of the serving generation (replaced by an atomic rename)
    gens/<name>/manifest.json, chunks.jsonl, bm25/, chroma/ (embedded Chroma),
                vectors.npy (its serving copy, tutor/index/matrix.py)
    .ingest.lock            one writer at a time
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from tutor.config import LexicalAnalyzer as Analyzer
from tutor.errors import IndexDamagedError, IngestLockedError
from tutor.index.lexical import LexicalIndex
from tutor.index.manifest import Manifest
from tutor.types import Chunk

log = logging.getLogger(__name__)


def fsync_write(path: Path, lines: Iterable[str]) -> None:
    """Write ``lines`` to ``path`` atomically: a temporary file, fsync, then rename."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.writelines(lines)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class DiskGenerations:
    """The GenerationStore of one ``index`` folder."""

    def __init__(self, index_dir: Path):
        self.root = index_dir
        self.gens = index_dir / "gens"

    def where(self) -> str:
        return str(self.root)

    def current(self) -> str | None:
        try:
            name = (self.root / "CURRENT").read_text().strip()
        except FileNotFoundError:
            return None
        return name or None

    def names(self) -> list[str]:
        if not self.gens.exists():
            return []
        return sorted(p.name for p in self.gens.iterdir() if p.is_dir())

    def manifest(self, gen: str) -> Manifest:
        path = self.gens / gen / "manifest.json"
        try:
            return Manifest.model_validate_json(path.read_text())
        except FileNotFoundError as exc:
            raise IndexDamagedError(f"the index manifest {path} is missing") from exc
        except ValueError as exc:
            raise IndexDamagedError(f"the index manifest {path} is unreadable") from exc

    def chunks(self, gen: str) -> list[Chunk]:
        path = self.gens / gen / "chunks.jsonl"
        try:
            with path.open(encoding="utf-8") as fh:
                return [Chunk.model_validate_json(line) for line in fh if line.strip()]
        except FileNotFoundError as exc:
            raise IndexDamagedError(f"the chunk store {path} is missing") from exc
        except ValueError as exc:
            raise IndexDamagedError(f"the chunk store {path} is damaged") from exc

    def lexical(self, gen: str, chunks: list[Chunk], analyzer: Analyzer) -> LexicalIndex:
        try:
            index = LexicalIndex.load(self.gens / gen / "bm25")
        except (OSError, ValueError, KeyError) as exc:
            raise IndexDamagedError(
                f"the BM25 index is damaged ({exc}); rebuild the index") from exc
        if index.analyzer != analyzer:
            # An index from before the analyser changed still serves: BM25 is rebuilt here in
            # seconds (nothing is re-embedded), and the next ingest writes it to disk.
            log.warning("the BM25 index was built with the '%s' analyser, '%s' is configured; "
                        "rebuilding it in memory (run tutor ingest to save it)",
                        index.analyzer, analyzer)
            index = LexicalIndex.build([c.id for c in chunks],
                                       [c.embed_text() for c in chunks], analyzer)
        return index

    def lexical_analyzer(self, gen: str) -> Analyzer | None:
        try:
            return LexicalIndex.saved_analyzer(self.gens / gen / "bm25")
        except (OSError, ValueError, KeyError):
            return None

    def reserve(self, gen: str) -> None:
        (self.gens / gen).mkdir(parents=True, exist_ok=True)

    def write(self, manifest: Manifest, chunks: list[Chunk], analyzer: Analyzer) -> None:
        folder = self.gens / manifest.generation
        folder.mkdir(parents=True, exist_ok=True)
        fsync_write(folder / "chunks.jsonl", (c.model_dump_json() + "\n" for c in chunks))
        LexicalIndex.build([c.id for c in chunks], [c.embed_text() for c in chunks],
                           analyzer).save(folder / "bm25")
        fsync_write(folder / "manifest.json", [manifest.model_dump_json(indent=1)])

    def publish(self, gen: str) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        fsync_write(self.root / "CURRENT", [gen + "\n"])

    def remove(self, gen: str) -> None:
        shutil.rmtree(self.gens / gen, ignore_errors=True)

    @contextmanager
    def writer_lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.root / ".ingest.lock"), timeout=0)
        try:
            lock.acquire()
        except Timeout as exc:
            raise IngestLockedError(
                "another ingest is already running on this index "
                f"({self.root}); wait for it to finish and try again") from exc
        try:
            yield
        finally:
            lock.release()
