"""State and small helpers shared by the offline generator's item builders."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from tutor.catalog import Service
from tutor.exam import tasks_of
from tutor.quiz.gate import MAX_LENGTH_RATIO
from tutor.quiz.workflows import Workflow


def item_id(kind: str, stem: str, option_texts: Sequence[str]) -> str:
    """Stable id from the content, so the same question always has the same id."""
    digest = hashlib.sha256("\x1f".join([kind, stem, *sorted(option_texts)]).encode()).hexdigest()
    return f"q-{digest[:16]}"


def selection_tasks(domain: int | None = None, task: str | None = None) -> list[str]:
    """The task statements a selection covers: one task, a domain's tasks, or all twelve."""
    if task is not None:
        return [task]
    if domain is not None:
        return tasks_of(domain)
    return [t for d in (1, 2, 3, 4) for t in tasks_of(d)]


def ratio_ok(texts: Sequence[str]) -> bool:
    """Whether the longest text is within the gate's ratio of the shortest."""
    lengths = [len(t) for t in texts]
    return max(lengths) <= MAX_LENGTH_RATIO * min(lengths)


@dataclass
class TaskPlan:
    """Per-task state: rotating pointers so consecutive items visit different topics."""

    task: str
    entries: list[Service]
    workflows: list[Workflow]
    kind_pos: int = 0
    entry_pos: int = 0
    used_scenarios: set[tuple[str, str]] = field(default_factory=set)
    used_groups: set[tuple[str, ...]] = field(default_factory=set)
