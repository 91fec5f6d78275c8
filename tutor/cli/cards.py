"""`tutor cards`: review flashcards on their Leitner schedule, or export them.

The --json shape is documented in the README.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from tutor import prompts
from tutor.cli.app import echo, emit_json, fail, fail_on, secho, warn_notices
from tutor.config import get_settings
from tutor.errors import TutorError
from tutor.exam import TASKS
from tutor.progress import ProgressStore, open_progress_store
from tutor.quiz.card_export import FORMATS, export_cards
from tutor.quiz.flashcards import Flashcard, load_flashcards, review_queue, select
from tutor.quiz.review import ReviewCard

JSON_VERSION = 1
DEFAULT_COUNT = 20


def card_json(card: Flashcard, state: ReviewCard | None) -> dict[str, Any]:
    return {**card.model_dump(mode="json"),
            "box": state.box if state else None,
            "due": state.due.isoformat() if state else None}


def cards(
    domain: int | None = typer.Option(None, "--domain", "-d", min=1, max=4,
                                      help="Exam domain 1-4."),
    task: str | None = typer.Option(None, "--task", "-t", help="Task statement, e.g. 3.1."),
    count: int | None = typer.Option(None, "--count", "-n", min=1, max=2000,
                                     help=f"Cards to review (default {DEFAULT_COUNT}); with "
                                     "--export, the first N of the selection (default all)."),
    export: tuple[str, Path] | None = typer.Option(
        None, "--export", metavar="anki|csv PATH",
        help="Write the selection to PATH as an Anki package (.apkg) or CSV, and exit."),
    json_out: bool = typer.Option(False, "--json", help="Print the cards due now as JSON."),
) -> None:
    """Flashcards: concept cards, services and the notes' key sentences, on a Leitner
    schedule kept with your progress; or export them to Anki or CSV."""
    if domain is not None and task is not None:
        fail("Give --domain or --task, not both.", 2)
    if task is not None and task not in TASKS:
        fail(f"Unknown task '{task}'. Use one of: {', '.join(TASKS)}.", 2)
    if export is not None and export[0] not in FORMATS:
        fail(prompts.CARDS_BAD_FORMAT.format(fmt=export[0]), 2)
    if export is not None and export[1].is_dir():
        fail(prompts.CLI_IS_A_FOLDER.format(path=export[1]), 2)
    if export is not None and not export[1].parent.is_dir():
        fail(prompts.CARDS_NO_FOLDER.format(folder=export[1].parent), 2)
    try:
        chosen = select(load_flashcards(), domain=domain, task=task)
        if export is not None:
            written = export_cards(chosen[:count] if count else chosen, export[0], export[1])
            echo(f"wrote {written} cards to {export[1]}")
            return
        store = open_progress_store(get_settings())
        warn_notices(store)
        states = store.flashcard_states()
    except TutorError as exc:
        fail_on(exc)
    queue = review_queue(chosen, states, count or DEFAULT_COUNT)
    if json_out:
        emit_json({"version": JSON_VERSION,
                   "selection": {"domain": domain, "task": task},
                   "count": len(queue),
                   "cards": [card_json(c, states.get(c.id)) for c in queue]})
        return
    if not queue:
        echo(prompts.CARDS_EMPTY)
        return
    _review(queue, store)


def _review(queue: list[Flashcard], store: ProgressStore) -> None:
    echo(f"{len(queue)} cards. Think of the answer, then press Enter. Type q to stop.\n")
    known = reviewed = 0
    for n, card in enumerate(queue, start=1):
        secho(f"{n}. {card.front}", bold=True)
        if typer.prompt("", default="", show_default=False, prompt_suffix="").strip() == "q":
            break
        echo(f"   {card.back}\n   ({card.source})")
        answer = ""
        while answer not in ("y", "n", "q"):
            answer = typer.prompt("Did you know it? [y/n/q]").strip().lower()[:1]
        if answer == "q":
            break
        card_after = store.review_flashcard(card.id, answer == "y")
        known += answer == "y"
        reviewed += 1
        echo(f"   next review {card_after.due:%Y-%m-%d} (box {card_after.box})\n")
    echo(prompts.CARDS_DONE.format(known=known, total=reviewed))
