"""`tutor quiz` and `tutor progress`: parse options, call the quiz library, print.

The JSON shape of ``quiz --json`` is documented in the README.
"""

from __future__ import annotations

import json
from typing import Any

import typer

from tutor import prompts
from tutor.catalog import load_catalog
from tutor.cli.app import echo, fail, secho, warn_notices
from tutor.cli.team import PASSWORD_OPT, USER_OPT, acting_user
from tutor.config import get_settings
from tutor.errors import InputError
from tutor.exam import DOMAINS, TASKS
from tutor.progress import open_progress_store
from tutor.quiz.corpus import quiz_chunks
from tutor.quiz.grade import parse_answer
from tutor.quiz.plaintext import HOW_TO_ANSWER, format_feedback, format_item
from tutor.quiz.session import PracticeSession, QuizSet
from tutor.quiz.sources import SOURCES, practice_quiz

JSON_VERSION = 1


def quiz_json(quiz: QuizSet, domain: int | None, task: str | None,
              source: str = "bank") -> dict[str, Any]:
    """The document printed by ``tutor quiz --json`` (see the README)."""
    return {
        "version": JSON_VERSION,
        "source": source,
        "selection": {"domain": domain, "task": task, "tasks": quiz.tasks},
        "requested": quiz.requested,
        "count": len(quiz.items),
        "generated": quiz.generated,
        "notice": quiz.notice,
        "items": [
            {**item.model_dump(mode="json"), "review": item.id in quiz.review_ids}
            for item in quiz.items
        ],
        "gate": {"checked": quiz.stats.checked, "passed": quiz.stats.passed,
                 "dropped": quiz.stats.dropped},
    }


def quiz(
    domain: int | None = typer.Option(None, "--domain", "-d", min=1, max=4,
                                         help="Exam domain 1-4."),
    task: str | None = typer.Option(None, "--task", "-t", help="Task statement, e.g. 3.1."),
    count: int = typer.Option(10, "--count", "-n", min=1, max=100, help="Number of questions."),
    json_out: bool = typer.Option(False, "--json", help="Print the questions as JSON and exit."),
    seed: int | None = typer.Option(None, "--seed", help="Repeatable question selection."),
    review: bool = typer.Option(True, "--review/--no-review",
                                help="Put questions due for spaced review first."),
    user: str | None = USER_OPT,
    password: str | None = PASSWORD_OPT,
    source: str = typer.Option("bank", "--source", "-s",
                               help="bank (authored questions; generated ones only once "
                               "you have answered them all), offline (generated from the "
                               "notes) or llm (written by the configured chat model)."),
) -> None:
    """Practice exam-style questions; answers are graded and saved to your progress."""
    if domain is not None and task is not None:
        fail("Give --domain or --task, not both.", 2)
    if task is not None and task not in TASKS:
        fail(prompts.CLI_UNKNOWN_TASK.format(task=task, tasks=", ".join(TASKS)), 2)
    if source not in SOURCES:
        fail(prompts.QUIZ_BAD_SOURCE.format(source=source, known=", ".join(SOURCES)), 2)
    settings = get_settings()
    store = open_progress_store(settings, acting_user(settings, user, password))
    warn_notices(store)
    result = practice_quiz(settings, load_catalog(), lambda: quiz_chunks(settings), store,
                           source=next(s for s in SOURCES if s == source), domain=domain,
                           task=task, count=count, seed=seed, review=review)
    if json_out:
        echo(json.dumps(quiz_json(result, domain, task, source), indent=2))
        return
    if not result.items:
        fail(prompts.QUIZ_EMPTY)
    if result.notice:
        secho(result.notice, fg=typer.colors.YELLOW, err=True)
    _run_interactive(PracticeSession(result, store))


def _run_interactive(session: PracticeSession) -> None:
    total = len(session.quiz.items)
    echo(f"{total} questions. Type q to stop.\n")
    while (item := session.next_item()) is not None:
        echo(format_item(item, session.position + 1))
        while True:
            raw = typer.prompt(f"{HOW_TO_ANSWER[item.type]} Answer")
            if raw.strip().lower() in ("q", "quit"):
                _summary(session)
                return
            try:
                record = session.answer(parse_answer(item, raw))
                break
            except InputError as exc:
                echo(str(exc))
        echo(format_feedback(item, record.result) + "\n")
        if session.store is not None:
            warn_notices(session.store)
    _summary(session)


def _summary(session: PracticeSession) -> None:
    right, answered = session.score
    echo(f"Score: {right}/{answered}. Missed questions come back in spaced review.")
    if session.store is not None:
        warn_notices(session.store)


def progress(
    json_out: bool = typer.Option(False, "--json", help="Print progress as JSON."),
    window: int = typer.Option(20, "--window", min=1, help="Recent attempts per task."),
    user: str | None = USER_OPT,
    password: str | None = PASSWORD_OPT,
) -> None:
    """Accuracy per domain, weakest task statements and questions due for review."""
    settings = get_settings()
    store = open_progress_store(settings, acting_user(settings, user, password))
    warn_notices(store)
    totals, weak, boxes = store.totals(), store.weak_areas(window), store.review_counts()
    data: dict[str, Any] = {
        "domains": [
            {"domain": d, "name": DOMAINS[d], "attempts": totals.get(d, (0, 0))[0],
             "correct": totals.get(d, (0, 0))[1]}
            for d in sorted(DOMAINS)
        ],
        "weak_areas": [{**w.model_dump(), "accuracy": round(w.accuracy, 3)} for w in weak],
        "review": boxes,
    }
    if json_out:
        echo(json.dumps(data, indent=2))
        return
    for row in data["domains"]:
        share = f"{100 * row['correct'] / row['attempts']:.0f}%" if row["attempts"] else "-"
        echo(f"Domain {row['domain']} {row['name']}: "
                   f"{row['correct']}/{row['attempts']} ({share})")
    if weak:
        echo(f"\nWeakest tasks (last {window} attempts each):")
        for w in weak:
            echo(f"  {w.task} {w.name}: {w.recent_correct}/{w.recent} "
                       f"({100 * w.accuracy:.0f}%), {w.attempts} attempts in all")
    untried = [t for t in TASKS if t not in {w.task for w in weak}]
    if untried:
        echo(f"\nNot attempted yet: {', '.join(untried)}")
    echo(f"\nSpaced review: {boxes['due']} due now; boxes 1-5: "
               + " ".join(str(boxes[str(b)]) for b in range(1, 6)))
