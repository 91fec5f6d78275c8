"""Roles and the checks that guard admin actions, wherever they are called from (UI, CLI,
HTTP API, library). Single-user mode has no accounts: its one user may do everything."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from tutor import prompts
from tutor.config import Settings
from tutor.errors import AccessDeniedError


class Role(StrEnum):
    """learner: chat, practice, mock exam, flashcards, own progress. admin: all of that plus
    the Library (uploads, docs, rebuilds), Settings and the anonymised learner overview."""

    learner = "learner"
    admin = "admin"


class User(BaseModel):
    """Who is signed in, for how long."""

    id: int = Field(description="Account id: the key of the learner's progress.")
    name: str
    role: Role
    expires: datetime | None = Field(None, description="When the session ends.")

    @property
    def is_admin(self) -> bool:
        return self.role is Role.admin


def require_admin(settings: Settings, user: User | None, action: str) -> None:
    """AccessDeniedError unless ``user`` may do an admin ``action`` ("upload files", ...):
    in team mode only a signed-in admin may; in single-user mode there is nobody else."""
    if not settings.team:
        return
    if user is None or not user.is_admin:
        raise AccessDeniedError(prompts.ADMIN_ONLY.format(action=action))
