"""Password hashing with Argon2id (argon2-cffi's defaults, RFC 9106's low-memory profile).
The only module importing argon2."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_LENGTH = 8
# Verified when an account name is unknown, so that a miss takes as long as a wrong password
# and timing does not tell which accounts exist.
_DUMMY = _hasher.hash("not a password of anyone")


def hash_password(password: str) -> str:
    """The encoded Argon2id hash (algorithm, parameters and salt included)."""
    return _hasher.hash(password)


def verify_password(encoded: str | None, password: str) -> bool:
    """Whether ``password`` matches; False for a malformed hash or an account without one."""
    try:
        return _hasher.verify(encoded or _DUMMY, password) and encoded is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(encoded: str) -> bool:
    """Whether the hash was made with weaker parameters than today's defaults."""
    return _hasher.check_needs_rehash(encoded)
