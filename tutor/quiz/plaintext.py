"""Quiz items and results as plain text for terminals and reports (the UI renders its own way)."""

from __future__ import annotations

from tutor.exam import TASKS
from tutor.quiz.grade import GradeResult, match_targets
from tutor.types import QuizItem

TYPE_LABELS = {
    "single": "Multiple choice",
    "multiple": "Multiple response",
    "ordering": "Ordering",
    "matching": "Matching",
    "cloze": "Fill in the blank",
    "true_false": "True or false",
}
HOW_TO_ANSWER = {
    "single": "Type one letter.",
    "cloze": "Type one letter.",
    "true_false": "Type A (true) or B (false).",
    "multiple": "Type the letters, e.g. A C.",
    "ordering": "Type the letters in order, e.g. C A D B.",
    "matching": "Give each letter a description number, e.g. A2 B1 C4 D3.",
}


def format_item(item: QuizItem, number: int | None = None) -> str:
    """The question as a learner sees it, without the answer."""
    head = f"Q{number}. " if number is not None else ""
    lines = [f"{head}[{TYPE_LABELS[item.type]} | Task {item.task}: {TASKS.get(item.task, '')}]",
             item.stem, ""]
    lines += [f"  {o.key}. {o.text}" for o in item.options]
    if item.type == "matching":
        lines += ["", "  Descriptions:"]
        lines += [f"  {n}. {text}" for n, text in enumerate(match_targets(item), start=1)]
    if "negative_stem" in item.flags:
        lines += ["", "  (Note: this question asks for the option that does NOT apply.)"]
    return "\n".join(lines)


def format_answer(item: QuizItem) -> str:
    """The key, why each option is right or wrong, and the supporting passages."""
    if item.type == "ordering":
        texts = {o.key: o.text for o in item.options}
        key = "Correct order: " + " -> ".join(f"{k} ({texts[k]})" for k in item.order)
    elif item.type == "matching":
        targets = match_targets(item)
        key = "Correct pairs: " + ", ".join(
            f"{k}{targets.index(v) + 1}" for k, v in sorted(item.pairs.items())
        )
    else:
        key = "Answer: " + ", ".join(item.correct_keys)
    lines = [key, item.explanation]
    if item.type not in ("ordering", "matching"):
        lines += [f"  {o.key}. {o.explanation}" for o in item.options]
    for c in item.citations:
        where = f"{c.source}" + (f" > {c.heading}" if c.heading else "")
        lines.append(f"  [{c.n}] {where}: \"{c.quote}\"")
    return "\n".join(lines)


def format_feedback(item: QuizItem, result: GradeResult) -> str:
    verdict = "Correct." if result.correct else "Not quite."
    return f"{verdict}\n{format_answer(item)}"
