"""The one module that talks to PostgreSQL (psycopg 3 and its connection pool): team mode's
accounts, learner progress and index catalog all go through here.

Each process keeps one small pool per database URL, so an app process serving many learners
reuses a few connections instead of opening one per call. Transactions commit when the
``with`` block ends and roll back when it raises. Failures to reach the server become
``BackendError`` with the password scrubbed from the message; other modules never see a
psycopg type except the ``Connection`` alias and ``UniqueViolation`` re-exported here.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool, PoolTimeout

from tutor.errors import BackendError

Connection = psycopg.Connection[tuple[Any, ...]]
DatabaseError = psycopg.Error
UniqueViolation = pg_errors.UniqueViolation
POOL_MAX = 8
CONNECT_TIMEOUT_S = 10.0

_pools: dict[str, ConnectionPool[Connection]] = {}
_lock = threading.Lock()


def where(url: str) -> str:
    """``host:port/db`` of a database URL: safe to show (no user name, no password)."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path or ''}"


def _pool(url: str) -> ConnectionPool[Connection]:
    with _lock:
        pool = _pools.get(url)
        if pool is None:
            pool = ConnectionPool(url, min_size=1, max_size=POOL_MAX, open=False,
                                  timeout=CONNECT_TIMEOUT_S, name=f"tutor:{where(url)}",
                                  kwargs={"connect_timeout": int(CONNECT_TIMEOUT_S)})
            try:
                pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
            except PoolTimeout as exc:
                pool.close()
                raise BackendError(f"cannot reach the database at {where(url)}; is PostgreSQL "
                                   "running and TUTOR_DATABASE_URL right?") from exc
            _pools[url] = pool
        return pool


@contextmanager
def transaction(url: str) -> Iterator[Connection]:
    """A pooled connection inside one transaction: committed on success, else rolled back."""
    try:
        with _pool(url).connection() as conn:
            yield conn
    except (psycopg.OperationalError, PoolTimeout) as exc:
        raise BackendError(f"the database at {where(url)} failed: "
                           f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
                           ) from exc


def connect(url: str) -> Connection:
    """A connection of its own (autocommit), for a session-level advisory lock that must
    live exactly as long as one job: when the process dies, the server drops the lock."""
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=int(CONNECT_TIMEOUT_S))
    except psycopg.OperationalError as exc:
        raise BackendError(f"cannot reach the database at {where(url)}") from exc


def run_script(conn: Connection, text: str) -> None:
    """Execute a trusted SQL file of several statements (a migration)."""
    conn.execute(sql.SQL(text))  # our own migration files, never user input


def jsonb(value: Any) -> Jsonb:
    """``value`` as a JSONB parameter."""
    return Jsonb(value)


def close_pools() -> None:
    """Close every pool (at exit, and in tests that stop their server)."""
    with _lock:
        for pool in _pools.values():
            pool.close()
        _pools.clear()


atexit.register(close_pools)
