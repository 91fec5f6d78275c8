"""`tutor eval ...`: registered into the tutor CLI through the tutor.commands entry point.

Each command runs one eval against the current index ($TUTOR_HOME), prints tables and writes
the JSON report plus a Markdown summary (and a chart) next to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from tutor.cli.app import echo, fail, secho

eval_app = typer.Typer(help="Measure retrieval, answer and quiz quality; compare reports.",
                       no_args_is_help=True, add_completion=False)


def register(app: typer.Typer) -> None:
    app.add_typer(eval_app, name="eval")


@contextmanager
def _progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def _write(report: dict[str, Any], out: Path | None, settings: Any) -> Path:
    """Save JSON, chart and Markdown; print where they went."""
    from evals import summary
    from evals.report import default_path, save

    path = out or default_path(settings, report)
    save(report, path)
    chart = summary.chart(report, path.with_suffix(".png"))
    path.with_suffix(".md").write_text(summary.markdown(report, chart), encoding="utf-8")
    written = [path, path.with_suffix(".md")] + ([chart] if chart else [])
    if report["kind"] == "quiz":
        items = path.with_name(path.stem + "-items.md")
        items.write_text(summary.quiz_items_markdown(report), encoding="utf-8")
        written.append(items)
    echo("wrote " + ", ".join(str(p) for p in written))
    return path


def _run(dataset: Path | None, body: Callable[..., dict[str, Any]],
         out: Path | None) -> None:
    from evals import summary
    from evals.cases import DatasetError
    from tutor.config import get_settings

    settings = get_settings()  # invalid settings reach the CLI boundary: exit code 2
    try:
        report = body(settings)
    except DatasetError as exc:
        fail(str(exc), 2)
        return
    summary.print_report(report)
    missing = report["dataset"].get("gold_not_indexed")
    if missing:
        secho(f"warning: {len(missing)} gold sources of {dataset} are not in the index; "
                    "their questions count as misses", fg=typer.colors.YELLOW, err=True)
    _write(report, out, settings)


@eval_app.command("retrieval")
def retrieval_command(
    dataset: Path = typer.Option(..., "--dataset",
                                 help="JSONL dataset: question and gold sources per line."),
    k: int = typer.Option(10, "--k", min=1, max=100, help="Chunks retrieved per question."),
    mode: str = typer.Option("all", "--mode", help="dense | bm25 | hybrid | all"),
    half: str | None = typer.Option(None, "--half",
                                    help="Only the questions of this half (A or B) of the set."),
    out: Path | None = typer.Option(None, "--out", help="Report JSON path."),
) -> None:
    """Hit@1/3/5/10, recall@k, MRR@10, nDCG@10 and latency per retrieval mode."""
    from evals.retrieval import MODES

    if mode not in (*MODES, "all"):
        fail("--mode must be dense, bm25, hybrid or all", 2)
    if half is not None and half not in ("A", "B"):
        fail("--half must be A or B", 2)
    modes = list(MODES) if mode == "all" else [mode]

    def body(settings: Any) -> dict[str, Any]:
        from evals.cases import DatasetError, RetrievalCase, load_cases
        from evals.retrieval import run_retrieval
        from tutor.service import Tutor

        cases = load_cases(dataset, RetrievalCase)
        if half is not None:
            cases = [c for c in cases if c.half == half]
            if not cases:
                raise DatasetError(f"{dataset} has no questions marked half {half}")
        tutor = Tutor(settings)
        with _progress(f"retrieval ({', '.join(modes)})", len(cases)) as step:
            report = run_retrieval(tutor, cases, dataset=str(dataset), k=k, modes=modes,
                                   progress=step)
        if half is not None:
            report["params"]["half"] = half
        return report

    _run(dataset, body, out)


@eval_app.command("answers")
def answers_command(
    dataset: Path = typer.Option(..., "--dataset",
                                 help="JSONL dataset: question and must-groups per line."),
    out: Path | None = typer.Option(None, "--out", help="Report JSON path."),
) -> None:
    """Must-group pass rate, citation validity and precision, not-found rate."""

    def body(settings: Any) -> dict[str, Any]:
        from evals.answers import run_answers
        from evals.cases import AnswerCase, load_cases
        from tutor.service import Tutor

        cases = load_cases(dataset, AnswerCase)
        tutor = Tutor(settings)
        with _progress("answers", len(cases)) as step:
            return run_answers(tutor, cases, dataset=str(dataset), progress=step)

    _run(dataset, body, out)


@eval_app.command("quiz")
def quiz_command(
    source: str = typer.Option("bank", "--source",
                               help="bank (the authored item bank) or offline (the generator)."),
    per_domain: int = typer.Option(10, "--per-domain", min=1, max=100,
                                   help="offline: items to generate per exam domain."),
    seed: int = typer.Option(0, "--seed", help="offline: generator seed (same seed, same items)."),
    k: int = typer.Option(5, "--k", min=1, max=50,
                          help="bank: rank within which the key's cited section must come."),
    aws_docs: Path | None = typer.Option(
        None, "--aws-docs", help="bank: a local copy of the AWS docs (guide/slug.md) to check "
        "cited pages against; default ../shared/aws-docs when present."),
    out: Path | None = typer.Option(None, "--out", help="Report JSON path."),
) -> None:
    """bank: schema, gate, citations, shape, key balance and answerability of the item bank.
    offline: gate pass rate by domain and task, key support, duplicates, option balance."""
    if source not in ("bank", "offline"):
        fail("--source must be bank or offline", 2)

    def body(settings: Any) -> dict[str, Any]:
        if source == "bank":
            from evals.quiz_bank import run_quiz_bank
            from tutor.catalog import DEFAULT_CORPUS_DIR
            from tutor.service import Tutor

            shared = DEFAULT_CORPUS_DIR.parent.parent / "shared" / "aws-docs"
            docs = aws_docs or (shared if shared.is_dir() else None)
            from tutor.quiz.bank import load_bank

            with _progress("quiz bank (answerability)", len(load_bank().items)) as step:
                return run_quiz_bank(settings, Tutor(settings), aws_docs=docs, k=k,
                                     progress=step)
        from evals.quiz import run_quiz

        with _progress("quiz (4 domains)", 4) as step:
            return run_quiz(settings, per_domain=per_domain, seed=seed, progress=step)

    _run(None, body, out)


@eval_app.command("compare")
def compare_command(
    a: Path = typer.Argument(..., help="Baseline report (JSON)."),
    b: Path = typer.Argument(..., help="Report to compare with the baseline."),
    as_json: bool = typer.Option(False, "--json", help="Print the comparison as JSON."),
) -> None:
    """Per-metric differences between two reports of the same kind (B - A)."""
    import json

    from evals import summary
    from evals.compare import compare
    from evals.report import ReportError, load

    try:
        result = compare(load(a), load(b))
    except ReportError as exc:
        fail(str(exc), 2)
        return
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
        return
    summary.print_tables(summary.compare_tables(result, "A", "B"),
                        f"A = {a}\nB = {b}")
    if not result["same_dataset"]:
        typer.secho("warning: the reports were made with different datasets", err=True,
                    fg=typer.colors.YELLOW)
    tally = result["tally"]
    typer.echo(f"{tally.get('better', 0)} better, {tally.get('worse', 0)} worse, "
               f"{tally.get('same', 0)} unchanged")
