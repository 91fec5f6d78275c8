"""`tutor docs fetch` and `tutor docs list`: registered through the tutor.commands entry point."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from tutor.cli.app import echo, fail
from tutor.cli.team import PASSWORD_OPT, USER_OPT, require_admin_cli

if TYPE_CHECKING:
    from ingest.docs import DocPage, DocsManifest

docs_app = typer.Typer(no_args_is_help=True, help="AWS documentation pages on demand.")


def register(app: typer.Typer) -> None:
    app.add_typer(docs_app, name="docs")


def _split(values: list[str] | None) -> list[str]:
    """Accept both repeated options and comma-separated lists."""
    return [v.strip() for raw in values or [] for v in raw.split(",") if v.strip()]


def _selection(manifest_path: Path | None, only: list[str] | None,
               guide: list[str] | None, task: list[str] | None
               ) -> tuple[DocsManifest, list[DocPage]]:
    from ingest.docs import load_manifest, select_pages
    from tutor import prompts

    if manifest_path is not None and manifest_path.is_dir():
        fail(prompts.CLI_IS_A_FOLDER.format(path=manifest_path), 2)
    if manifest_path is not None and not manifest_path.exists():
        fail(prompts.DOCS_NO_MANIFEST.format(path=manifest_path), 2)
    manifest = load_manifest(manifest_path)
    return manifest, select_pages(manifest, only=_split(only), guides=_split(guide),
                                  tasks=_split(task))


MANIFEST_OPT = typer.Option(None, "--manifest", help="Another docs manifest (YAML).")
ONLY_OPT = typer.Option(None, "--only", help="Pages such as sagemaker/async-inference.md "
                        "(comma-separated or repeated).")
GUIDE_OPT = typer.Option(None, "--service", "--guide",
                         help="Guides such as sagemaker or firehose (comma-separated).")
TASK_OPT = typer.Option(None, "--task", help="Only pages serving these task statements, e.g. 3.1.")


@docs_app.command("fetch")
def fetch_command(
    from_dir: Path | None = typer.Option(
        None, "--from", help="Read pages from a local folder (guide/slug.md) instead of the web."),
    only: list[str] | None = ONLY_OPT,
    guide: list[str] | None = GUIDE_OPT,
    task: list[str] | None = TASK_OPT,
    manifest_path: Path | None = MANIFEST_OPT,
    refresh: bool = typer.Option(False, "--refresh", help="Download pages even if cached."),
    no_ingest: bool = typer.Option(False, "--no-ingest", help="Only fill the cache."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress output."),
    user: str | None = USER_OPT,
    password: str | None = PASSWORD_OPT,
) -> None:
    """Download the curated AWS docs pages (or copy them with --from), cache and ingest them."""
    import json

    from ingest.docs import fetch_docs
    from tutor.config import get_settings

    settings = get_settings()
    actor = require_admin_cli(settings, user, password, "fetch documentation into the library")
    show = not (quiet or as_json)

    def progress(n: int, total: int) -> None:
        if show and (n == 1 or n % 25 == 0 or n == total):
            typer.echo(f"page {n}/{total}", err=True)

    manifest, pages = _selection(manifest_path, only, guide, task)
    report = fetch_docs(settings, pages, manifest=manifest, source_dir=from_dir,
                        refresh=refresh, ingest=not no_ingest, show_progress=show,
                        progress=progress, user=actor)
    if as_json:
        typer.echo(json.dumps(report.model_dump(mode="json"), indent=2))
        return
    for page in report.pages:
        if page.status in ("missing", "failed"):
            echo(f"{page.status}: {page.path} ({page.message})")
    counts = ", ".join(f"{n} {s}" for s, n in sorted(report.counts().items()))
    echo(f"{len(report.pages)} pages ({counts}); cache: {report.docs_dir}")
    if report.ingest is not None:
        r = report.ingest
        echo(f"{r.chunks_total} chunks indexed, {r.chunks_added} added, "
                   f"{r.embedded} embedded, {r.seconds:.1f} s")


@docs_app.command("list")
def list_command(
    only: list[str] | None = ONLY_OPT,
    guide: list[str] | None = GUIDE_OPT,
    task: list[str] | None = TASK_OPT,
    manifest_path: Path | None = MANIFEST_OPT,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show which pages the docs manifest names, with their URL and exam tasks."""
    import json

    _, pages = _selection(manifest_path, only, guide, task)
    if as_json:
        typer.echo(json.dumps([p.model_dump() for p in pages], indent=2))
        return
    for p in pages:
        echo(f"{p.path:60s} {','.join(p.tasks):10s} {p.url}")
    echo(f"{len(pages)} pages")
