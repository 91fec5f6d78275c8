"""Versioned schema migrations for team mode: numbered SQL files and a version table.

``tutor/migrations/NNNN_name.sql`` are applied in order, each in its own transaction together
with its row in ``schema_migrations``, so a failed file leaves the schema at the version
before it. A transaction-level advisory lock serialises concurrent ``tutor migrate`` runs
(two hosts starting at once). App processes never migrate: they check the version and ask
the operator to run ``tutor migrate`` when it is behind.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from tutor import postgres, prompts
from tutor.errors import ConfigError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK = 0x7475746F72  # any constant shared by every tutor process ("tutor")

_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name    TEXT        NOT NULL,
    applied TIMESTAMPTZ NOT NULL DEFAULT now()
)"""


class Migration(BaseModel):
    """One numbered SQL file."""

    version: int
    name: str
    path: Path


def available() -> list[Migration]:
    """Every migration shipped with this version of the tutor, in order."""
    out = []
    for path in sorted(MIGRATIONS.glob("*.sql")):
        match = _NAME.match(path.name)
        if match is None:
            raise ConfigError(f"migration file {path.name} is not named NNNN_name.sql")
        out.append(Migration(version=int(match[1]), name=match[2], path=path))
    versions = [m.version for m in out]
    if versions != list(range(1, len(out) + 1)):
        raise ConfigError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return out


def current_version(url: str) -> int:
    """The highest applied migration; 0 for an empty database."""
    with postgres.transaction(url) as conn:
        exists = conn.execute("SELECT to_regclass('schema_migrations')").fetchone()
        if exists is None or exists[0] is None:
            return 0
        row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def migrate(url: str) -> list[Migration]:
    """Apply every pending migration; return those applied (none when up to date)."""
    applied = []
    for migration in available():
        with postgres.transaction(url) as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
            conn.execute(_VERSION_TABLE)
            done = conn.execute("SELECT 1 FROM schema_migrations WHERE version = %s",
                                (migration.version,)).fetchone()
            if done:
                continue
            postgres.run_script(conn, migration.path.read_text(encoding="utf-8"))
            conn.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                         (migration.version, migration.name))
        applied.append(migration)
    return applied


_verified: set[str] = set()


def require_current(url: str) -> None:
    """ConfigError unless the database holds exactly the schema this tutor expects.
    Checked once per process and URL: a schema does not go backwards under a running app."""
    if url in _verified:
        return
    have, want = current_version(url), len(available())
    if have < want:
        raise ConfigError(prompts.SCHEMA_BEHIND.format(have=have, want=want))
    if have > want:
        raise ConfigError(prompts.SCHEMA_AHEAD.format(have=have, want=want))
    _verified.add(url)
