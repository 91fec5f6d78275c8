"""Flashcards exported for other tools: CSV (any spreadsheet or flashcard app) and Anki.

Both writers leave ``path`` as it was when they fail: the file is written beside it and
renamed into place.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from tutor import prompts
from tutor.errors import InputError
from tutor.quiz.flashcards import Flashcard

ExportFormat = Literal["anki", "csv"]
FORMATS: tuple[ExportFormat, ...] = ("anki", "csv")
CSV_COLUMNS = ("id", "kind", "front", "back", "tasks", "tags", "source")
DECK_NAME = "MLA-C01 tutor"


def csv_text(cards: Sequence[Flashcard]) -> str:
    """The cards as CSV with a header row; lists are joined with spaces."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for c in cards:
        writer.writerow([c.id, c.kind, c.front, c.back, " ".join(c.tasks), " ".join(c.tags),
                         c.source])
    return out.getvalue()


def export_cards(cards: Sequence[Flashcard], fmt: str, path: Path,
                 deck_name: str = DECK_NAME) -> int:
    """Write ``cards`` to ``path`` as ``fmt`` (anki or csv); return how many were written.
    InputError for an unknown format or a folder that does not exist."""
    if fmt not in FORMATS:
        raise InputError(prompts.CARDS_BAD_FORMAT.format(fmt=fmt))
    if not path.parent.is_dir():
        raise InputError(prompts.CARDS_NO_FOLDER.format(folder=path.parent))
    if fmt == "anki":
        from tutor.quiz.anki import write_apkg  # genanki loads only for an Anki export

        return write_apkg(cards, path, deck_name)
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(csv_text(cards), encoding="utf-8", newline="")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return len(cards)
