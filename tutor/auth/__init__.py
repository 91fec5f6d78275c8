"""Sign-in and roles for team mode: accounts with Argon2 password hashes, expiring sessions,
sign-in throttling per account and per address, and the admin checks every front end calls.
Single-user mode (no TUTOR_DATABASE_URL) has no accounts and asks nobody to sign in."""

from tutor.auth.access import Role, User, require_admin

__all__ = ["Role", "User", "require_admin"]
