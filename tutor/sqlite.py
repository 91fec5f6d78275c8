"""The one module that opens SQLite files (the progress store, the embedding cache).

Every database runs in WAL mode with ``synchronous=NORMAL``: readers never wait for a writer,
and a crash loses at most the last transaction, never the file. Other modules type their
connections with ``Connection`` from here and never import sqlite3 themselves.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

Connection = sqlite3.Connection
DatabaseError = sqlite3.DatabaseError
BUSY_TIMEOUT_S = 30.0


def connect(path: Path | str, *, shared: bool = False) -> Connection:
    """Open (creating if needed) the database at ``path`` in WAL mode.

    ``shared`` lets one long-lived connection be used from several threads; the caller must
    then serialise its use (a lock). Otherwise open one short-lived connection per task.
    """
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, check_same_thread=not shared)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn
