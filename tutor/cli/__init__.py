"""CLI: the ``tutor`` command. Entry points wire settings to library calls and print results.

Commands from the other packages (ingest, evals) plug in through the ``tutor.commands``
entry-point group, the same way a third-party plugin would, so tutor/ never imports them.
Heavy libraries are imported inside commands to keep start-up light.
"""

from __future__ import annotations

from importlib.metadata import entry_points

import typer

from tutor.cli import ask, cards, quiz, team, transfer
from tutor.cli.app import app

__all__ = ["app", "load_plugins", "main"]

app.command("search")(ask.search)
app.command("ask")(ask.ask)
app.command("status")(ask.status)
app.command("quiz")(quiz.quiz)
app.command("progress")(quiz.progress)
app.command("migrate")(team.migrate)
app.add_typer(team.users_app, name="users")
app.command("export-progress")(transfer.export_progress)
app.command("import-progress")(transfer.import_progress)
app.command("cards")(cards.cards)


def load_plugins() -> None:
    """Register the commands of every installed ``tutor.commands`` entry point."""
    for ep in entry_points(group="tutor.commands"):
        try:
            ep.load()(app)
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not take the CLI down
            typer.secho(f"warning: command plugin '{ep.name}' failed to load: {exc}",
                        fg=typer.colors.YELLOW, err=True)


def main() -> None:
    load_plugins()
    app()
