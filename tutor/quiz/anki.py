"""Flashcards as an Anki package (.apkg): the one module that imports genanki.

The note type and deck ids are fixed, and each note's guid comes from the card id, so
importing a newer export into Anki updates the cards already there instead of duplicating
them, and keeps the learner's Anki review history.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

import genanki

from tutor.quiz.flashcards import Flashcard

MODEL_ID = 1_730_412_014  # fixed once: changing it would make Anki see a new note type
DECK_ID = 1_730_412_015
MODEL = genanki.Model(
    MODEL_ID,
    "MLA-C01 tutor card",
    fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Source"}, {"name": "CardId"}],
    templates=[{
        "name": "Recall",
        "qfmt": "{{Front}}",
        "afmt": "{{FrontSide}}<hr id=answer>{{Back}}<div class=source>{{Source}}</div>",
    }],
    css=".card { font-family: sans-serif; font-size: 20px; text-align: left; }\n"
        ".source { margin-top: 1em; font-size: 14px; color: #666; }",
)


def _tags(card: Flashcard) -> list[str]:
    """Anki tags hold no spaces: the kind, the tasks and the card's own tags."""
    tags = [f"mla::{card.kind}", *(f"mla::task-{t}" for t in card.tasks), *card.tags]
    return ["".join(t.split()) for t in tags if t.strip()]


def note_fields(card: Flashcard) -> list[str]:
    """The note's fields in MODEL order, as the HTML Anki shows (text escaped)."""
    return [html.escape(card.front), html.escape(card.back), html.escape(card.source),
            card.id]


def write_apkg(cards: Sequence[Flashcard], path: Path, deck_name: str) -> int:
    """Write ``cards`` to ``path`` as one Anki deck; return how many were written. The file
    appears complete or not at all (written beside it, then renamed)."""
    deck = genanki.Deck(DECK_ID, deck_name)
    for card in cards:
        deck.add_note(genanki.Note(model=MODEL, fields=note_fields(card), tags=_tags(card),
                                   guid=genanki.guid_for(card.id)))
    partial = path.with_name(f".{path.name}.partial")
    try:
        genanki.Package(deck).write_to_file(str(partial))
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return len(cards)
