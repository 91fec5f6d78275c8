"""Progress: attempts and spaced-review cards behind the ProgressStore protocol (SQLite)."""

from tutor.config import Settings
from tutor.progress.base import Attempt, ProgressStore, TaskStat
from tutor.progress.sqlite import SQLiteProgressStore

__all__ = ["Attempt", "ProgressStore", "SQLiteProgressStore", "TaskStat", "open_progress_store"]


def open_progress_store(settings: Settings) -> ProgressStore:
    """The learner's progress store under ``settings.home``."""
    return SQLiteProgressStore(settings.progress_db)
