"""Issue 20, the two SQLite files a learner's machine keeps besides the index (items 7 and 8),
in process: the embedding cache and the progress store never block or lose work when their
file is damaged, locked or read-only. The CLI's view of the same faults is in
test_hardening_cli.py.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from tests.quiz_data import multiple_item, single_item
from tutor.embed.cache import CachedEmbedder
from tutor.progress import SQLiteProgressStore
from tutor.testing import HashEmbedder

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """``path`` made read-only, also for root (who ignores file modes): immutable then."""
    if os.geteuid() == 0:
        if not shutil.which("chattr"):
            pytest.skip("running as root without chattr: a file cannot be made read-only")
        subprocess.run(["chattr", "+i", str(path)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o644)


def test_a_damaged_embedding_cache_is_moved_aside_and_rebuilt(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    inner = HashEmbedder()
    cache = CachedEmbedder(inner, tmp_path)
    first = cache.embed_documents(["Neo compiles models.", "Glue infers schemas."])
    cache.close()
    cache.path.write_bytes(b"not a database" * 500)
    again = CachedEmbedder(inner, tmp_path)
    with caplog.at_level(logging.WARNING, logger="tutor.embed.cache"):
        vectors = again.embed_documents(["Neo compiles models.", "Glue infers schemas."])
    np.testing.assert_allclose(vectors, first)
    assert "damaged" in caplog.text and "moved" in caplog.text
    assert list(tmp_path.glob("embeddings-*.corrupt-*"))
    assert again.encoded == 2  # embedded again into the new cache, which now holds them
    assert len(again.embed_documents(["Neo compiles models."])) == 1 and again.encoded == 2


def test_an_answer_given_while_the_database_is_locked_is_queued_then_written(
        tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite3"
    store = SQLiteProgressStore(db, timeout=0.05, retries=1)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        store.record(single_item(), "A", True, now=T0)  # no exception, no wait of 30 s
        notices = store.notices()
        assert any("1 answer" in n for n in notices), notices
        assert store.journal.exists()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    store.record(multiple_item(), ["A", "C"], False, now=T0 + timedelta(minutes=1))
    assert [a.item_id for a in store.attempts()] == [multiple_item().id, single_item().id]
    assert not store.journal.exists() and store.notices() == []
    # A new store over the same file (the next app start) sees both, written once.
    assert len(SQLiteProgressStore(db).attempts()) == 2


def test_a_queued_answer_survives_a_restart_before_the_lock_clears(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite3"
    store = SQLiteProgressStore(db, timeout=0.05, retries=0)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    store.record(single_item(), "A", True, now=T0)
    holder.execute("ROLLBACK")
    holder.close()
    reopened = SQLiteProgressStore(db)  # the journal is written at start
    assert [a.item_id for a in reopened.attempts()] == [single_item().id]
    assert not reopened.journal.exists()


def test_a_corrupt_progress_database_is_kept_and_a_new_one_started(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite3"
    db.write_bytes(b"this is not a database" * 200)
    store = SQLiteProgressStore(db)
    notices = store.notices()
    assert any("corrupt" in n and "moved" in n for n in notices), notices
    [kept] = tmp_path.glob("progress.sqlite3.corrupt-*")
    assert kept.read_bytes().startswith(b"this is not a database")
    store.record(single_item(), "A", True, now=T0)
    assert len(store.attempts()) == 1
    assert store.notices() == []  # said once


def test_a_read_only_database_reads_and_queues_answers(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite3"
    SQLiteProgressStore(db).record(single_item(), "A", True, now=T0)
    with read_only(db):
        store = SQLiteProgressStore(db, timeout=0.05, retries=0)
        assert len(store.attempts()) == 1
        store.record(multiple_item(), ["A"], False, now=T0)
        assert any("could not be written" in n or "could not be saved" in n
                   for n in store.notices()), store.notices()
    store.record(single_item(), "B", False, now=T0 + timedelta(minutes=2))
    assert len(store.attempts()) == 3  # the queued answer was written too


def test_answers_are_kept_in_memory_when_neither_database_nor_journal_can_be_written(
        tmp_path: Path) -> None:
    """The last resort of the queue: the database is locked and the journal cannot be written
    (a folder stands where it would go), so answers wait in memory, and are written, once
    each, at the first write after the lock clears."""
    db = tmp_path / "progress.sqlite3"
    store = SQLiteProgressStore(db, timeout=0.05, retries=0)
    store.journal.mkdir()  # open(..., "a") fails: IsADirectoryError
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        store.record(single_item(), "A", True, now=T0)
        store.record(multiple_item(), ["A"], False, now=T0 + timedelta(minutes=1))
        notices = store.notices()
        assert any("2 answer(s) could not be saved" in n and "while this program runs" in n
                   for n in notices), notices
        assert store.journal.is_dir() and not list(store.journal.iterdir())
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert SQLiteProgressStore(db).attempts() == []  # nothing reached the file yet
    store.record(single_item(), "B", False, now=T0 + timedelta(minutes=2))
    assert [a.item_id for a in store.attempts()] == [single_item().id, multiple_item().id,
                                                     single_item().id]
    assert store.notices() == []
    store.record(multiple_item(), ["A", "C"], True, now=T0 + timedelta(minutes=3))
    assert len(SQLiteProgressStore(db).attempts()) == 4  # each queued answer written once
