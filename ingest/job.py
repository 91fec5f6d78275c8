"""One ingest run. Builds a complete new index generation and publishes it atomically."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from ingest.walk import SourceFile, read_url_manifest, walk
from tutor.answer.sentences import texts_to_embed
from tutor.auth.access import User, require_admin
from tutor.chunk import Chunker
from tutor.config import Settings
from tutor.embed import Embedder, make_embedder
from tutor.errors import IndexDamagedError, LoadError, ModelMismatchError
from tutor.index import generations as gens
from tutor.index import probe_index
from tutor.load import load_file
from tutor.load.files import read_regular
from tutor.tagging import tag_untagged
from tutor.types import Change, Chunk, FileReport, FileStatus, IngestReport

log = logging.getLogger(__name__)
EMBED_BATCH = 256
Hook = Callable[[str], None]


class _Notices(logging.Handler):
    """Collects the warnings this run's thread logs (a damaged embedding cache set aside, an
    unreadable previous index), for the report."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages.append(record.getMessage())


def _progress(total: int, desc: str, enabled: bool) -> tqdm[Any] | None:
    if not enabled:
        return None
    return tqdm(total=total, desc=desc, unit="chunk" if "mbed" in desc else "file",
                leave=False, dynamic_ncols=True)


def run_ingest(
    paths: list[Path],
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    rebuild: bool = False,
    corpus: str | None = None,
    show_progress: bool = False,
    hook: Hook | None = None,
    user: User | None = None,
) -> IngestReport:
    """Ingest files and folders; return the report. The index changes only if all goes well.

    In team mode only an admin ``user`` may change the shared index (AccessDeniedError).

    ``rebuild`` ignores what the current index holds and builds from ``paths`` alone.
    ``hook`` is called with a stage name as the run goes (tests use it to kill the run).
    """
    require_admin(settings, user, "change the library")
    started = time.perf_counter()
    notices = _Notices()
    loggers = [logging.getLogger(name) for name in ("tutor", "ingest")]
    for logger in loggers:
        logger.addHandler(notices)
    # One writer per index: a file lock, or in team mode a PostgreSQL advisory lock that
    # every host sees.
    try:
        with gens.writer_lock(settings):
            run = _Run(settings, embedder or make_embedder(settings), rebuild=rebuild,
                       corpus=corpus, show_progress=show_progress, hook=hook, started=started)
            report = run.execute(paths)
        report.warnings = notices.messages
        return report
    finally:
        for logger in loggers:
            logger.removeHandler(notices)


@dataclass
class _Previous:
    """What the serving generation holds, as far as this run can reuse it."""

    name: str | None = None
    manifest: gens.Manifest | None = None
    chunks: dict[str, Chunk] = field(default_factory=dict)


@dataclass
class _Read:
    """The files of this run, read and chunked (or carried over unchanged)."""

    records: dict[str, gens.FileRecord]
    chunks: dict[str, Chunk] = field(default_factory=dict)
    reports: list[FileReport] = field(default_factory=list)


@dataclass
class _Run:
    settings: Settings
    embedder: Embedder
    rebuild: bool = False
    corpus: str | None = None
    show_progress: bool = False
    hook: Hook | None = None
    started: float = field(default_factory=time.perf_counter)

    def stage(self, name: str) -> None:
        if self.hook is not None:
            self.hook(name)

    def execute(self, paths: list[Path]) -> IngestReport:
        prev = self._previous()
        read = self._read(paths, prev)
        self.stage("chunked")
        ordered = [read.chunks[cid] for source in sorted(read.records)
                   for cid in read.records[source].chunk_ids if cid in read.chunks]
        prev_ids, new_ids = set(prev.chunks), {c.id for c in ordered}
        report = IngestReport(files=read.reports, chunks_total=len(ordered),
                              chunks_added=len(new_ids - prev_ids),
                              chunks_removed=len(prev_ids - new_ids) if prev.manifest else 0,
                              model=self.embedder.model_id, generation=prev.name)
        if self._unchanged(prev, read, new_ids):
            report.seconds = time.perf_counter() - self.started
            return report
        self._publish(ordered, read.records, report, prev.name)
        return report

    def _previous(self) -> _Previous:
        name = gens.current_name(self.settings)
        if name is None or self.rebuild:
            return _Previous(name)
        try:
            manifest = gens.read_manifest(self.settings, name)
            if manifest.model_id != self.embedder.model_id:
                raise ModelMismatchError(
                    f"the index was built with '{manifest.model_id}', the configured model is "
                    f"'{self.embedder.model_id}'; run the ingest with --rebuild to re-embed "
                    "everything"
                )
            chunks = {c.id: c for c in gens.read_chunks(self.settings, name)}
        except IndexDamagedError as exc:
            log.warning("previous index unreadable (%s); building from scratch", exc)
            return _Previous(name)
        return _Previous(name, manifest, chunks)

    def _read(self, paths: list[Path], prev: _Previous) -> _Read:
        """Load and chunk new or changed files; carry over what is unchanged or out of scope."""
        files = walk(paths, self.corpus)
        self.stage("walked")
        chunker = Chunker(self.embedder.count_tokens, self.settings.chunk_tokens,
                          self.settings.chunk_overlap, window=self.embedder.window)
        read = _Read(records=dict(prev.manifest.files) if prev.manifest else {})
        seen: set[str] = set()
        url_maps: dict[Path, dict[str, dict[str, Any]]] = {}
        bar = _progress(len(files), "Reading", self.show_progress)
        for sf in files:
            if sf.problem is not None:  # reported, never recorded: nothing of it is indexed
                status = FileStatus.unsupported if "regular" in sf.problem else \
                    FileStatus.unreadable
                read.reports.append(FileReport(path=sf.source, status=status, chunks=0,
                                               message=sf.problem, change="skipped"))
                continue
            source = _unique_source(sf, read.records, seen)
            seen.add(source)
            if sf.root not in url_maps:
                url_maps[sf.root] = read_url_manifest(sf.root)
            record, new_chunks, change = _ingest_file(
                sf, source, read.records.get(source), prev.chunks, chunker, self.settings,
                url_maps[sf.root].get(sf.source, {}),
            )
            read.records[source] = record
            read.chunks.update((c.id, c) for c in new_chunks)
            read.reports.append(FileReport(path=source, status=record.status,
                                           chunks=len(record.chunk_ids), message=record.message,
                                           warnings=record.warnings, change=change))
            if bar is not None:
                bar.update(1)
        if bar is not None:
            bar.close()
        roots = {str(f.root) for f in files} | {str(p.expanduser().resolve()) for p in paths
                                                if p.expanduser().is_dir()}
        self._carry_over(read, prev, seen, roots)
        return read

    @staticmethod
    def _carry_over(read: _Read, prev: _Previous, seen: set[str], roots: set[str]) -> None:
        """Files this run did not see: removed if they were under a folder it walked and are
        gone from disk, otherwise kept with their chunks."""
        for source, record in list(read.records.items()):
            if source in seen:
                continue
            if record.root in roots and _gone(Path(record.root, source)):
                del read.records[source]
                read.reports.append(FileReport(path=source, status=record.status, chunks=0,
                                               change="removed", message="file no longer exists"))
            else:
                read.chunks.update({cid: prev.chunks[cid] for cid in record.chunk_ids
                                    if cid in prev.chunks})

    def _unchanged(self, prev: _Previous, read: _Read, new_ids: set[str]) -> bool:
        """Nothing to write: same chunks and records, BM25 built with the configured analyser,
        the matrix copy of the vectors present, and the serving generation still works."""
        return (prev.manifest is not None and not self.rebuild and new_ids == set(prev.chunks)
                and {k: v.model_dump() for k, v in read.records.items()}
                == {k: v.model_dump() for k, v in prev.manifest.files.items()}
                and gens.lexical_current(self.settings, prev.manifest.generation)
                and gens.matrix_current(self.settings, prev.manifest.generation)
                and _serving(self.settings))

    def _publish(self, ordered: list[Chunk], records: dict[str, gens.FileRecord],
                 report: IngestReport, prev: str | None) -> None:
        """Embed, tag, write and publish a new generation; on any failure, discard it."""
        gen = gens.new_name()
        encoded_before = self.embedder.encoded
        try:
            vectors = self._embed(ordered)
            report.embedded = self.embedder.encoded - encoded_before
            self._embed_sentences(ordered, report)
            ordered = tag_untagged(ordered, vectors, self.embedder,
                                   self.settings.tag_min_similarity)
            self.stage("embedded")
            manifest = gens.Manifest(
                generation=gen, created=time.time(), model_id=self.embedder.model_id,
                dim=self.embedder.dim, backend=gens.backend_name(self.settings),
                collection=gens.collection_name(self.settings, gen), chunk_count=len(ordered),
                files=records,
            )
            report.generation = gen
            report.seconds = time.perf_counter() - self.started
            manifest.report = report
            gens.write_generation(self.settings, manifest, ordered, vectors)
            self.stage("written")
            gens.publish(self.settings, gen)
        except BaseException:
            gens.discard(self.settings, gen)
            raise
        gens.collect_garbage(self.settings, keep_previous=prev)
        report.seconds = time.perf_counter() - self.started
        if not self.settings.team:  # in team mode the manifest in PostgreSQL holds the report
            (self.settings.index_dir / "last_report.json").write_text(
                report.model_dump_json(indent=1))

    def _embed_sentences(self, chunks: list[Chunk], report: IngestReport) -> None:
        """Put the vectors of every sentence the extractive answerer may quote from the
        configured source sets into the embedding cache, so answering only looks them up."""
        wanted = set(self.settings.sentence_vectors_at_ingest)
        texts = texts_to_embed(c for c in chunks if c.corpus in wanted)
        before = self.embedder.encoded
        for start in range(0, len(texts), EMBED_BATCH):
            self.embedder.embed_documents(texts[start:start + EMBED_BATCH])
            self.stage("batch")
        report.sentences_embedded = self.embedder.encoded - before

    def _embed(self, chunks: list[Chunk]) -> np.ndarray:
        if not chunks:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        bar = _progress(len(chunks), "Embedding", self.show_progress)
        parts = []
        for start in range(0, len(chunks), EMBED_BATCH):
            batch = chunks[start:start + EMBED_BATCH]
            parts.append(self.embedder.embed_documents([c.embed_text() for c in batch]))
            if bar is not None:
                bar.update(len(batch))
            self.stage("batch")
        if bar is not None:
            bar.close()
        return np.concatenate(parts).astype(np.float32)


def _gone(path: Path) -> bool:
    """Whether ``path`` no longer exists; a file under a folder that cannot be read right now
    counts as still there, so a permissions slip does not drop it from the index."""
    try:
        path.stat()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return False


def _serving(settings: Settings) -> bool:
    """Whether the current generation still answers; a damaged one is rebuilt, not kept."""
    problem = probe_index(settings)
    if problem:
        log.warning("%s Writing a new generation.", problem)
    return problem is None


def _unique_source(sf: SourceFile, records: dict[str, gens.FileRecord], seen: set[str]) -> str:
    """The source name; prefixed with the corpus when another folder already uses the name."""
    taken = records.get(sf.source)
    if sf.source in seen or (taken is not None and taken.root != str(sf.root)):
        return f"{sf.corpus}/{sf.source}"
    return sf.source


def _ingest_file(sf: SourceFile, source: str, old: gens.FileRecord | None,
                 prev_chunks: dict[str, Chunk], chunker: Chunker, settings: Settings,
                 meta: dict[str, Any]) -> tuple[gens.FileRecord, list[Chunk], Change]:
    try:
        size = sf.path.stat().st_size
        if size > settings.max_file_mb * 2**20:
            digest = f"size:{size}"  # never read a file that is over the limit
        else:
            digest = hashlib.sha256(read_regular(sf.path)).hexdigest()
    except LoadError as exc:  # no longer a regular file (swapped for a FIFO since the walk)
        rec = gens.FileRecord(root=str(sf.root), corpus=sf.corpus, sha256="", size=0,
                              status=FileStatus(exc.status), message=str(exc))
        return rec, [], "skipped"
    except OSError as exc:
        rec = gens.FileRecord(root=str(sf.root), corpus=sf.corpus, sha256="", size=0,
                              status=FileStatus.unreadable,
                              message=f"cannot read the file: {exc.strerror or exc}")
        return rec, [], "skipped"
    if (old is not None and old.sha256 == digest and old.root == str(sf.root)
            and all(cid in prev_chunks for cid in old.chunk_ids)):
        return old, [prev_chunks[cid] for cid in old.chunk_ids], "unchanged"
    change: Change = "added" if old is None else "updated"
    try:
        doc = load_file(sf.path, source, max_bytes=int(settings.max_file_mb * 2**20),
                        max_pdf_pages=settings.max_pdf_pages, meta=meta)
    except LoadError as exc:
        rec = gens.FileRecord(root=str(sf.root), corpus=sf.corpus, sha256=digest, size=size,
                              status=FileStatus(exc.status), message=str(exc))
        return rec, [], change
    doc.corpus = sf.corpus
    chunks = [c for c in chunker.chunk(doc) if c.text.strip()]
    rec = gens.FileRecord(root=str(sf.root), corpus=sf.corpus, sha256=digest, size=size,
                          status=FileStatus.ok if chunks else FileStatus.empty,
                          warnings=doc.warnings, chunk_ids=[c.id for c in chunks],
                          message=None if chunks else "no text left after cleaning")
    return rec, chunks, change
