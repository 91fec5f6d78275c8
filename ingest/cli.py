"""`tutor ingest`: registered into the tutor CLI through the tutor.commands entry point."""

from __future__ import annotations

from pathlib import Path

import typer

from tutor.cli.app import echo, fail
from tutor.cli.team import PASSWORD_OPT, USER_OPT, require_admin_cli
from tutor.display import terminal_text
from tutor.types import IngestReport


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_command)


def ingest_command(
    paths: list[Path] | None = typer.Argument(None, help="Files or folders to ingest."),
    as_json: bool = typer.Option(False, "--json", help="Print the ingest report as JSON."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Ignore the current index and re-embed."),
    if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing if an index exists."),
    corpus: str | None = typer.Option(None, help="Name of this source set (default: folder name)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    user: str | None = USER_OPT,
    password: str | None = PASSWORD_OPT,
) -> None:
    """Load, chunk, embed and index files; print a per-file report (admin in team mode)."""
    import json

    from ingest.job import run_ingest
    from tutor import prompts
    from tutor.config import get_settings
    from tutor.embed import prepare_runtime
    from tutor.index import current_name

    settings = get_settings()
    # setup: the one-off encoder export happens here, never while serving
    prepare_runtime(settings, lambda path: echo(prompts.EXPORTING_ENCODER.format(path=path),
                                                err=True))
    if if_empty and current_name(settings) is not None:
        echo(f"Index already present in {settings.index_dir}; nothing to do.")
        return
    if not paths:
        fail("give at least one file or folder", 2)
    actor = require_admin_cli(settings, user, password, "change the library")
    report = run_ingest(list(paths), settings, rebuild=rebuild, corpus=corpus,
                        show_progress=not (quiet or as_json), user=actor)
    for warning in report.warnings:
        echo(f"warning: {warning}", err=True)
    if as_json:
        data = report.model_dump(mode="json")
        data["files"] = [
            {k: v for k, v in f.items() if v not in (None, []) or k in ("path", "status", "chunks")}
            for f in data["files"]
        ]
        typer.echo(json.dumps(data, indent=2))
        return
    _print_report(report)


def _print_report(report: IngestReport) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    def safe(text: str) -> str:  # file names and messages may hold escapes or rich markup
        return escape(terminal_text(text))

    console = Console()
    problems = [f for f in report.files if f.status.value != "ok" or f.warnings]
    if problems:
        table = Table(title="Files needing attention", show_lines=False)
        for col in ("file", "status", "chunks", "message"):
            table.add_column(col)
        for f in problems:
            msg = f.message or "; ".join(f.warnings)
            table.add_row(safe(f.path), f.status.value, str(f.chunks), safe(msg))
        console.print(table)
    counts = ", ".join(f"{n} {s}" for s, n in sorted(report.counts().items()))
    changes: dict[str, int] = {}
    for f in report.files:
        changes[f.change] = changes.get(f.change, 0) + 1
    console.print(
        f"[bold]{len(report.files)} files[/] ({counts}); changes: "
        + ", ".join(f"{n} {c}" for c, n in sorted(changes.items()))
    )
    console.print(
        f"{report.chunks_total} chunks indexed, {report.chunks_added} added, "
        f"{report.chunks_removed} removed, {report.embedded} embedded, "
        f"{report.seconds:.1f} s, model {safe(str(report.model))}"
    )
