"""What a report records about the run, so two reports can be compared fairly: the corpus
(index generation, documents, chunks, a fingerprint of the files), the settings, the model
ids and the git revision of the code."""

from __future__ import annotations

import hashlib
import platform
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tutor.config import Settings
from tutor.errors import EmptyIndexError
from tutor.index.generations import current_name, read_manifest

if TYPE_CHECKING:
    from tutor.service import Tutor

REPO = Path(__file__).resolve().parents[1]
# Settings that say where things are rather than how the tutor behaves; a difference in
# them does not make two reports incomparable.
LOCATION_SETTINGS = ("home", "llm_api_key", "chroma_url")


def git_revision(repo: Path = REPO) -> dict[str, Any]:
    """HEAD commit and whether tracked files differ from it; Nones outside a git checkout."""

    def run(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", "-C", str(repo), *args], capture_output=True,
                                 text=True, timeout=10, check=True)
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout.strip()

    revision = run("rev-parse", "HEAD")
    status = run("status", "--porcelain", "--untracked-files=no") if revision else None
    return {"revision": revision, "dirty": None if status is None else bool(status)}


def corpus_info(settings: Settings) -> dict[str, Any]:
    """The serving index generation: documents indexed (files with status ok) and files
    seen, chunks per corpus name, and a fingerprint over (source, sha256) of every file,
    equal for two indexes of the same files."""
    gen = current_name(settings)
    if gen is None:
        raise EmptyIndexError(
            "nothing is indexed yet; run `tutor ingest corpus/notes` (or the folder the "
            "dataset was written for) before `tutor eval`"
        )
    m = read_manifest(settings, gen)
    digest = hashlib.sha256()
    for source in sorted(m.files):
        digest.update(f"{source}\x1f{m.files[source].sha256}\n".encode())
    ok = sum(rec.status.value == "ok" for rec in m.files.values())
    return {"generation": m.generation, "created": m.created, "documents": ok,
            "files": len(m.files), "chunks": m.chunk_count,
            "chunks_by_corpus": m.chunks_by_corpus(),
            "roots": sorted({rec.root for rec in m.files.values()}),
            "fingerprint": digest.hexdigest()[:16], "model": m.model_id}


def indexed_sources(settings: Settings) -> set[str]:
    """Source paths of every document in the serving generation."""
    gen = current_name(settings)
    return set(read_manifest(settings, gen).files) if gen else set()


def settings_info(settings: Settings) -> dict[str, Any]:
    """Settings as JSON values; the API key is never written."""
    data = settings.model_dump(mode="json", exclude={"llm_api_key"})
    data["llm_api_key_set"] = settings.llm_api_key is not None
    return data


def run_context(settings: Settings, models: dict[str, Any], *, require_index: bool = True
                ) -> dict[str, Any]:
    """Everything a report records about where and with what it ran. Without an index,
    EmptyIndexError, unless ``require_index`` is False (the corpus is then recorded as none)."""
    try:
        corpus = corpus_info(settings)
    except EmptyIndexError:
        if require_index:
            raise
        corpus = {"generation": None, "documents": 0, "chunks": 0, "model": None}
    return {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "git": git_revision(),
        "corpus": corpus,
        "settings": settings_info(settings),
        "models": models,
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}",
    }


def tutor_models(tutor: Tutor) -> dict[str, Any]:
    """Model ids of a Tutor: embedder, answer backend and configured chat model."""
    settings = tutor.settings
    return {"embedder": tutor.embedder.model_id, "answerer": tutor.answerer.name,
            "llm_provider": settings.llm_provider, "llm_model": settings.llm_model}
