"""Concept cards (``corpus/cards/T.yaml``) -> Document: one section per card, so that each
card becomes one chunk whose heading is the card's question and whose text is its answer.

A card names the note section (or AWS page) it rests on; the section keeps that reference so
a citation of the card can link through to it.
"""

from __future__ import annotations

from typing import Any

import yaml

from tutor import yaml_text
from tutor.errors import LoadError
from tutor.exam import TASKS
from tutor.quiz.bank import BankError, Card, card_from_dict
from tutor.types import Document, Section


def is_card_file(text: str) -> bool:
    """Whether a YAML text has the shape of a concept-card file (a ``cards:`` list)."""
    try:
        raw = yaml_text.safe_load(text)
    except yaml.YAMLError:
        return False
    return isinstance(raw, dict) and isinstance(raw.get("cards"), list)


def title_for(task: str) -> str:
    """The title card chunks carry: which task's cards they are."""
    return f"Concept cards, task {task} {TASKS[task]}" if task in TASKS else "Concept cards"


def from_cards(text: str, source: str) -> Document:
    """Every card of one file as a section; LoadError naming the card when one is invalid."""
    try:
        raw: Any = yaml_text.safe_load(text)
    except yaml.YAMLError as exc:
        raise LoadError(f"not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("cards"), list):
        raise LoadError("a YAML file is indexed only when it is a concept-card file (a "
                        "mapping with 'task' and a 'cards' list)", "unsupported")
    task = str(raw.get("task", ""))
    if task not in TASKS:
        raise LoadError(f"'task' must be a task statement such as \"3.1\", not {task!r}")
    cards: list[Card] = []
    for n, entry in enumerate(raw["cards"]):
        try:
            cards.append(card_from_dict(entry, task, f"{source}: card {n + 1}"))
        except BankError as exc:
            raise LoadError(str(exc)) from exc
    if not cards:
        raise LoadError("the file holds no cards", "empty")
    title = title_for(task)
    sections = [Section(heading_path=[title, " ".join(c.front.split())],
                        text=" ".join(c.back.split()),
                        cites_source=c.cite.path, cites_heading=c.cite.heading)
                for c in cards]
    return Document(source=source, title=title, domain=int(task[0]), task=task,
                    sections=sections)
