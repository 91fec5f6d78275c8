"""Which files an ingest covers, and the names (sources) their chunks carry."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tutor import prompts
from tutor.errors import UsageError

SKIP_NAMES = {"manifest.jsonl", ".DS_Store", "Thumbs.db"}


@dataclass(frozen=True)
class SourceFile:
    path: Path
    root: Path
    source: str
    corpus: str
    problem: str | None = None  # why this entry (a folder or a special file) cannot be read


def _resolve(raw: Path) -> Path:
    try:
        return raw.expanduser().resolve()
    except (RuntimeError, OSError) as exc:  # 3.11 raises RuntimeError for a symlink loop
        raise UsageError(prompts.CLI_SYMLINK_LOOP.format(path=raw)) from exc


def _folder(root: Path) -> list[tuple[Path, str | None]]:
    """(path, problem) of every entry worth reporting under ``root``: readable regular files
    (problem None), and folders that cannot be listed or special files (a problem each)."""
    found: list[tuple[Path, str | None]] = []

    def unreadable(exc: OSError) -> None:
        if exc.filename and Path(exc.filename) != root:
            found.append((Path(exc.filename), f"cannot list this folder: {exc.strerror}"))
        else:
            raise exc

    for folder, dirs, names in os.walk(root, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in names:
            if name.startswith(".") or name in SKIP_NAMES:
                continue
            path = Path(folder, name)
            try:
                mode = path.stat().st_mode
            except OSError as exc:
                found.append((path, f"cannot read the file: {exc.strerror}"))
                continue
            if not stat.S_ISREG(mode):
                found.append((path, prompts.NOT_REGULAR_FILE))
            else:
                found.append((path, None))
    return sorted(found)


def walk(paths: list[Path], corpus: str | None = None) -> list[SourceFile]:
    """Files under the given folders (recursively) and the given files, in a stable order.

    ``source`` is the path relative to the folder given (for a file given directly, its
    name), so citations stay the same wherever the corpus lives on disk. Folders that cannot
    be listed and special files come back with a ``problem`` (for the report), never silently
    skipped; a given path that is missing raises FileNotFoundError, one that is a pipe or
    device (or a looping link) UsageError.
    """
    out: dict[tuple[str, str], SourceFile] = {}
    for raw in paths:
        path = _resolve(raw)
        if path.is_dir():
            entries, root = _folder(path), path
        elif path.is_file():
            entries, root = [(path, None)], path.parent
        elif path.exists():
            raise UsageError(prompts.CLI_NOT_A_FILE.format(path=raw))
        else:
            raise FileNotFoundError(f"no such file or folder: {raw}")
        name = corpus or root.name
        for f, problem in entries:
            source = f.relative_to(root).as_posix() + ("/" if problem and f.is_dir() else "")
            sf = SourceFile(f, root, source, name, problem)
            out[(str(root), sf.source)] = sf
    return list(out.values())


def read_url_manifest(root: Path) -> dict[str, dict[str, Any]]:
    """``manifest.jsonl`` beside a docs folder maps each file to its public URL and title."""
    path = root / "manifest.jsonl"
    if not path.is_file():
        return {}
    out: dict[str, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict) and row.get("path"):
            out[str(row["path"])] = row
    return out
