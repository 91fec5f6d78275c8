"""Content currency: every note records the month it was reviewed, every statement about a
closure, rename or availability change carries "(as of YYYY-MM)", `tutor status --content` lists
stale notes and dated statements for a maintainer, and the exam note states the
exam's format, scoring and domain weights."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import NOTES
from tests.test_corpus import NOTE_FILES, TASK_NOTES, _split
from tutor.currency import (
    ANY_AS_OF,
    DATED,
    content_currency,
    month_problem,
    paragraphs,
    undated_paragraphs,
)
from tutor.exam import DOMAIN_WEIGHTS, DOMAINS


@pytest.mark.parametrize("path", NOTE_FILES, ids=lambda p: p.name)
def test_note_records_its_review_month(path: Path) -> None:
    """Every note, general ones included, says when it was last checked: reviewed: YYYY-MM,
    a real month that has already begun."""
    front, _ = _split(path)
    assert "reviewed" in front, "no reviewed: YYYY-MM in the front-matter"
    assert isinstance(front["reviewed"], str), "reviewed must be YYYY-MM (a date is too much)"
    assert month_problem(front["reviewed"]) is None, month_problem(front["reviewed"])


def test_review_month_check_rejects_bad_values() -> None:
    today = date(2026, 12, 7)
    assert month_problem("2026-12", today) is None
    assert month_problem("2026-13", today) and month_problem("2027-01", today)
    assert month_problem("2026-12-01", today) and month_problem("Dec 2026", today)


def test_dated_statements_carry_an_as_of_marker() -> None:
    """In every note, a paragraph that states an availability change, closure, end of support,
    rename, deprecation or status "no longer" carries "(as of YYYY-MM)", and every "as of"
    month in the notes is a valid month that has begun."""
    problems: list[str] = []
    dated = 0
    for path in NOTE_FILES:
        _, body = _split(path)
        dated += sum(bool(DATED.search(p)) for p, _ in paragraphs(body))
        problems += [f"{path.name}: {p[:140]}" for p in undated_paragraphs(body)]
        problems += [f"{path.name}: as of {m}: {month_problem(m)}"
                     for m in ANY_AS_OF.findall(body) if month_problem(m)]
    assert dated > 20  # the rule really finds the dated statements
    assert not problems, "\n".join(problems)


def test_dated_rule_catches_a_bare_closure() -> None:
    """The check above can fail: an unmarked closure, rename or end of support is reported,
    and so is a marker in the future; ordinary uses of the same words are not."""
    today = date(2026, 12, 7)
    body = ("Amazon Forecast is closed to new customers.\n\n"
            "Amazon Fraud Detector is closed to new customers (as of 2025-11).\n\n"
            "- Kinesis Data Analytics was renamed Managed Service for Apache Flink.\n"
            "- SageMaker Profiler reaches end of support in 2027 (as of 2027-06).\n"
            "- Studio Classic no longer receives new features (renamed UI, as of 2026-12).\n\n"
            "Karpenter adds nodes when pods no longer fit. You cannot rename a feature, and "
            "the server must stop accepting new requests on SIGTERM.\n")
    assert undated_paragraphs(body, today) == [
        "Amazon Forecast is closed to new customers.",
        "- Kinesis Data Analytics was renamed Managed Service for Apache Flink.",
        "- SageMaker Profiler reaches end of support in 2027 (as of 2027-06)."]


# --- the general notes -------------------------------------------------------------------------

EXAM_NOTE = NOTES / "general" / "mla-c01-exam.md"


def test_general_notes_are_in_every_note_check() -> None:
    """The notes without a task (the exam, SageMaker's names) are part of NOTE_FILES, so the
    front-matter, originality, source, catalog-name and currency checks above cover them."""
    general = {p.name for p in NOTE_FILES if p.parent.name == "general"}
    assert {"mla-c01-exam.md", "sagemaker-consoles-and-names.md"} <= general
    assert all(p.parent.name == "general" for p in NOTE_FILES if p not in TASK_NOTES)


def _sentences(text: str) -> list[str]:
    return re.split(r"(?<=[.;])\s+", " ".join(text.split()))


def test_exam_note_states_format_scoring_and_domain_weights() -> None:
    """The exam note gives the format (65 questions: 50 scored, 15 unscored; 130 minutes), the
    pass mark (720 on the 100-1,000 scale) and each domain's weight as tutor.catalog has it."""
    _, body = _split(EXAM_NOTE)
    sentences = _sentences(body)

    def stated(*patterns: str) -> bool:
        return any(all(re.search(p, s) for p in patterns) for s in sentences)

    assert stated(r"\b65 questions\b", r"\b50 (?:are )?scored\b", r"\b15 (?:are )?unscored\b")
    assert stated(r"\b130 minutes\b")
    assert stated(r"\bminimum passing score is 720\b", r"\b100 to 1,000\b")
    for domain, name in DOMAINS.items():
        weight = f"{round(DOMAIN_WEIGHTS[domain] * 100)}%"
        assert stated(rf"\bDomain {domain}\b", re.escape(name), rf"(?<!\d){weight}"), \
            f"Domain {domain} ({name}) is not stated with its weight {weight}"
    assert sum(DOMAIN_WEIGHTS.values()) == pytest.approx(1.0)


# --- what a maintainer re-checks: tutor status --content -------------------------------------

def _note(folder: Path, name: str, reviewed: str | None, body: str) -> None:
    front = f"---\ntitle: {name}\n" + (f"reviewed: {reviewed}\n" if reviewed else "") + "---\n"
    (folder / f"{name}.md").write_text(front + body, encoding="utf-8")


def test_content_report_lists_stale_notes_and_dated_statements(tmp_path: Path) -> None:
    _note(tmp_path, "old", "2025-10", "# Old\n\nForecast is closed to new customers "
          "(as of 2025-07).\n\nNothing dated here.\n")
    _note(tmp_path, "fresh", "2026-11", "# Fresh\n\n- Edge Manager was discontinued "
          "(as of 2024-04).\n- Studio Classic was renamed (renamed UI, as of 2026-12).\n")
    _note(tmp_path, "edge", "2025-12", "# Exactly twelve months\n\nNo dates.\n")
    _note(tmp_path, "unreviewed", None, "# No month\n\nText.\n")
    report = content_currency(tmp_path, today=date(2026, 12, 7))
    assert report.notes == 4
    assert [(n.path, n.reviewed, n.months) for n in report.stale] == [
        ("old.md", "2025-10", 14), ("unreviewed.md", None, None)]
    assert [(d.as_of, d.path) for d in report.dated] == [
        ("2024-04", "fresh.md"), ("2025-07", "old.md"), ("2026-12", "fresh.md")]
    assert report.dated[1].text == "Forecast is closed to new customers (as of 2025-07)."


def test_content_counts_per_task_with_review_months(tmp_path: Path) -> None:
    from collections import Counter

    from tutor.currency import content_counts

    for name, task, month in [("a", "1.1", "2026-03"), ("b", "1.1", "2025-11"),
                              ("c", "2.2", "2026-10"), ("d", "2.2", "2026-13")]:
        (tmp_path / f"{name}.md").write_text(
            f"---\ntitle: {name}\ntask: \"{task}\"\nreviewed: {month}\n---\n# {name}\n",
            encoding="utf-8")
    report = content_currency(tmp_path, today=date(2026, 12, 7))
    content_counts(report, Counter({"1.1": 3, "4.3": 2}), Counter({"2.2": 5}))
    rows = {t.task: (t.notes, t.cards, t.items, t.oldest_review, t.newest_review)
            for t in report.tasks}
    assert rows == {"1.1": (2, 3, 0, "2025-11", "2026-03"),
                    "2.2": (2, 0, 5, "2026-10", "2026-10"),  # an invalid month is left out
                    "4.3": (0, 2, 0, None, None)}  # cards with no note still get a row


def test_status_content_covers_every_dated_statement_of_the_notes() -> None:
    import json

    from typer.testing import CliRunner

    from tutor.cli import app

    result = CliRunner().invoke(app, ["status", "--content", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    marks = sum(len(set(ANY_AS_OF.findall(p))) for path in NOTE_FILES
                for p, _ in paragraphs(_split(path)[1]))
    assert data["notes"] == len(NOTE_FILES) and len(data["dated"]) == marks > 20
    assert {d["path"].split("/")[0] for d in data["dated"]} >= {"domain-1", "domain-3"}
    from tutor.quiz.bank import load_bank, load_cards

    tasks = data["tasks"]
    assert len(tasks) == 12 and all(t["notes"] and t["oldest_review"] for t in tasks)
    assert sum(t["cards"] for t in tasks) == len(load_cards())
    assert sum(t["items"] for t in tasks) == len(load_bank().items)
    text = CliRunner().invoke(app, ["status", "--content"]).output
    assert "Dated statements to re-check" in text and "Notes not reviewed" in text
    assert "Content per task statement" in text
