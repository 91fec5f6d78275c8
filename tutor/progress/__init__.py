"""Progress: one learner's attempts and spaced-review cards behind the ProgressStore
protocol, in SQLite (single-user) or PostgreSQL (team mode, one store per signed-in learner),
and the admins' anonymised overview of a team."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tutor import prompts
from tutor.config import Settings
from tutor.errors import AccessDeniedError
from tutor.progress.base import Attempt, ProgressHistory, ProgressStore, TaskStat
from tutor.progress.sqlite_store import SQLiteProgressStore

if TYPE_CHECKING:
    from tutor.auth import User

__all__ = ["Attempt", "ProgressHistory", "ProgressStore", "SQLiteProgressStore", "TaskStat",
           "open_progress_store"]


def open_progress_store(settings: Settings, learner: User | None = None) -> ProgressStore:
    """The progress store of ``learner``: in team mode a PostgreSQL store bound to that
    account (AccessDeniedError without one); in single-user mode the SQLite file under
    ``settings.home``, whoever asks."""
    if settings.team:
        if learner is None:
            raise AccessDeniedError(prompts.SESSION_EXPIRED)
        from tutor.progress.postgres_store import PostgresProgressStore

        return PostgresProgressStore(settings.database, learner.id)
    return SQLiteProgressStore(settings.progress_db)
