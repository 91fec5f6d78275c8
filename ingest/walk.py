"""Which files an ingest covers, and the names (sources) their chunks carry."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SKIP_NAMES = {"manifest.jsonl", ".DS_Store", "Thumbs.db"}


@dataclass(frozen=True)
class SourceFile:
    path: Path
    root: Path
    source: str
    corpus: str


def walk(paths: list[Path], corpus: str | None = None) -> list[SourceFile]:
    """Files under the given folders (recursively) and the given files, in a stable order.

    ``source`` is the path relative to the folder given (for a file given directly, its
    name), so citations stay the same wherever the corpus lives on disk.
    """
    out: dict[tuple[str, str], SourceFile] = {}
    for raw in paths:
        path = raw.expanduser().resolve()
        if path.is_dir():
            files = sorted(
                p for p in path.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
                and p.name not in SKIP_NAMES
            )
            root = path
        elif path.is_file():
            files, root = [path], path.parent
        else:
            raise FileNotFoundError(f"no such file or folder: {raw}")
        name = corpus or root.name
        for f in files:
            sf = SourceFile(f, root, f.relative_to(root).as_posix(), name)
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
