"""Reports as rich tables (terminal), Markdown summaries and PNG charts.

matplotlib is optional (the ``bench`` extra): without it the summary says so and no chart is
written. It is imported here only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

Table = list[list[str]]  # header row first


def fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value) >= 10 else f"{value:.3f}"
    return str(value)


def _signed(value: float | None) -> str:
    return "-" if value is None else f"{value:+.3f}" if abs(value) < 10 else f"{value:+.1f}"


def _plain(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "/".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _headline(report: dict[str, Any]) -> str:
    ds, corpus = report["dataset"], report["context"]["corpus"]
    git = report["context"]["git"]
    rev = (git.get("revision") or "no git")[:10] + (" (modified)" if git.get("dirty") else "")
    index = (f"index {corpus['generation']} ({corpus['documents']} documents, "
             f"{corpus['chunks']} chunks, {corpus['model']})" if corpus.get("generation")
             else "no index (chunks given by the caller)")
    return (f"{report['kind']} eval on {ds.get('name')} ({ds.get('questions')} items); {index}; "
            f"code {rev}")


def tables(report: dict[str, Any]) -> list[tuple[str, Table]]:
    """The report's tables as (title, rows); shared by the terminal and Markdown output."""
    kind, m = report["kind"], report["metrics"]
    out: list[tuple[str, Table]] = []
    if kind == "retrieval":
        modes = report["params"]["modes"]
        names = list(m[modes[0]])
        out.append((f"Retrieval, top {report['params']['k']} chunks, scored on distinct sources",
                    [["metric", *modes]] + [[n, *(fmt(m[mode][n]) for mode in modes)]
                                            for n in names]))
        missing = report["dataset"].get("gold_not_indexed") or []
        if missing:
            out.append(("Gold sources not in the index (scored as misses)",
                        [["source"]] + [[s] for s in missing[:20]]))
    elif kind == "answers":
        out.append(("Answers", [["metric", "value"]] + [[k, fmt(v)] for k, v in m.items()]))
        out.append(("Counts", [["count", "value"]] + [[k, str(v)] for k, v in
                                                     report["counts"].items()]))
        rows = report["breakdown"]["by_task"]
        out.append(("Answers by task statement",
                    [["task", "questions", "pass_rate", "not_found_rate"]]
                    + [[t, str(r["questions"]), fmt(r["pass_rate"]), fmt(r["not_found_rate"])]
                       for t, r in rows.items()]))
    elif kind == "quiz":
        out.append(("Quiz items", [["metric", "value"]] + [[k, fmt(v)] for k, v in m.items()]))
        for key, title in (("by_domain", "domain"), ("by_task", "task")):
            rows = report["breakdown"][key]
            out.append((f"Quality gate by {title}",
                        [[title, "checked", "passed", "pass_rate", "dropped for"]]
                        + [[k, str(r["checked"]),
                            str(r["passed"]), fmt(r["pass_rate"]),
                            ", ".join(f"{n} {why}" for why, n in r["dropped"].items()) or "-"]
                           for k, r in rows.items()]))
    elif kind == "quiz_bank":
        out.append(("Item bank", [["metric", "value"]] + [[k, fmt(v)] for k, v in m.items()]))
        out.append(("Counts", [["count", "value"]] + [[k, _plain(v) or "-"] for k, v in
                                                     report["counts"].items()]))
        rows = report["breakdown"]["answerable_by_task"]
        per_task = report["breakdown"]["per_task"]
        out.append(("Items and answerability by task statement",
                    [["task", "items", f"key section in top {report['params']['k']}"]]
                    + [[t, str(per_task.get(t, 0)), fmt(r["rate"])] for t, r in rows.items()]))
        if report["problems"]:
            out.append(("Problems", [["problem"]] + [[p] for p in report["problems"][:40]]))
    return out


def compare_tables(result: dict[str, Any], a_name: str, b_name: str) -> list[tuple[str, Table]]:
    rows = [["metric", a_name, b_name, "B - A", ""]]
    rows += [[r["metric"], fmt(r["a"]), fmt(r["b"]), _signed(r["delta"]),
              r["verdict"] or "only one"] for r in result["metrics"]]
    out = [(f"{result['kind']}: B against A", rows)]
    if result["changes"]:
        out.append(("What differs between the runs",
                    [["field", "A", "B"]] + [[k, fmt(a), fmt(b)] for k, a, b in result["changes"]]))
    return out


def print_tables(titled: Sequence[tuple[str, Table]], headline: str | None = None) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table as RichTable

    from tutor.display import terminal_text

    def safe(text: str) -> str:  # source names, bank problems and model names are data
        return escape(terminal_text(text))

    console = Console()
    if headline:
        console.print(f"[bold]{safe(headline)}[/]")
    colours = {"better": "green", "worse": "red"}
    for title, rows in titled:
        table = RichTable(title=safe(title), title_justify="left")
        for i, col in enumerate(rows[0]):
            table.add_column(safe(col), justify="left" if i == 0 else "right")
        for row in rows[1:]:
            colour = colours.get(row[-1])
            table.add_row(*[f"[{colour}]{safe(c)}[/]" if colour else safe(c) for c in row])
        console.print(table)


def print_report(report: dict[str, Any]) -> None:
    print_tables(tables(report), _headline(report))


def markdown_table(rows: Table) -> str:
    def esc(cell: str) -> str:
        return cell.replace("|", "\\|")
    lines = ["| " + " | ".join(esc(c) for c in rows[0]) + " |",
             "|" + "|".join(["---"] + ["---:"] * (len(rows[0]) - 1)) + "|"]
    lines += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows[1:]]
    return "\n".join(lines)


def markdown(report: dict[str, Any], chart: Path | None = None) -> str:
    """A Markdown summary: headline, conditions, tables and the chart if one was drawn."""
    ctx = report["context"]
    parts = [f"# {report['kind'].capitalize()} eval: {report['dataset'].get('name')}", "",
             _headline(report) + ".", "",
             f"Models: {', '.join(f'{k} {v}' for k, v in ctx['models'].items() if v)}. "
             f"Run {ctx['created']}. Parameters: "
             + ", ".join(f"{k} {_plain(v)}" for k, v in report["params"].items()) + "."]
    if chart is not None:
        parts += ["", f"![{report['kind']} chart]({chart.name})"]
    for title, rows in tables(report):
        parts += ["", f"## {title}", "", markdown_table(rows)]
    return "\n".join(parts) + "\n"


def chart(report: dict[str, Any], path: Path) -> Path | None:
    """Draw the report's chart to ``path``; None when matplotlib is missing or the kind has
    no chart (retrieval: quality per mode; answers: pass rate per task)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(8, 4))
    if report["kind"] == "retrieval":
        modes = report["params"]["modes"]
        names = [n for n in report["metrics"][modes[0]] if not n.startswith("latency")]
        width = 0.8 / len(modes)
        for i, mode in enumerate(modes):
            xs = [j + i * width for j in range(len(names))]
            ax.bar(xs, [report["metrics"][mode][n] for n in names], width, label=mode)
        ax.set_xticks([j + width * (len(modes) - 1) / 2 for j in range(len(names))], names)
        ax.legend()
    elif report["kind"] == "answers":
        rows = report["breakdown"]["by_task"]
        ax.bar(list(rows), [r["pass_rate"] for r in rows.values()], color="tab:blue")
        ax.axhline(report["metrics"]["pass_rate"], color="tab:red", linestyle="--",
                   label="all questions")
        ax.set_xlabel("task statement")
        ax.legend()
    else:
        plt.close(fig)
        return None
    ax.set_ylim(0, 1)
    ax.set_title(f"{report['kind']} eval: {report['dataset'].get('name')}")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def quiz_items_markdown(report: dict[str, Any]) -> str:
    """The generated items, each as a learner sees it followed by its key and citations."""
    from tutor.quiz.plaintext import format_answer, format_item
    from tutor.types import QuizItem

    parts = [f"# Generated quiz items ({len(report['items'])})", "",
             ("Checked by `tutor eval quiz`; items marked UNSUPPORTED or DUPLICATE failed "
              "that check.")]
    for n, raw in enumerate(report["items"], start=1):
        item = QuizItem.model_validate({k: v for k, v in raw.items()
                                        if k not in ("key_supported", "duplicate")})
        marks = [w for w, bad in (("UNSUPPORTED", not raw["key_supported"]),
                                  ("DUPLICATE", raw["duplicate"])) if bad]
        parts += ["", f"## {n}. {item.id} ({item.type}){' ' + ' '.join(marks) if marks else ''}",
                  "", "```text", format_item(item, n), "", format_answer(item), "```"]
    return "\n".join(parts) + "\n"

