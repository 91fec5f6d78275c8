"""CLI: the ``tutor`` command. Entry points wire settings to library calls and print results.

Commands from the other packages (ingest, evals) plug in through the ``tutor.commands``
entry-point group, the same way a third-party plugin would, so tutor/ never imports them.
They, and the quiz commands, are imported only when run (``tutor.cli.app.LazyGroup``), and
heavy libraries inside commands, to keep `tutor ask` and `tutor search` quick to start.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from tutor.cli import ask
from tutor.cli.app import PLUGINS, app, warn_plugin

__all__ = ["app", "load_plugins", "main"]

app.command("search")(ask.search)
app.command("ask")(ask.ask)
app.command("status")(ask.status)


def load_plugins() -> None:
    """Register the commands of every installed ``tutor.commands`` entry point now (the
    command line loads each on first use instead)."""
    for ep in entry_points(group=PLUGINS):
        try:
            ep.load()(app)
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not take the CLI down
            warn_plugin(ep.name, exc)


def main() -> None:
    app()
