"""The Typer app every command registers on, its error boundary, and the output helpers they
share.

Exit codes (documented in the README): 0 success; 1 a problem the message explains (nothing
indexed, a damaged index, a file that cannot be read, a busy database, a backend that
failed); 2 wrong usage or invalid settings (an unknown option value, a path that does not
exist or is not a file or folder, a TUTOR_* variable or config.toml that does not validate).
Every failure a command does not handle itself reaches ``_Boundary``, which prints one
``error:`` line instead of a traceback. Everything printed goes through
``tutor.display.terminal_text``: titles, file names and model text can hold escape sequences.

`tutor ask` and `tutor search` are run over and over, so their start-up must stay light: the
other commands (``LAZY`` here, and the ``tutor.commands`` entry points of ingest and evals)
are imported only when they are run or listed by ``tutor --help``.
"""

from __future__ import annotations

import importlib
import json
import tempfile
import traceback
from importlib.metadata import entry_points
from typing import Any, NoReturn

import typer
from typer.core import TyperGroup

from tutor import prompts
from tutor.display import terminal_text
from tutor.errors import ConfigError, IndexDamagedError, TutorError, UsageError


def describe(exc: BaseException) -> tuple[str, int]:
    """(message, exit code) for a failure that reached the boundary."""
    if isinstance(exc, (ConfigError, UsageError)):
        return str(exc), 2
    if isinstance(exc, IndexDamagedError):
        return prompts.INDEX_DAMAGED.format(detail=str(exc).rstrip(".")), 1
    if isinstance(exc, TutorError):
        return str(exc), 1
    if isinstance(exc, FileNotFoundError):
        return f"no such file or folder: {exc.filename or exc}", 2
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        return prompts.CLI_OS_ERROR.format(where=where, reason=exc.strerror or exc), 1
    # A bug: say so in one line, and keep the traceback for a report.
    with tempfile.NamedTemporaryFile("w", prefix="tutor-crash-", suffix=".log",
                                     delete=False) as log:
        log.write("".join(traceback.format_exception(exc)))
    return prompts.CLI_UNEXPECTED.format(kind=type(exc).__name__, detail=exc, log=log.name), 1


class _Boundary(TyperGroup):
    """Runs a command and turns any exception it lets out into a message and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):  # exits and usage errors
            raise
        except Exception as exc:  # noqa: BLE001 - the boundary: every failure becomes a message
            message, code = describe(exc)
            fail(message, code)


PLUGINS = "tutor.commands"
# Commands of tutor/ itself that load heavy modules (quiz, progress stores, PostgreSQL).
LAZY = {"quiz": "tutor.cli.quiz:quiz", "progress": "tutor.cli.quiz:progress",
        "cards": "tutor.cli.cards:cards", "migrate": "tutor.cli.team:migrate",
        "users": "tutor.cli.team:users_app",
        "export-progress": "tutor.cli.transfer:export_progress",
        "import-progress": "tutor.cli.transfer:import_progress"}


def warn_plugin(name: str, exc: Exception) -> None:
    typer.secho(terminal_text(f"warning: command plugin '{name}' failed to load: {exc}"),
                fg=typer.colors.YELLOW, err=True)


def _build(ctx: Any, name: str) -> Any:
    """The click command ``name`` from LAZY or from the entry point of that name (a plugin's
    entry-point name is the command it adds), or None."""
    extra = typer.Typer()
    if name in LAZY:
        module, attr = LAZY[name].split(":")
        target = getattr(importlib.import_module(module), attr)
        if isinstance(target, typer.Typer):  # a command group, such as `tutor users`
            extra.add_typer(target, name=name)
        else:
            extra.command(name)(target)
    for ep in entry_points(group=PLUGINS, name=name):
        try:
            ep.load()(extra)
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not take the CLI down
            warn_plugin(ep.name, exc)
    if not (extra.registered_commands or extra.registered_groups):
        return None
    return typer.main.get_group(extra).get_command(ctx, name)


class LazyGroup(_Boundary):
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
    cls=LazyGroup, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
    help="Study tutor for the AWS Certified Machine Learning Engineer - Associate exam.")


def echo(text: object = "", **kwargs: Any) -> None:
    """``typer.echo`` of ``text`` made safe for a terminal."""
    typer.echo(terminal_text(str(text)), **kwargs)


def secho(text: object, **kwargs: Any) -> None:
    """``typer.secho`` of ``text`` made safe for a terminal."""
    typer.secho(terminal_text(str(text)), **kwargs)


def emit_json(data: object) -> None:
    """Print ``data`` as indented JSON (the documented --json shapes). Non-ASCII characters
    are written as \\u escapes, so no control or invisible character reaches the terminal."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=True, default=str))


def fail_on(exc: BaseException) -> NoReturn:
    """``fail`` with the message and exit code the boundary gives ``exc`` (2 for invalid
    settings, such as a team command without TUTOR_DATABASE_URL; 1 for other problems)."""
    fail(*describe(exc))


def warn_notices(store: Any) -> None:
    """What a progress store had to do (a damaged database moved aside, answers waiting for a
    lock, a database that cannot be used), as warnings on stderr, so --json output stays
    clean. ``store`` is a ProgressStore (not imported here, to keep start-up light)."""
    for notice in store.notices():
        echo(f"warning: {notice}", err=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``error: message`` to stderr and exit: 1 for a problem the message explains,
    2 for wrong usage."""
    typer.secho(f"error: {terminal_text(message)}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)
