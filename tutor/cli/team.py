"""Team-mode commands: `tutor migrate`, `tutor users add|list|disable`, and the sign-in that
admin commands (ingest, docs fetch, users) perform in team mode with --user."""

from __future__ import annotations

import socket
import sys

import typer

from tutor import prompts
from tutor.auth.access import Role, User, require_admin
from tutor.cli.app import echo, emit_json, fail, fail_on
from tutor.config import Settings, get_settings
from tutor.errors import TutorError

users_app = typer.Typer(help="Accounts for team mode (TUTOR_DATABASE_URL).",
                        no_args_is_help=True)

USER_OPT = typer.Option(None, "--user", envvar="TUTOR_USER",
                        help="Team mode: the account this command acts as.")
PASSWORD_OPT = typer.Option(None, "--password", envvar="TUTOR_PASSWORD", hidden=True,
                            help="The password of --user (else asked for).")


def acting_user(settings: Settings, name: str | None, password: str | None) -> User | None:
    """Single-user mode: None (nobody to check). Team mode: sign in as ``name`` (asking for
    the password on a terminal), throttled like any other sign-in; exits on failure."""
    if not settings.team:
        return None
    if not name:
        fail(prompts.TEAM_NEEDS_SIGNIN, 2)
    from tutor.auth.accounts import Accounts

    if password is None:
        password = typer.prompt(f"Password for {name}", hide_input=True)
    try:
        return Accounts(settings).sign_in(name, password, f"cli@{socket.gethostname()}").user
    except TutorError as exc:
        fail_on(exc)


def require_admin_cli(settings: Settings, name: str | None, password: str | None,
                      action: str) -> User | None:
    """The signed-in admin (None in single-user mode); exits with the reason otherwise."""
    user = acting_user(settings, name, password)
    try:
        require_admin(settings, user, action)
    except TutorError as exc:
        fail_on(exc)
    return user


def migrate() -> None:
    """Create or upgrade the team-mode database schema (TUTOR_DATABASE_URL)."""
    from tutor.migrate import available, current_version
    from tutor.migrate import migrate as apply

    try:
        url = get_settings().database
        applied = apply(url)
        version = current_version(url)
    except TutorError as exc:
        fail_on(exc)
    for m in applied:
        echo(f"applied {m.version:04d}_{m.name}")
    echo(f"schema at version {version} of {len(available())}")


@users_app.command("add")
def users_add(
    name: str = typer.Argument(..., help="Account name (an e-mail address for OIDC)."),
    role: Role = typer.Option(Role.learner, "--role", help="learner or admin."),
    oidc: bool = typer.Option(False, "--oidc", help="No password: signs in through OIDC."),
    password_stdin: bool = typer.Option(False, "--password-stdin",
                                        help="Read the new password from standard input."),
    user: str | None = USER_OPT,
    password: str | None = PASSWORD_OPT,
) -> None:
    """Add an account. The first admin may be added without signing in; after that, only an
    admin can add accounts."""
    from tutor.auth.accounts import Accounts

    try:
        settings = get_settings()
        accounts = Accounts(settings)
        bootstrap = role is Role.admin and not accounts.has_admin()
    except TutorError as exc:
        fail_on(exc)
    if not bootstrap:
        require_admin_cli(settings, user, password, "add accounts")
    secret: str | None = None
    if password_stdin:
        secret = sys.stdin.readline().rstrip("\n")
    elif not oidc:
        secret = typer.prompt(f"New password for {name}", hide_input=True,
                              confirmation_prompt=True)
    try:
        account = accounts.add(name, role, secret)
    except TutorError as exc:
        fail_on(exc)
    echo(f"added {account.role.value} {account.name}")


@users_app.command("list")
def users_list(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    user: str | None = USER_OPT,
    password: str | None = PASSWORD_OPT,
) -> None:
    """List the accounts (admin)."""
    from tutor.auth.accounts import Accounts

    settings = get_settings()
    require_admin_cli(settings, user, password, "list accounts")
    try:
        accounts = Accounts(settings).list()
    except TutorError as exc:
        fail_on(exc)
    if as_json:
        emit_json([a.model_dump(mode="json") for a in accounts])
        return
    for a in accounts:
        state = "disabled" if a.disabled else "active"
        login = "password" if a.password else "oidc"
        echo(f"{a.name:<32} {a.role.value:<8} {state:<9} {login:<8} "
                   f"{a.created:%Y-%m-%d}")


@users_app.command("disable")
def users_disable(
    name: str = typer.Argument(..., help="Account to disable."),
    user: str | None = USER_OPT,
    password: str | None = PASSWORD_OPT,
) -> None:
    """Disable an account and end its sessions (admin). Its progress is kept."""
    from tutor.auth.accounts import Accounts

    settings = get_settings()
    require_admin_cli(settings, user, password, "disable accounts")
    try:
        Accounts(settings).disable(name)
    except TutorError as exc:
        fail_on(exc)
    echo(f"disabled {name}")
