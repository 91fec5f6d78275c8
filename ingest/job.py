"""One ingest run. Builds a complete new index generation and publishes it atomically."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout

from ingest.walk import SourceFile, read_url_manifest, walk
from tutor import store
from tutor.chunk import Chunker
from tutor.config import Settings
from tutor.embed import Embedder, make_embedder
from tutor.errors import IndexDamagedError, IngestLockedError, LoadError, ModelMismatchError
from tutor.load import load_file
from tutor.tagging import tag_untagged
from tutor.types import Chunk, FileReport, FileStatus, IngestReport

log = logging.getLogger(__name__)
EMBED_BATCH = 256


def _lock(settings: Settings) -> FileLock:
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    return FileLock(str(settings.index_dir / ".ingest.lock"), timeout=0)


def _progress(total: int, desc: str, enabled: bool):  # noqa: ANN202 - tqdm or a no-op
    if not enabled:
        return None
    from tqdm import tqdm

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
    hook: Callable[[str], None] | None = None,
) -> IngestReport:
    """Ingest files and folders; return the report. The index changes only if all goes well.

    ``rebuild`` ignores what the current index holds and builds from ``paths`` alone.
    ``hook`` is called with a stage name as the run goes (tests use it to kill the run).
    """
    started = time.perf_counter()
    lock = _lock(settings)
    try:
        lock.acquire()
    except Timeout as exc:
        raise IngestLockedError(
            "another ingest is already running on this index "
            f"({settings.index_dir}); wait for it to finish and try again"
        ) from exc
    try:
        return _run(paths, settings, embedder, rebuild, corpus, show_progress, hook, started)
    finally:
        lock.release()


def _previous(settings: Settings, model_id: str, rebuild: bool
              ) -> tuple[str | None, store.Manifest | None, dict[str, Chunk]]:
    prev = store.current_name(settings)
    if prev is None or rebuild:
        return prev, None, {}
    try:
        manifest = store.read_manifest(settings, prev)
        if manifest.model_id != model_id:
            raise ModelMismatchError(
                f"the index was built with '{manifest.model_id}', the configured model is "
                f"'{model_id}'; run the ingest with --rebuild to re-embed everything"
            )
        chunks = {c.id: c for c in store.read_chunks(settings, prev)}
    except IndexDamagedError as exc:
        log.warning("previous index unreadable (%s); building from scratch", exc)
        return prev, None, {}
    return prev, manifest, chunks


def _run(paths: list[Path], settings: Settings, embedder: Embedder | None, rebuild: bool,
         corpus: str | None, show_progress: bool, hook: Callable[[str], None] | None,
         started: float) -> IngestReport:
    embedder = embedder or make_embedder(settings)
    prev, manifest, prev_chunks = _previous(settings, embedder.model_id, rebuild)
    files = walk(paths, corpus)
    if hook:
        hook("walked")
    chunker = Chunker(embedder.count_tokens, settings.chunk_tokens, settings.chunk_overlap,
                      window=embedder.window)
    records: dict[str, store.FileRecord] = dict(manifest.files) if manifest else {}
    roots = {str(f.root) for f in files} | {str(p.expanduser().resolve()) for p in paths
                                            if p.expanduser().is_dir()}
    chunks: dict[str, Chunk] = {}
    reports: list[FileReport] = []
    seen: set[str] = set()
    url_maps: dict[Path, dict] = {}
    bar = _progress(len(files), "Reading", show_progress)
    for sf in files:
        source = _unique_source(sf, records, seen)
        seen.add(source)
        if sf.root not in url_maps:
            url_maps[sf.root] = read_url_manifest(sf.root)
        record, new_chunks, change = _ingest_file(
            sf, source, records.get(source), prev_chunks, chunker, settings,
            url_maps[sf.root].get(sf.source, {}),
        )
        records[source] = record
        for c in new_chunks:
            chunks[c.id] = c
        reports.append(FileReport(path=source, status=record.status, chunks=len(record.chunk_ids),
                                  message=record.message, warnings=record.warnings, change=change))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    for source, record in list(records.items()):
        if source in seen:
            continue
        if record.root in roots and not Path(record.root, source).exists():
            del records[source]
            reports.append(FileReport(path=source, status=record.status, chunks=0,
                                      change="removed", message="file no longer exists"))
        else:
            chunks.update({cid: prev_chunks[cid] for cid in record.chunk_ids if cid in prev_chunks})
    if hook:
        hook("chunked")

    ordered = [chunks[cid] for source in sorted(records) for cid in records[source].chunk_ids
               if cid in chunks]
    prev_ids = set(prev_chunks)
    new_ids = {c.id for c in ordered}
    report = IngestReport(files=reports, chunks_total=len(ordered),
                          chunks_added=len(new_ids - prev_ids),
                          chunks_removed=len(prev_ids - new_ids) if manifest else 0,
                          model=embedder.model_id, generation=prev)
    unchanged = (manifest is not None and not rebuild and new_ids == prev_ids
                 and {k: v.model_dump() for k, v in records.items()}
                 == {k: v.model_dump() for k, v in manifest.files.items()}
                 and _serving(settings))
    if unchanged:
        report.seconds = time.perf_counter() - started
        return report

    gen = store.new_name()
    encoded_before = getattr(embedder, "encoded", 0)
    try:
        vectors = _embed(embedder, ordered, show_progress, hook)
        report.embedded = getattr(embedder, "encoded", len(ordered)) - encoded_before
        ordered = tag_untagged(ordered, vectors, embedder, settings.tag_min_similarity)
        if hook:
            hook("embedded")
        new_manifest = store.Manifest(
            generation=gen, created=time.time(), model_id=embedder.model_id, dim=embedder.dim,
            backend=settings.chroma_url or "embedded",
            collection=store.collection_name(settings, gen), chunk_count=len(ordered),
            files=records,
        )
        report.generation = gen
        report.seconds = time.perf_counter() - started
        new_manifest.report = report
        store.write_generation(settings, new_manifest, ordered, vectors)
        if hook:
            hook("written")
        store.publish(settings, gen)
    except BaseException:
        store.discard(settings, gen)
        raise
    store.collect_garbage(settings, keep_previous=prev)
    report.seconds = time.perf_counter() - started
    (settings.index_dir / "last_report.json").write_text(report.model_dump_json(indent=1))
    return report


def _serving(settings: Settings) -> bool:
    """Whether the current generation still answers; a damaged one is rebuilt, not kept.

    The check runs in a child process (store.probe_index): a damaged vector store can
    crash the native code that reads it.
    """
    problem = store.probe_index(settings)
    if problem:
        log.warning("%s Writing a new generation.", problem)
    return problem is None


def _unique_source(sf: SourceFile, records: dict[str, store.FileRecord], seen: set[str]) -> str:
    """The source name; prefixed with the corpus when another folder already uses the name."""
    taken = records.get(sf.source)
    if sf.source in seen or (taken is not None and taken.root != str(sf.root)):
        return f"{sf.corpus}/{sf.source}"
    return sf.source


def _ingest_file(sf: SourceFile, source: str, old: store.FileRecord | None,
                 prev_chunks: dict[str, Chunk], chunker: Chunker, settings: Settings,
                 meta: dict) -> tuple[store.FileRecord, list[Chunk], str]:
    try:
        size = sf.path.stat().st_size
        if size > settings.max_file_mb * 2**20:
            digest = f"size:{size}"  # never read a file that is over the limit
        else:
            digest = hashlib.sha256(sf.path.read_bytes()).hexdigest()
    except OSError as exc:
        rec = store.FileRecord(root=str(sf.root), corpus=sf.corpus, sha256="", size=0,
                               status=FileStatus.corrupt, message=f"cannot read the file: {exc}")
        return rec, [], "skipped"
    if (old is not None and old.sha256 == digest and old.root == str(sf.root)
            and all(cid in prev_chunks for cid in old.chunk_ids)):
        return old, [prev_chunks[cid] for cid in old.chunk_ids], "unchanged"
    base = dict(root=str(sf.root), corpus=sf.corpus, sha256=digest, size=size)
    try:
        doc = load_file(sf.path, source, max_bytes=int(settings.max_file_mb * 2**20),
                        max_pdf_pages=settings.max_pdf_pages, meta=meta)
    except LoadError as exc:
        rec = store.FileRecord(**base, status=FileStatus(exc.status), message=str(exc))
        return rec, [], "added" if old is None else "updated"
    doc.corpus = sf.corpus
    chunks = [c for c in chunker.chunk(doc) if c.text.strip()]
    status = FileStatus.ok if chunks else FileStatus.empty
    rec = store.FileRecord(**base, status=status, warnings=doc.warnings,
                           chunk_ids=[c.id for c in chunks],
                           message=None if chunks else "no text left after cleaning")
    return rec, chunks, "added" if old is None else "updated"


def _embed(embedder: Embedder, chunks: list[Chunk], show_progress: bool,
           hook: Callable[[str], None] | None) -> np.ndarray:
    if not chunks:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    bar = _progress(len(chunks), "Embedding", show_progress)
    parts = []
    for start in range(0, len(chunks), EMBED_BATCH):
        batch = chunks[start:start + EMBED_BATCH]
        parts.append(embedder.embed_documents([c.embed_text() for c in batch]))
        if bar is not None:
            bar.update(len(batch))
        if hook:
            hook("batch")
    if bar is not None:
        bar.close()
    return np.concatenate(parts).astype(np.float32)
