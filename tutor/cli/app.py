"""The Typer app every command registers on, and the output helpers they share."""

from __future__ import annotations

import json
from typing import NoReturn

import typer

app = typer.Typer(
    add_completion=False, no_args_is_help=True,
    help="Study tutor for the AWS Certified Machine Learning Engineer - Associate exam.")


def emit_json(data: object) -> None:
    """Print ``data`` as indented JSON (the documented --json shapes)."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``error: message`` to stderr and exit: 1 for a problem the message explains,
    2 for wrong usage."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)
