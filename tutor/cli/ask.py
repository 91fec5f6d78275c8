"""`tutor search`, `tutor ask` and `tutor status`: parse options, call the library, print.

The --json shapes and exit codes are documented in the README.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import typer

from tutor import prompts
from tutor.cli.app import echo, emit_json, fail, secho
from tutor.config import RetrievalMode, get_settings
from tutor.errors import IndexDamagedError, TutorError
from tutor.exam import TASKS
from tutor.types import Answer, Filters, Hit

if TYPE_CHECKING:
    from tutor.service import Tutor

MODES: tuple[RetrievalMode, ...] = ("dense", "bm25", "hybrid")


def _tutor() -> Tutor:
    from tutor.service import Tutor  # the answerers (and LangChain) load only when asked

    tutor = Tutor()
    tutor.warm_up()  # the encoder loads on a second thread while the index opens
    return tutor


def hit_json(hit: Hit) -> dict[str, Any]:
    c = hit.chunk
    return {"rank": hit.rank, "score": round(hit.score, 6), "source": c.source, "title": c.title,
            "heading": c.heading, "page": c.page, "url": c.url, "domain": c.domain,
            "task": c.task, "corpus": c.corpus, "chunk_id": c.id, "text": c.text,
            "dense": None if hit.dense is None else round(hit.dense, 6),
            "bm25": None if hit.lexical is None else round(hit.lexical, 6)}


def answer_json(answer: Answer) -> dict[str, Any]:
    return {"question": answer.question, "answer": answer.text, "status": answer.status,
            "backend": answer.backend, "query": answer.query, "notice": answer.notice,
            "citations": [c.model_dump() for c in answer.citations]}


def search(
    question: str = typer.Argument(..., help="What to look for."),
    k: int | None = typer.Option(None, "--k", "-k", min=1, max=100,
                                 help="Hits to return (default: the k setting)."),
    mode: str | None = typer.Option(None, "--mode", "-m",
                                    help="dense | bm25 | hybrid (default: retrieval_mode)."),
    domain: int | None = typer.Option(None, min=1, max=4, help="Exam domain 1-4."),
    task: str | None = typer.Option(None, help="Task statement such as 3.1."),
    corpus: list[str] | None = typer.Option(None, help="Source set, e.g. notes or aws-docs."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show the passages retrieval finds for a question."""
    if mode is not None and mode not in MODES:
        fail("--mode must be dense, bm25 or hybrid", 2)
    if task is not None and task not in TASKS:
        fail(prompts.CLI_UNKNOWN_TASK.format(task=task, tasks=", ".join(TASKS)), 2)
    settings = get_settings()
    chosen: RetrievalMode = next((m for m in MODES if m == mode), settings.retrieval_mode)
    hits = _tutor().search(question, k=k or settings.k, mode=chosen,
                           filters=Filters(domain=domain, task=task, corpus=corpus or None))
    if as_json:
        emit_json({"question": question, "mode": chosen, "hits": [hit_json(h) for h in hits]})
        return
    if not hits:
        echo("No passages found.")
    for h in hits:
        c = h.chunk
        secho(f"{h.rank}. {c.title} — {c.heading}  [{c.source}]", bold=True)
        if c.url:
            echo(f"   {c.url}")
        echo("   " + c.text[:300].replace("\n", " ") + ("…" if len(c.text) > 300 else ""))


def ask(
    question: str = typer.Argument(..., help="Your question."),
    domain: int | None = typer.Option(None, min=1, max=4, help="Exam domain 1-4."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Answer a question from the indexed material, with citations."""
    filters = Filters(domain=domain)
    final = None
    tutor = _tutor()
    if as_json:
        emit_json(answer_json(tutor.ask(question, filters=filters)))
        return
    for piece in tutor.stream(question, filters=filters):
        if isinstance(piece, Answer):
            final = piece
        else:
            echo(piece, nl=False)
            sys.stdout.flush()
    echo("")
    if final is not None:
        if final.notice:
            secho(final.notice, fg=typer.colors.YELLOW, err=True)
        for c in final.citations:
            where = " > ".join(p for p in [c.title, c.heading] if p)
            page = f", page {c.page}" if c.page else ""
            secho(f"[{c.n}] {where} ({c.source}{page})", fg=typer.colors.CYAN)
            if c.cites_source:
                cited = "#".join(p for p in (c.cites_source, c.cites_heading) if p)
                echo(f"    concept card; it cites {cited}")
            if c.url:
                echo(f"    {c.url}")


def status(as_json: bool = typer.Option(False, "--json", help="Print JSON."),
           content: bool = typer.Option(False, "--content",
                                        help="Instead: notes due for a review and every dated "
                                        "statement of the shipped notes.")) -> None:
    """What is indexed: documents, chunks, model, statuses (or, with --content, what in the
    study notes needs re-checking)."""
    from tutor.index import Snapshot, probe_index

    if content:
        _content_status(as_json)
        return
    settings = get_settings()
    try:
        problem = probe_index(settings)
        if problem:
            raise IndexDamagedError(problem)
        snap = Snapshot.open_current(settings)
        snap.close()
    except TutorError as exc:
        if not as_json:
            raise
        emit_json({"indexed": False, "home": str(settings.home), "error": str(exc)})
        raise typer.Exit(1) from None
    m = snap.manifest
    data = {"indexed": True, "home": str(settings.home), "generation": m.generation,
            "model": m.model_id, "dim": m.dim, "backend": m.backend, "documents": len(m.files),
            "chunks": m.chunk_count, "statuses": m.statuses(), "dense_search": snap.dense_search}
    if as_json:
        emit_json(data)
        return
    for key, value in data.items():
        echo(f"{key:>12}: {value}")


def _content_status(as_json: bool) -> None:
    """Notes not reviewed for over a year and every "(as of YYYY-MM)" statement, by month."""
    from collections import Counter
    from dataclasses import asdict

    from tutor.catalog import DEFAULT_CORPUS_DIR
    from tutor.currency import MAX_AGE_MONTHS, content_counts, content_currency
    from tutor.quiz.bank import load_bank, load_cards

    notes = DEFAULT_CORPUS_DIR / "notes"
    report = content_currency(notes)
    content_counts(report, Counter(c.task for c in load_cards()),
                   Counter(i.task for i in load_bank().items))
    if as_json:
        emit_json({"notes_dir": str(notes), "notes": report.notes,
                   "max_age_months": MAX_AGE_MONTHS,
                   "tasks": [asdict(t) for t in report.tasks],
                   "stale": [asdict(n) for n in report.stale],
                   "dated": [asdict(d) for d in report.dated]})
        return
    secho("Content per task statement:", bold=True)
    echo(f"  {'task':<5} {'notes':>5} {'cards':>5} {'items':>5}  reviewed")
    for t in report.tasks:
        span = (t.oldest_review if t.oldest_review == t.newest_review
                else f"{t.oldest_review} to {t.newest_review}")
        echo(f"  {t.task:<5} {t.notes:>5} {t.cards:>5} {t.items:>5}  {span or 'never'}")
    echo("")
    secho(f"Notes not reviewed for more than {MAX_AGE_MONTHS} months "
                f"({len(report.stale)} of {report.notes}):", bold=True)
    for n in report.stale:
        echo(f"  {n.path}: " + (f"reviewed {n.reviewed}, {n.months} months ago"
                                      if n.reviewed else "no valid reviewed: month"))
    if not report.stale:
        echo("  none")
    secho(f"\nDated statements to re-check ({len(report.dated)}), oldest first:",
                bold=True)
    for d in report.dated:
        text = d.text if len(d.text) <= 160 else d.text[:157] + "..."
        echo(f"  as of {d.as_of}  {d.path}\n      {text}")
