"""Accounts, sign-in sessions and sign-in throttling, in PostgreSQL (team mode).

A session token is 256 random bits handed to the client once; the database keeps only its
SHA-256, so a copy of the database signs nobody in. Sessions end ``session_hours`` after
sign-in, or at once when the account is disabled. Failed sign-ins are counted per account
name and per network address over a sliding window; past the limit, sign-in is refused
without checking the password, so guessing stops even with the right password in the list.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel

from tutor import postgres, prompts
from tutor.auth.access import Role, User
from tutor.auth.passwords import MIN_LENGTH, hash_password, needs_rehash, verify_password
from tutor.config import Settings
from tutor.errors import InputError, SignInError, ThrottledError
from tutor.migrate import require_current

_NAME = re.compile(r"^[A-Za-z0-9._@+-]{2,64}$")


class Account(BaseModel):
    """One account as listed by ``tutor users list`` (never its hash)."""

    id: int
    name: str
    role: Role
    disabled: bool
    created: datetime
    password: bool


class SignedIn(BaseModel):
    """A new session: the token to keep (shown once) and who it belongs to."""

    token: str
    user: User


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    """Accounts of one team database."""

    def __init__(self, settings: Settings):
        self.url = settings.database
        self.hours = settings.session_hours
        self.max_failures = settings.signin_max_failures
        self.window = timedelta(minutes=settings.signin_window_minutes)
        require_current(self.url)

    # ---- administration ------------------------------------------------------------------

    def add(self, name: str, role: Role, password: str | None) -> Account:
        """A new account; ``password`` None makes an account that signs in only via OIDC."""
        if not _NAME.match(name):
            raise InputError(prompts.ACCOUNT_BAD_NAME)
        if password is not None and len(password) < MIN_LENGTH:
            raise InputError(prompts.PASSWORD_TOO_SHORT.format(n=MIN_LENGTH))
        encoded = hash_password(password) if password is not None else None
        try:
            with postgres.transaction(self.url) as conn:
                conn.execute("INSERT INTO accounts (name, role, password_hash) "
                             "VALUES (%s, %s, %s)", (name, role.value, encoded))
        except postgres.UniqueViolation as exc:
            raise InputError(prompts.ACCOUNT_EXISTS.format(name=name)) from exc
        return self.get(name)

    def get(self, name: str) -> Account:
        """The account called ``name``; InputError when there is none."""
        with postgres.transaction(self.url) as conn:
            row = conn.execute("SELECT id, name, role, disabled, created, password_hash "
                               "IS NOT NULL FROM accounts WHERE name = %s", (name,)).fetchone()
        if row is None:
            raise InputError(prompts.ACCOUNT_UNKNOWN.format(name=name))
        return Account(id=row[0], name=row[1], role=Role(row[2]), disabled=row[3],
                       created=row[4], password=row[5])

    def list(self) -> list[Account]:
        with postgres.transaction(self.url) as conn:
            rows = conn.execute("SELECT id, name, role, disabled, created, password_hash "
                                "IS NOT NULL FROM accounts ORDER BY name").fetchall()
        return [Account(id=r[0], name=r[1], role=Role(r[2]), disabled=r[3], created=r[4],
                        password=r[5]) for r in rows]

    def has_admin(self) -> bool:
        """Whether any enabled admin exists (the first one may be made without signing in)."""
        with postgres.transaction(self.url) as conn:
            row = conn.execute("SELECT 1 FROM accounts WHERE role = 'admin' AND NOT disabled "
                               "LIMIT 1").fetchone()
        return row is not None

    def disable(self, name: str) -> Account:
        """Disable the account and end its sessions at once."""
        account = self.get(name)
        with postgres.transaction(self.url) as conn:
            conn.execute("UPDATE accounts SET disabled = TRUE WHERE id = %s", (account.id,))
            conn.execute("DELETE FROM sessions WHERE account_id = %s", (account.id,))
        return self.get(name)

    # ---- signing in ----------------------------------------------------------------------

    def _throttled(self, name: str, address: str, now: datetime) -> bool:
        since = now - self.window
        with postgres.transaction(self.url) as conn:
            row = conn.execute(
                "SELECT COUNT(*) FILTER (WHERE account = %s), COUNT(*) FILTER (WHERE address = %s)"
                " FROM signin_failures WHERE at > %s AND (account = %s OR address = %s)",
                (name, address, since, name, address)).fetchone()
        return row is not None and max(row[0], row[1]) >= self.max_failures

    def _fail(self, name: str, address: str, now: datetime) -> SignInError:
        with postgres.transaction(self.url) as conn:
            conn.execute("INSERT INTO signin_failures (account, address, at) VALUES (%s, %s, %s)",
                         (name, address, now))
            conn.execute("DELETE FROM signin_failures WHERE at < %s", (now - 2 * self.window,))
        return SignInError(prompts.SIGNIN_FAILED)

    def sign_in(self, name: str, password: str, address: str,
                now: datetime | None = None) -> SignedIn:
        """A new session for a right password; SignInError otherwise (ThrottledError past the
        failure limit for the account or the address, without looking at the password)."""
        moment = _now(now)
        if self._throttled(name, address, moment):
            raise ThrottledError(prompts.SIGNIN_THROTTLED.format(
                minutes=self.window.total_seconds() / 60))
        with postgres.transaction(self.url) as conn:
            row = conn.execute("SELECT id, password_hash, disabled FROM accounts "
                               "WHERE name = %s", (name,)).fetchone()
        encoded = row[1] if row is not None else None
        if not verify_password(encoded, password) or row is None or row[2]:
            raise self._fail(name, address, moment)
        if encoded is not None and needs_rehash(encoded):
            with postgres.transaction(self.url) as conn:
                conn.execute("UPDATE accounts SET password_hash = %s WHERE id = %s",
                             (hash_password(password), row[0]))
        with postgres.transaction(self.url) as conn:
            conn.execute("DELETE FROM signin_failures WHERE account = %s", (name,))
        return self._open_session(int(row[0]), moment)

    def sign_in_verified(self, name: str, now: datetime | None = None) -> SignedIn:
        """A session for an identity an OIDC provider has already verified (``st.login``);
        the account must exist and be enabled."""
        with postgres.transaction(self.url) as conn:
            row = conn.execute("SELECT id, disabled FROM accounts WHERE name = %s",
                               (name,)).fetchone()
        if row is None or row[1]:
            raise SignInError(prompts.OIDC_NO_ACCOUNT.format(email=name))
        return self._open_session(int(row[0]), _now(now))

    def _open_session(self, account_id: int, now: datetime) -> SignedIn:
        token = secrets.token_urlsafe(32)
        expires = now + timedelta(hours=self.hours)
        with postgres.transaction(self.url) as conn:
            conn.execute("DELETE FROM sessions WHERE expires < %s", (now,))
            conn.execute("INSERT INTO sessions (token_hash, account_id, created, expires) "
                         "VALUES (%s, %s, %s, %s)", (_digest(token), account_id, now, expires))
        user = self.user(token, now)
        assert user is not None  # just written, in the future
        return SignedIn(token=token, user=user)

    def user(self, token: str | None, now: datetime | None = None) -> User | None:
        """Who holds ``token``; None when it is unknown, expired or its account disabled."""
        if not token:
            return None
        with postgres.transaction(self.url) as conn:
            row = conn.execute(
                "SELECT a.id, a.name, a.role, s.expires FROM sessions s JOIN accounts a "
                "ON a.id = s.account_id WHERE s.token_hash = %s AND s.expires > %s "
                "AND NOT a.disabled", (_digest(token), _now(now))).fetchone()
        if row is None:
            return None
        return User(id=row[0], name=row[1], role=Role(row[2]), expires=row[3])

    def sign_out(self, token: str) -> None:
        with postgres.transaction(self.url) as conn:
            conn.execute("DELETE FROM sessions WHERE token_hash = %s", (_digest(token),))
