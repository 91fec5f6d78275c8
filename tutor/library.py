"""What the library holds, and how files a learner adds get into it.

Uploaded files are saved under ``settings.uploads_dir`` by a name reduced to one safe path
component, so no upload can write outside ``TUTOR_HOME`` whatever name the browser sends.
Ingesting them is the ingest package's job; this module only prepares the files and reports.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from pathlib import Path

from pydantic import BaseModel, Field

from tutor import prompts
from tutor.auth.access import User, require_admin
from tutor.catalog import DEFAULT_NOTES_DIR
from tutor.config import Settings
from tutor.errors import InputError, TutorError
from tutor.index.generations import current_name, read_manifest
from tutor.load import SUPPORTED
from tutor.types import FileStatus, IngestReport

UPLOAD_SUFFIXES = tuple(sorted(s.lstrip(".") for s in SUPPORTED))
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")
MAX_NAME = 120


def safe_upload_name(name: str) -> str:
    """One path component made of letters, digits, ``._ -``; InputError when nothing usable
    remains or the type is not one the loaders read.

    Directory parts of either separator style are dropped (``../../x.md`` -> ``x.md``), as are
    leading dots, so the result can never name a parent folder or a hidden file.
    """
    base = re.split(r"[\\/]", name or "")[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    base = _UNSAFE.sub("_", base).strip(" .")
    base = base.lstrip("._-")
    stem, dot, suffix = base.rpartition(".")
    if not dot or not stem.strip(" ._-"):
        raise InputError(prompts.UI_UPLOAD_BAD_NAME.format(name=name))
    if f".{suffix.lower()}" not in SUPPORTED:
        raise InputError(prompts.UI_UPLOAD_BAD_TYPE.format(name=base))
    if len(base) > MAX_NAME:
        base = f"{stem[: MAX_NAME - len(suffix) - 1]}.{suffix}"
    return base


# Saved name -> the name it was uploaded as; a hidden file, so never ingested.
NAMES_FILE = ".upload-names.json"


def _free_name(folder: Path, safe: str, original: str, names: dict[str, str]) -> str:
    """``safe``, or ``stem-2.suffix`` and so on when ``safe`` already holds another upload:
    two names that clean to the same one must not overwrite each other."""
    stem, _, suffix = safe.rpartition(".")
    candidate, n = safe, 1
    while (folder / candidate).exists() and names.get(candidate, candidate) != original:
        n += 1
        candidate = f"{stem}-{n}.{suffix}"
    return candidate


def save_upload(settings: Settings, name: str, data: bytes, *, user: User | None = None) -> Path:
    """Write one uploaded file to the uploads folder and return its path.

    Raises InputError for an unusable name, an unsupported type or a file over
    ``settings.max_file_mb``, and in team mode AccessDeniedError unless ``user`` is an admin.
    A file uploaded again under the same name replaces the old one
    (a re-upload is an edit); a different name that cleans to a name already in use is saved
    under a numbered name instead (the caller can compare the returned path's name).
    """
    require_admin(settings, user, "upload files")
    safe = safe_upload_name(name)
    limit = settings.max_file_mb
    if len(data) > limit * 2**20:
        raise InputError(prompts.UI_UPLOAD_TOO_LARGE.format(name=safe, mb=len(data) / 2**20,
                                                             limit=limit))
    folder = settings.uploads_dir.resolve()
    if (folder / safe).resolve().parent != folder:  # defence in depth; see safe_upload_name
        raise InputError(prompts.UI_UPLOAD_BAD_NAME.format(name=name))
    folder.mkdir(parents=True, exist_ok=True)
    names_path = folder / NAMES_FILE
    try:
        names: dict[str, str] = json.loads(names_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        names = {}
    safe = _free_name(folder, safe, name, names)
    target = folder / safe
    tmp = target.with_name(f".{safe}.part")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    names[safe] = name
    names_tmp = names_path.with_name(NAMES_FILE + ".part")
    names_tmp.write_text(json.dumps(names, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(names_tmp, names_path)
    return target


class FileRow(BaseModel):
    """One indexed source file, as listed on the Library page."""

    source: str
    corpus: str | None
    status: FileStatus
    chunks: int
    message: str | None = None


class LibraryOverview(BaseModel):
    """What the serving index holds; ``error`` explains why it cannot be read, if so."""

    indexed: bool
    generation: str | None = None
    model: str | None = None
    dim: int | None = None
    backend: str | None = None
    created: float | None = None
    documents: int = 0
    chunks: int = 0
    statuses: dict[str, int] = Field(default_factory=dict)
    chunks_by_corpus: dict[str, int] = Field(default_factory=dict)
    files: list[FileRow] = Field(default_factory=list)
    last_report: IngestReport | None = None
    error: str | None = None


def last_report(settings: Settings) -> IngestReport | None:
    """The report of the last ingest that changed the index, if one was saved."""
    path = settings.index_dir / "last_report.json"
    try:
        return IngestReport.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def library_overview(settings: Settings) -> LibraryOverview:
    """Read the serving generation's manifest; never raises for a missing or damaged index."""
    gen = current_name(settings)
    if gen is None:
        return LibraryOverview(indexed=False)
    try:
        m = read_manifest(settings, gen)
    except TutorError as exc:
        return LibraryOverview(indexed=False, generation=gen, error=str(exc))
    rows = [FileRow(source=src, corpus=rec.corpus, status=rec.status, chunks=len(rec.chunk_ids),
                    message=rec.message) for src, rec in sorted(m.files.items())]
    return LibraryOverview(
        indexed=True, generation=m.generation, model=m.model_id, dim=m.dim, backend=m.backend,
        created=m.created, documents=len(m.files), chunks=m.chunk_count, statuses=m.statuses(),
        chunks_by_corpus=m.chunks_by_corpus(), files=rows,
        last_report=m.report or last_report(settings),
    )


def rebuild_sources(settings: Settings) -> list[Path]:
    """Folders a full rebuild should ingest: the roots the index records, or, when its manifest
    cannot be read, the shipped notes plus the uploads and docs folders that exist."""
    roots: list[Path] = []
    gen = current_name(settings)
    if gen is not None:
        try:
            m = read_manifest(settings, gen)
            roots = [Path(r) for r in dict.fromkeys(rec.root for rec in m.files.values())]
        except TutorError:
            roots = []
    if not roots:
        roots = [DEFAULT_NOTES_DIR, DEFAULT_NOTES_DIR.parent / "cards", settings.uploads_dir,
                 settings.docs_dir]
    return [r for r in roots if r.is_dir()]


def report_json(report: IngestReport) -> str:
    """The ingest report as indented JSON, for download."""
    return json.dumps(report.model_dump(mode="json"), indent=2)
