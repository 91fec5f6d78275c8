"""`tutor export-progress` and `tutor import-progress`: move one learner's history between
SQLite (single-user) and PostgreSQL (team mode), in either direction, as one JSON file.

In team mode the command acts as --user: a learner moves their own history; an admin may
name another account with --learner. Importing adds what is not there yet, so running the
same import twice changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import typer

from tutor import prompts
from tutor.auth.access import User
from tutor.cli.app import echo, fail, fail_on, warn_notices
from tutor.cli.team import PASSWORD_OPT, USER_OPT, acting_user
from tutor.config import Settings, get_settings
from tutor.errors import AccessDeniedError, TutorError
from tutor.progress import ProgressHistory, ProgressStore, open_progress_store

LEARNER_OPT = typer.Option(None, "--learner", help="Team mode, admins: whose progress (an "
                           "account name); default: the --user account itself.")


def _store(settings: Settings, user: User | None, learner: str | None) -> ProgressStore:
    """The store of ``learner`` (default: the acting user), if the acting user may open it."""
    if user is None or learner in (None, user.name):
        return open_progress_store(settings, user)
    if not user.is_admin:
        raise AccessDeniedError(prompts.NOT_YOURS)
    from tutor.auth.accounts import Accounts

    account = Accounts(settings).get(str(learner))
    return open_progress_store(settings, User(id=account.id, name=account.name,
                                              role=account.role))


def export_progress(
    out: Path = typer.Option(..., "--out", "-o", help="JSON file to write."),
    learner: str | None = LEARNER_OPT,
    user: str | None = USER_OPT,
    password: str | None = PASSWORD_OPT,
) -> None:
    """Write one learner's attempts and review cards to a JSON file."""
    if out.is_dir():
        fail(prompts.CLI_IS_A_FOLDER.format(path=out), 2)
    settings = get_settings()
    try:
        store = _store(settings, acting_user(settings, user, password), learner)
        warn_notices(store)
        history = store.history()
    except TutorError as exc:
        fail_on(exc)
    history.learner = learner or user
    out.write_text(history.model_dump_json(indent=1), encoding="utf-8")
    echo(f"exported {len(history.attempts)} attempts and {len(history.cards)} review "
               f"cards to {out}")


def import_progress(
    path: Path = typer.Argument(..., help="File written by tutor export-progress."),
    learner: str | None = LEARNER_OPT,
    user: str | None = USER_OPT,
    password: str | None = PASSWORD_OPT,
) -> None:
    """Add an exported history to a learner's progress (what is already there is kept)."""
    if path.is_dir():
        fail(prompts.CLI_IS_A_FOLDER.format(path=path), 2)
    settings = get_settings()
    try:  # a missing file reaches the boundary: "no such file or folder", exit code 2
        history = ProgressHistory.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        fail(prompts.NOT_A_PROGRESS_EXPORT.format(path=path, detail=str(exc).splitlines()[0]))
    try:
        store = _store(settings, acting_user(settings, user, password), learner)
        warn_notices(store)
        added = store.restore(history)
    except TutorError as exc:
        fail_on(exc)
    echo(f"imported {added} new attempts (of {len(history.attempts)}) and "
               f"{len(history.cards)} review cards")
