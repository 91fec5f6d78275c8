"""The `tutor` command: parse, call the library, print. Nothing else in tutor/ imports it.

Commands from the other packages (ingest, evals, ui) plug in through the ``tutor.commands``
entry-point group, the same way a third-party plugin would, so tutor/ never imports them.
Heavy libraries are imported inside commands to keep start-up light.
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import entry_points
from typing import Optional

import typer

from tutor.errors import TutorError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Study tutor for the AWS Certified Machine Learning Engineer - Associate exam.")


def emit_json(data: object) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def fail(message: str, code: int = 1) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _tutor():  # noqa: ANN202
    from tutor.service import Tutor

    return Tutor()


def _filters(domain: Optional[int], task: Optional[str], corpus: Optional[list[str]]):  # noqa: ANN202
    from tutor.retrieve import Filters

    return Filters(domain=domain, task=task, corpus=corpus or None)


def hit_json(hit) -> dict:  # noqa: ANN001
    c = hit.chunk
    return {"rank": hit.rank, "score": round(hit.score, 6), "source": c.source, "title": c.title,
            "heading": c.heading, "page": c.page, "url": c.url, "domain": c.domain,
            "task": c.task, "corpus": c.corpus, "chunk_id": c.id, "text": c.text,
            "dense": None if hit.dense is None else round(hit.dense, 6),
            "bm25": None if hit.lexical is None else round(hit.lexical, 6)}


def answer_json(answer) -> dict:  # noqa: ANN001
    return {"question": answer.question, "answer": answer.text, "status": answer.status,
            "backend": answer.backend, "query": answer.query, "notice": answer.notice,
            "citations": [c.model_dump() for c in answer.citations]}


@app.command()
def search(
    question: str = typer.Argument(..., help="What to look for."),
    k: int = typer.Option(6, "--k", "-k", min=1, max=100, help="Hits to return."),
    mode: str = typer.Option("hybrid", "--mode", "-m", help="dense | bm25 | hybrid"),
    domain: Optional[int] = typer.Option(None, min=1, max=4, help="Exam domain 1-4."),
    task: Optional[str] = typer.Option(None, help="Task statement such as 3.1."),
    corpus: Optional[list[str]] = typer.Option(None, help="Source set, e.g. notes or aws-docs."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show the passages retrieval finds for a question."""
    if mode not in ("dense", "bm25", "hybrid"):
        fail("--mode must be dense, bm25 or hybrid", 2)
    try:
        hits = _tutor().search(question, k=k, mode=mode, filters=_filters(domain, task, corpus))
    except TutorError as exc:
        fail(str(exc))
    if as_json:
        emit_json({"question": question, "mode": mode, "hits": [hit_json(h) for h in hits]})
        return
    if not hits:
        typer.echo("No passages found.")
    for h in hits:
        c = h.chunk
        typer.secho(f"{h.rank}. {c.title} — {c.heading}  [{c.source}]", bold=True)
        if c.url:
            typer.echo(f"   {c.url}")
        typer.echo("   " + c.text[:300].replace("\n", " ") + ("…" if len(c.text) > 300 else ""))


@app.command()
def ask(
    question: str = typer.Argument(..., help="Your question."),
    domain: Optional[int] = typer.Option(None, min=1, max=4, help="Exam domain 1-4."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Answer a question from the indexed material, with citations."""
    from tutor.types import Answer

    try:
        tutor = _tutor()
        if as_json:
            emit_json(answer_json(tutor.ask(question, filters=_filters(domain, None, None))))
            return
        final = None
        for piece in tutor.stream(question, filters=_filters(domain, None, None)):
            if isinstance(piece, Answer):
                final = piece
            else:
                typer.echo(piece, nl=False)
                sys.stdout.flush()
    except TutorError as exc:
        fail(str(exc))
    typer.echo("")
    if final is not None:
        if final.notice:
            typer.secho(final.notice, fg=typer.colors.YELLOW, err=True)
        for c in final.citations:
            where = " > ".join(p for p in [c.title, c.heading] if p)
            page = f", page {c.page}" if c.page else ""
            typer.secho(f"[{c.n}] {where} ({c.source}{page})", fg=typer.colors.CYAN)
            if c.url:
                typer.echo(f"    {c.url}")


@app.command()
def status(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """What is indexed: documents, chunks, model, statuses."""
    from tutor.config import get_settings
    from tutor.errors import IndexDamagedError
    from tutor.store import Snapshot, probe_index

    settings = get_settings()
    try:
        problem = None if settings.chroma_url else probe_index(settings)
        if problem:
            raise IndexDamagedError(problem)
        snap = Snapshot.open_current(settings)
        m = snap.manifest
    except TutorError as exc:
        if as_json:
            emit_json({"indexed": False, "home": str(settings.home), "error": str(exc)})
            raise typer.Exit(1)
        fail(str(exc))
    statuses: dict[str, int] = {}
    for rec in m.files.values():
        statuses[rec.status.value] = statuses.get(rec.status.value, 0) + 1
    data = {"indexed": True, "home": str(settings.home), "generation": m.generation,
            "model": m.model_id, "dim": m.dim, "backend": m.backend, "documents": len(m.files),
            "chunks": m.chunk_count, "statuses": statuses}
    if as_json:
        emit_json(data)
        return
    for key, value in data.items():
        typer.echo(f"{key:>11}: {value}")


def _builtin_commands() -> None:
    from tutor.cli_quiz import progress, quiz

    app.command("quiz")(quiz)
    app.command("progress")(progress)


def _load_plugins() -> None:
    for ep in entry_points(group="tutor.commands"):
        try:
            ep.load()(app)
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not take the CLI down
            typer.secho(f"warning: command plugin '{ep.name}' failed to load: {exc}",
                        fg=typer.colors.YELLOW, err=True)


def main() -> None:
    _builtin_commands()
    _load_plugins()
    app()


if __name__ == "__main__":
    main()
