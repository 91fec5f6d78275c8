"""The Typer app every command registers on, its error boundary, and the output helpers they
share.

Exit codes (documented in the README): 0 success; 1 a problem the message explains (nothing
indexed, a damaged index, a file that cannot be read, a busy database, a backend that
failed); 2 wrong usage or invalid settings (an unknown option value, a path that does not
exist or is not a file or folder, a TUTOR_* variable or config.toml that does not validate).
Every failure a command does not handle itself reaches ``_Boundary``, which prints one
``error:`` line instead of a traceback. Everything printed goes through
``tutor.display.terminal_text``: titles, file names and model text can hold escape sequences.
"""

from __future__ import annotations

import json
import tempfile
import traceback
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


app = typer.Typer(
    cls=_Boundary, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
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


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``error: message`` to stderr and exit: 1 for a problem the message explains,
    2 for wrong usage."""
    typer.secho(f"error: {terminal_text(message)}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)
