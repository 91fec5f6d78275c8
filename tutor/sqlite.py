"""The one module that opens SQLite files (the progress store, the embedding cache).

Every database runs in WAL mode with ``synchronous=NORMAL``: readers never wait for a writer,
and a crash loses at most the last transaction, never the file. Other modules type their
connections with ``Connection`` from here and never import sqlite3 themselves.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

Connection = sqlite3.Connection
DatabaseError = sqlite3.DatabaseError
OperationalError = sqlite3.OperationalError
BUSY_TIMEOUT_S = 30.0
# Primary result codes (https://sqlite.org/rescode.html).
_BUSY, _LOCKED, _READONLY, _CANTOPEN, _CORRUPT, _NOTADB = 5, 6, 8, 14, 11, 26


def connect(path: Path | str, *, shared: bool = False,
            timeout: float = BUSY_TIMEOUT_S) -> Connection:
    """Open (creating if needed) the database at ``path`` in WAL mode.

    ``shared`` lets one long-lived connection be used from several threads; the caller must
    then serialise its use (a lock). Otherwise open one short-lived connection per task.
    ``timeout`` is how long a statement waits for another connection's lock.
    """
    conn = sqlite3.connect(path, timeout=timeout, check_same_thread=not shared)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
    except BaseException:
        conn.close()
        raise
    return conn


def connect_read_only(path: Path) -> Connection:
    """Open a database that cannot be written (a read-only file) just for reading; nothing
    can change it while it stays read-only, so it is opened as immutable (no locks)."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)


def _code(exc: BaseException) -> int:
    return int(getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF


def is_damaged(exc: BaseException) -> bool:
    """Whether ``exc`` says the file is not a database or is corrupt."""
    text = str(exc)
    return _code(exc) in (_CORRUPT, _NOTADB) or (
        isinstance(exc, DatabaseError) and ("malformed" in text or "not a database" in text))


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` says another connection holds a lock."""
    return _code(exc) in (_BUSY, _LOCKED) or "locked" in str(exc)


def is_read_only(exc: BaseException) -> bool:
    """Whether ``exc`` says the file (or its folder) cannot be written or created."""
    return _code(exc) in (_READONLY, _CANTOPEN) or "readonly" in str(exc)


def move_aside(path: Path, stamp: str) -> Path:
    """Rename a damaged database (and its WAL and shared-memory files) to
    ``<name>.corrupt-<stamp>`` so it is kept for recovery; returns the new path."""
    kept = path.with_name(f"{path.name}.corrupt-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            os.replace(part, Path(f"{kept}{suffix}"))
    return kept
