"""The Typer app every command registers on, and the output helpers they share.

`tutor ask` and `tutor search` are run over and over, so their start-up must stay light: the
other commands (``LAZY`` here, and the ``tutor.commands`` entry points of ingest and evals)
are imported only when they are run or listed by ``tutor --help``.
"""

from __future__ import annotations

import importlib
import json
from importlib.metadata import entry_points
from typing import Any, NoReturn

import typer
from typer.core import TyperGroup

PLUGINS = "tutor.commands"
# Commands of tutor/ itself that load heavy modules (the quiz and progress stores).
LAZY = {"quiz": "tutor.cli.quiz:quiz", "progress": "tutor.cli.quiz:progress"}


def warn_plugin(name: str, exc: Exception) -> None:
    typer.secho(f"warning: command plugin '{name}' failed to load: {exc}",
                fg=typer.colors.YELLOW, err=True)


def _build(ctx: Any, name: str) -> Any:
    """The click command ``name`` from LAZY or from the entry point of that name (a plugin's
    entry-point name is the command it adds), or None."""
    extra = typer.Typer()
    if name in LAZY:
        module, attr = LAZY[name].split(":")
        extra.command(name)(getattr(importlib.import_module(module), attr))
    for ep in entry_points(group=PLUGINS, name=name):
        try:
            ep.load()(extra)
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not take the CLI down
            warn_plugin(ep.name, exc)
    if not (extra.registered_commands or extra.registered_groups):
        return None
    return typer.main.get_group(extra).get_command(ctx, name)


class LazyGroup(TyperGroup):
    """The `tutor` group: commands registered on the app, plus LAZY and plugin commands
    imported on first use. (Contexts and commands are typed Any: typer vendors click as a
    private module, whose classes these methods take and return.)"""

    def list_commands(self, ctx: Any) -> list[str]:
        names = set(super().list_commands(ctx)) | set(LAZY)
        names |= {ep.name for ep in entry_points(group=PLUGINS)}
        return sorted(names)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = super().get_command(ctx, cmd_name)
        if found is None:
            found = _build(ctx, cmd_name)
            if found is not None:
                self.add_command(found, cmd_name)
        return found


app = typer.Typer(
    cls=LazyGroup, add_completion=False, no_args_is_help=True,
    help="Study tutor for the AWS Certified Machine Learning Engineer - Associate exam.")


def emit_json(data: object) -> None:
    """Print ``data`` as indented JSON (the documented --json shapes)."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``error: message`` to stderr and exit: 1 for a problem the message explains,
    2 for wrong usage."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)
