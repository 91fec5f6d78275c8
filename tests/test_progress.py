"""Progress in SQLite: persistence across processes, WAL, weak areas, due review items."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.quiz_data import single_item
from tutor.config import load_settings
from tutor.progress import SQLiteProgressStore, open_progress_store

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[1]


def _run(code: str, home: Path) -> str:
    env = {"TUTOR_HOME": str(home), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.server
def test_attempts_written_in_one_process_are_read_in_another(tmp_path: Path) -> None:
    _run("""
        from datetime import datetime, timezone
        from tests.quiz_data import single_item, multiple_item
        from tutor.config import load_settings
        from tutor.progress import SQLiteProgressStore, open_progress_store
        store = open_progress_store(load_settings())
        now = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
        store.record(single_item(), "A", False, seconds=12.5, now=now)
        store.record(multiple_item(), ["A", "C"], True, seconds=30.0, now=now)
    """, tmp_path)
    out = _run("""
        import json
        from tutor.config import load_settings
        from tutor.progress import SQLiteProgressStore, open_progress_store
        store = open_progress_store(load_settings())
        print(json.dumps([a.model_dump(mode="json") for a in store.attempts()]))
    """, tmp_path)
    rows = json.loads(out)
    assert (tmp_path / "progress.sqlite3").is_file()
    assert [r["item_id"] for r in rows] == ["q-test-multi", "q-test-single"]
    newest, oldest = rows
    assert oldest["question"] == single_item().stem
    assert oldest["item"]["options"][1]["text"] == "Amazon SageMaker Serverless Inference"
    assert (oldest["answer"], oldest["correct"], oldest["seconds"]) == ("A", False, 12.5)
    assert (oldest["domain"], oldest["task"]) == (3, "3.1")
    assert oldest["at"].startswith("2026-03-01T12:00:00")
    assert (newest["answer"], newest["correct"]) == (["A", "C"], True)


def test_database_runs_in_wal_mode_and_serves_a_concurrent_reader(tmp_path: Path) -> None:
    store = SQLiteProgressStore(tmp_path / "p.sqlite3")
    store.record(single_item(), "B", True, now=T0)
    reader = sqlite3.connect(tmp_path / "p.sqlite3")
    assert reader.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    reader.execute("BEGIN")
    assert reader.execute("SELECT COUNT(*) FROM attempts").fetchone()[0] == 1
    store.record(single_item(), "A", False, now=T0)  # must not block on the open read
    assert reader.execute("SELECT COUNT(*) FROM attempts").fetchone()[0] == 1  # its snapshot
    reader.execute("COMMIT")
    assert reader.execute("SELECT COUNT(*) FROM attempts").fetchone()[0] == 2
    reader.close()


def test_schema_is_created_on_first_use_under_tutor_home(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "deeper" / "home")
    store = open_progress_store(settings)
    assert store.path == settings.progress_db and store.path.is_file()
    assert store.attempts() == [] and store.weak_areas() == []


def test_weak_areas_rank_tasks_by_recent_accuracy(tmp_path: Path) -> None:
    store = SQLiteProgressStore(tmp_path / "p.sqlite3")
    a31 = single_item()
    a11 = single_item(id="q-11", domain=1, task="1.1")
    a42 = single_item(id="q-42", domain=4, task="4.2")
    # 3.1: 25 attempts, the old 5 wrong and the latest 20 all right
    for n in range(25):
        store.record(a31, "B", n >= 5, now=T0 + timedelta(minutes=n))
    # 1.1: 4 of 10 right; 4.2: 1 of 2 right
    for n in range(10):
        store.record(a11, "B", n % 5 < 2, now=T0 + timedelta(minutes=n))
    store.record(a42, "B", True, now=T0)
    store.record(a42, "A", False, now=T0 + timedelta(minutes=1))
    weak = store.weak_areas(window=20)
    assert [w.task for w in weak] == ["1.1", "4.2", "3.1"]
    assert (weak[0].recent, weak[0].recent_correct, weak[0].attempts) == (10, 4, 10)
    assert (weak[2].recent, weak[2].recent_correct, weak[2].attempts) == (20, 20, 25)
    assert weak[2].accuracy == 1.0 and weak[0].name == "Ingest and store data"


def test_missed_items_come_back_when_due(tmp_path: Path) -> None:
    store = SQLiteProgressStore(tmp_path / "p.sqlite3")
    missed, known = single_item(id="q-missed"), single_item(id="q-known", domain=1, task="1.2")
    store.record(missed, "A", False, now=T0)
    store.record(known, "B", True, now=T0)
    assert store.due_items(T0 + timedelta(hours=23)) == []
    due = store.due_items(T0 + timedelta(days=1))
    assert [i.id for i in due] == ["q-missed"] and due[0] == missed
    assert store.due_items(T0 + timedelta(days=1), domain=1) == []
    card = store.record(missed, "B", True, now=T0 + timedelta(days=1))
    assert card is not None and card.box == 2
    assert store.due_items(T0 + timedelta(days=2, hours=23)) == []
    assert [i.id for i in store.due_items(T0 + timedelta(days=3))] == ["q-missed"]
    counts = store.review_counts(T0 + timedelta(days=3))
    assert counts == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 0, "due": 1}
    assert store.totals() == {3: (2, 1), 1: (1, 1)}
