"""Content currency: what a maintainer should re-check in the study notes, and when.

Every note records ``reviewed: YYYY-MM``, the month it was last checked against the
documentation; a note not reviewed for more than ``MAX_AGE_MONTHS`` is due again. Every
statement that can go out of date (an availability change, a closure, an end of support, a
rename, a deprecation, a status "no longer") carries "(as of YYYY-MM)". ``tutor status
--content`` lists both; tests/test_corpus_currency.py enforces the rules with the same code.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from tutor.load.markdown import front_matter

MAX_AGE_MONTHS = 12
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# A statement about a service's status that can go out of date. "no longer" counts only with a
# status word after it, so "pods no longer fit" is not one; a bare "rename" verb ("you cannot
# rename a feature") is not either, while "renamed" and "the 2024 rename" are.
DATED = re.compile(
    r"\bclosed to new\b|\b(?:stopped|stops|ceased|ceases) (?:accepting|offering|onboarding|"
    r"selling)\b|\bno longer (?:\w+ ){0,2}?(?:available|supported|accept\w*|offer\w*|open|sold|"
    r"onboard\w*|maintained|recommended|updated|receiv\w*|launch\w*|allow\w*|provid\w*|"
    r"includ\w*|support\w*|exists?|part of)\b|\bend[- ]of[- ](?:support|life|sale)\b|"
    r"\brenamed\b|\b(?:the|a|its|\d{4}) rename\b|\bformerly\b|\bpreviously (?:called|named|"
    r"known)\b|\bnow (?:called|named|known as)\b|\bdeprecat\w*|\bdiscontinu\w*|"
    r"\bretir(?:ed|ing|ement)\b|\bshut(?:s|ting)? down\b|\bsunset\w*|"
    r"\bgeneral(?:ly)? availab\w*|\bmaintenance mode\b", re.I)
# "(as of 2026-12)", or an "as of" month closing a longer parenthetical
# ("(renamed from Amazon SageMaker in December 2024, as of 2024-12)").
AS_OF = re.compile(r"\([^()]*\bas of (\d{4}-\d{2})\b[^()]*\)")
ANY_AS_OF = re.compile(r"\bas of (\d{4}-\d{2})\b")
_LIST_ITEM = re.compile(r"\n(?=\s*(?:[-*+]|\d+\.)\s)")


def paragraphs(body: str) -> list[tuple[str, str | None]]:
    """Paragraphs of a note body (list items count as paragraphs of their own; fenced code is
    skipped), each with the paragraph that follows it in its block-level sequence."""
    blocks: list[str] = []
    current: list[str] = []
    in_fence = False
    for line in body.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            current = [] if in_fence else current
            continue
        if in_fence:
            continue
        if line.strip():
            current.append(line)
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    out: list[tuple[str, str | None]] = []
    for i, block in enumerate(blocks):
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if block.lstrip().startswith("#"):
            continue
        if block.lstrip().startswith("|"):
            out.append((block, nxt))  # a table may name its source in the line below it
        else:
            out.extend((item, None) for item in _LIST_ITEM.split(block))
    return out


def month_problem(value: str, today: date | None = None) -> str | None:
    """Why ``value`` is not a usable YYYY-MM month, or None when it is."""
    m = MONTH.match(value)
    if not m:
        return f"{value!r} is not YYYY-MM"
    year, month = int(m[1]), int(m[2])
    if not 1 <= month <= 12 or year < 2020:
        return f"{value!r} is not a valid month"
    today = today or date.today()
    if (year, month) > (today.year, today.month):
        return f"{value!r} is in the future"
    return None


def undated_paragraphs(body: str, today: date | None = None) -> list[str]:
    """Paragraphs (list items count on their own) that state a dated change but carry no
    "(as of YYYY-MM)" marker, or whose marker is not a valid, past month."""
    bad = []
    for para, _ in paragraphs(body):
        if not DATED.search(para):
            continue
        marks = AS_OF.findall(para)
        if not marks or any(month_problem(mark, today) for mark in marks):
            bad.append(" ".join(para.split()))
    return bad


def months_between(earlier: str, today: date) -> int:
    """Whole months from the YYYY-MM month ``earlier`` to ``today``'s month."""
    year, month = (int(p) for p in earlier.split("-"))
    return (today.year - year) * 12 + today.month - month


@dataclass(frozen=True)
class StaleNote:
    path: str
    reviewed: str | None  # None: the note records no valid review month
    months: int | None


@dataclass(frozen=True)
class DatedStatement:
    path: str
    as_of: str
    text: str


@dataclass
class TaskContent:
    """What the corpus holds for one task statement, and when its notes were last checked."""

    task: str
    notes: int = 0
    cards: int = 0
    items: int = 0
    oldest_review: str | None = None  # the earliest valid ``reviewed:`` month of its notes
    newest_review: str | None = None


@dataclass
class Currency:
    stale: list[StaleNote] = field(default_factory=list)
    dated: list[DatedStatement] = field(default_factory=list)
    notes: int = 0
    tasks: list[TaskContent] = field(default_factory=list)


def content_currency(notes: Path, today: date | None = None,
                     max_age: int = MAX_AGE_MONTHS) -> Currency:
    """The notes under ``notes`` not reviewed for more than ``max_age`` months (or with no
    valid review month), and every paragraph carrying an "as of" month, oldest month first."""
    today = today or date.today()
    out = Currency()
    tasks: dict[str, TaskContent] = {}
    for path in sorted(notes.rglob("*.md")):
        rel = path.relative_to(notes).as_posix()
        front, body = front_matter(path.read_text(encoding="utf-8"), [])
        out.notes += 1
        reviewed = str(front.get("reviewed", ""))
        if front.get("task"):
            t = tasks.setdefault(str(front["task"]), TaskContent(str(front["task"])))
            t.notes += 1
            if month_problem(reviewed, today) is None:  # YYYY-MM strings sort by date
                t.oldest_review = min(filter(None, (t.oldest_review, reviewed)))
                t.newest_review = max(filter(None, (t.newest_review, reviewed)))
        if month_problem(reviewed, today) is not None:
            out.stale.append(StaleNote(rel, None, None))
        elif (age := months_between(reviewed, today)) > max_age:
            out.stale.append(StaleNote(rel, reviewed, age))
        for para, _ in paragraphs(body):
            for month in sorted(set(ANY_AS_OF.findall(para))):
                out.dated.append(DatedStatement(rel, month, " ".join(para.split())))
    out.dated.sort(key=lambda d: (d.as_of, d.path))
    out.tasks = [tasks[k] for k in sorted(tasks)]
    return out


def content_counts(currency: Currency, cards: Counter[str], items: Counter[str]) -> None:
    """Add the concept-card and bank-item counts per task to ``currency.tasks`` (a task with
    cards or items but no note still gets its row, so a gap shows)."""
    rows = {t.task: t for t in currency.tasks}
    for task in set(cards) | set(items):
        rows.setdefault(task, TaskContent(task))
    for task, row in rows.items():
        row.cards, row.items = cards.get(task, 0), items.get(task, 0)
    currency.tasks = [rows[k] for k in sorted(rows)]
