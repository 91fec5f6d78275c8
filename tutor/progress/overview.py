"""The admins' learner overview: per-task accuracy across a team, without names.

Learners appear as "Learner 1", "Learner 2", ... numbered by overall accuracy, so neither
account names nor the order accounts were made in can be read from it. Only an admin may
see it, and only in team mode (single-user mode has one learner: the Progress page).
"""

from __future__ import annotations

from statistics import median

from pydantic import BaseModel, Field

from tutor.auth.access import User, require_admin
from tutor.config import Settings
from tutor.exam import TASKS


class LearnerTask(BaseModel):
    """One pseudonymous learner's results on one task statement."""

    learner: str = Field(description="Pseudonym, e.g. 'Learner 3'; no account name.")
    task: str
    attempts: int
    accuracy: float


class TaskSummary(BaseModel):
    """One task statement across the team."""

    task: str
    name: str
    learners: int = Field(description="Learners who answered at least one item.")
    attempts: int
    accuracy: float = Field(description="Right answers over all attempts.")
    median_accuracy: float = Field(description="Median of the learners' accuracies.")


class TeamOverview(BaseModel):
    learners: int
    tasks: list[TaskSummary]
    rows: list[LearnerTask]


def team_overview(settings: Settings, user: User | None) -> TeamOverview:
    """Per-task accuracy of every learner, anonymised; AccessDeniedError unless admin."""
    require_admin(settings, user, "see the learner overview")
    from tutor.progress.postgres_store import task_accuracy_by_learner

    raw = task_accuracy_by_learner(settings.database)
    overall: dict[int, list[int]] = {}
    for learner, _task, _domain, n, right in raw:
        acc = overall.setdefault(learner, [0, 0])
        acc[0] += n
        acc[1] += right
    ranked = sorted(overall, key=lambda k: (-overall[k][1] / overall[k][0], overall[k][0]))
    alias = {learner: f"Learner {i}" for i, learner in enumerate(ranked, start=1)}
    rows = sorted((LearnerTask(learner=alias[learner], task=task, attempts=n,
                               accuracy=right / n) for learner, task, _d, n, right in raw),
                  key=lambda r: (r.task, int(r.learner.split()[-1])))
    tasks = []
    for task in sorted({r.task for r in rows}):
        mine = [r for r in rows if r.task == task]
        n = sum(r.attempts for r in mine)
        right = sum(round(r.accuracy * r.attempts) for r in mine)
        tasks.append(TaskSummary(task=task, name=TASKS.get(task, task), learners=len(mine),
                                 attempts=n, accuracy=right / n,
                                 median_accuracy=median(r.accuracy for r in mine)))
    return TeamOverview(learners=len(alias), tasks=tasks, rows=rows)
