"""Accounts on a real PostgreSQL: Argon2 hashes, roles, expiring sessions, disabling, and
sign-in throttling per account and per address; the versioned schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tutor.auth import Role
from tutor.config import load_settings
from tutor.errors import ConfigError, InputError, SignInError, ThrottledError

pytestmark = pytest.mark.postgres
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
PW = "correct horse battery"


@pytest.fixture
def accounts(database_url: str, tmp_path):
    from tutor.auth.accounts import Accounts

    settings = load_settings(vector_store="memory", signin_max_failures=3,
                             signin_window_minutes=10, session_hours=2)
    return Accounts(settings)


def test_passwords_are_stored_as_argon2id_hashes_only(accounts, database_url: str) -> None:
    accounts.add("ana", Role.learner, PW)
    with psycopg.connect(database_url) as conn:
        stored = conn.execute("SELECT password_hash FROM accounts WHERE name = 'ana'").fetchone()
    assert stored[0].startswith("$argon2id$") and PW not in stored[0]
    signed = accounts.sign_in("ana", PW, "10.0.0.1", now=T0)
    assert signed.user.name == "ana" and signed.user.role is Role.learner
    with psycopg.connect(database_url) as conn:
        tokens = [r[0] for r in conn.execute("SELECT token_hash FROM sessions")]
    assert tokens and signed.token not in tokens  # only the digest is kept


def test_add_list_disable_and_bad_input(accounts) -> None:
    accounts.add("root@example.com", Role.admin, PW)
    accounts.add("ben", Role.learner, None)  # OIDC only
    with pytest.raises(InputError, match="already exists"):
        accounts.add("ben", Role.learner, PW)
    with pytest.raises(InputError, match="at least 8"):
        accounts.add("cy", Role.learner, "short")
    with pytest.raises(InputError, match="2-64 characters"):
        accounts.add("no spaces", Role.learner, PW)
    listed = {a.name: a for a in accounts.list()}
    assert listed["root@example.com"].role is Role.admin and listed["ben"].password is False
    assert accounts.has_admin()
    with pytest.raises(SignInError):  # an OIDC-only account has no password to guess
        accounts.sign_in("ben", "", "10.0.0.9", now=T0)


def test_sessions_expire_and_end_when_the_account_is_disabled(accounts) -> None:
    accounts.add("ana", Role.learner, PW)
    signed = accounts.sign_in("ana", PW, "10.0.0.1", now=T0)
    assert accounts.user(signed.token, now=T0 + timedelta(hours=1)) is not None
    assert accounts.user(signed.token, now=T0 + timedelta(hours=2, seconds=1)) is None
    fresh = accounts.sign_in("ana", PW, "10.0.0.1")
    assert accounts.user(fresh.token) is not None
    accounts.disable("ana")
    assert accounts.user(fresh.token) is None
    with pytest.raises(SignInError):
        accounts.sign_in("ana", PW, "10.0.0.1")
    assert accounts.user("not-a-token") is None and accounts.user(None) is None


def test_throttling_per_account_holds_even_with_the_right_password(accounts) -> None:
    accounts.add("ana", Role.learner, PW)
    for n in range(3):
        with pytest.raises(SignInError) as caught:
            accounts.sign_in("ana", f"guess {n}", f"10.0.1.{n}", now=T0)
        assert not isinstance(caught.value, ThrottledError)
    with pytest.raises(ThrottledError, match="wait 10 minutes"):
        accounts.sign_in("ana", PW, "10.0.2.1", now=T0 + timedelta(minutes=1))
    # past the window the failures no longer count
    assert accounts.sign_in("ana", PW, "10.0.2.1", now=T0 + timedelta(minutes=11))


def test_throttling_per_address_across_accounts(accounts) -> None:
    accounts.add("ana", Role.learner, PW)
    accounts.add("ben", Role.learner, PW)
    for name in ("ana", "ben", "nobody"):
        with pytest.raises(SignInError):
            accounts.sign_in(name, "wrong password", "10.9.9.9", now=T0)
    with pytest.raises(ThrottledError):
        accounts.sign_in("ben", PW, "10.9.9.9", now=T0)
    # the same account from another address is not blocked by that address
    assert accounts.sign_in("ben", PW, "10.1.1.1", now=T0).user.name == "ben"


def test_migrations_are_versioned_and_idempotent(database_url: str) -> None:
    from tutor.migrate import available, current_version, migrate, require_current

    assert current_version(database_url) == len(available())
    assert migrate(database_url) == []
    require_current(database_url)
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT version, name FROM schema_migrations ORDER BY 1").fetchall()
    assert [r[0] for r in rows] == list(range(1, len(available()) + 1))


def test_an_app_refuses_a_database_that_was_not_migrated(pg_cluster) -> None:
    from tests.team_support import create_database, drop_database
    from tutor.auth.accounts import Accounts

    url = create_database(pg_cluster.url, "t_unmigrated")
    try:
        with pytest.raises(ConfigError, match="tutor migrate"):
            Accounts(load_settings(vector_store="memory", database_url=url))
    finally:
        drop_database(pg_cluster.url, url)
