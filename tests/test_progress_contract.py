"""One ProgressStore contract, run on SQLite and on a real PostgreSQL (attempts and missed-item
review, when each item was last answered, flashcard Leitner cards, the previous mock exam,
export and import); then what only a multi-learner store must show: no learner reads or writes
another's progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.quiz_data import multiple_item, single_item
from tutor.auth import Role, User
from tutor.config import load_settings
from tutor.progress import ProgressHistory, ProgressStore, SQLiteProgressStore
from tutor.quiz.review import INTERVAL_DAYS

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _learner(name: str) -> User:
    from tutor.auth.accounts import Accounts

    account = Accounts(load_settings(vector_store="memory")).add(name, Role.learner, None)
    return User(id=account.id, name=name, role=Role.learner)


def _pg_store(name: str) -> ProgressStore:
    from tutor.progress import open_progress_store

    return open_progress_store(load_settings(vector_store="memory"), _learner(name))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ProgressStore:
    if request.param == "sqlite":
        return SQLiteProgressStore(tmp_path / "p.sqlite3")
    request.getfixturevalue("database_url")
    return _pg_store("ana")


def test_attempts_round_trip_newest_first(store: ProgressStore) -> None:
    store.record(single_item(), "A", False, seconds=12.5, now=T0)
    store.record(multiple_item(), ["A", "C"], True, seconds=30.0, now=T0 + timedelta(1))
    newest, oldest = store.attempts()
    assert (newest.item_id, newest.answer, newest.correct) == ("q-test-multi", ["A", "C"], True)
    assert (oldest.answer, oldest.seconds, oldest.domain, oldest.task) == ("A", 12.5, 3, "3.1")
    assert oldest.item == single_item() and oldest.at == T0 and oldest.mode == "practice"
    assert [a.item_id for a in store.attempts(task="3.1", limit=1)] == [newest.item_id]
    assert store.attempt(oldest.id) == oldest and store.attempt(10**9) is None


def test_leitner_cards_and_due_items(store: ProgressStore) -> None:
    missed, known = single_item(id="q-missed"), single_item(id="q-known", domain=1, task="1.2")
    assert store.record(missed, "A", False, now=T0).box == 1
    assert store.record(known, "B", True, now=T0) is None
    assert store.due_items(T0 + timedelta(hours=23)) == []
    assert [i.id for i in store.due_items(T0 + timedelta(days=1))] == ["q-missed"]
    assert store.due_items(T0 + timedelta(days=1), domain=1) == []
    card = store.record(missed, "B", True, now=T0 + timedelta(days=1))
    assert card is not None and card.box == 2 and store.card("q-missed") == card
    counts = store.review_counts(T0 + timedelta(days=3))
    assert counts == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 0, "due": 1}
    assert store.totals() == {3: (2, 1), 1: (1, 1)}


def test_weak_areas_rank_tasks_by_recent_accuracy(store: ProgressStore) -> None:
    a31, a11 = single_item(), single_item(id="q-11", domain=1, task="1.1")
    for n in range(25):
        store.record(a31, "B", n >= 5, now=T0 + timedelta(minutes=n))
    for n in range(10):
        store.record(a11, "B", n % 5 < 2, now=T0 + timedelta(minutes=n))
    weak = store.weak_areas(window=20)
    assert [w.task for w in weak] == ["1.1", "3.1"]
    assert (weak[1].recent, weak[1].recent_correct, weak[1].attempts) == (20, 20, 25)


def test_history_restores_into_an_empty_store_once(store: ProgressStore, tmp_path) -> None:
    store.record(single_item(), "A", False, now=T0)
    store.record(multiple_item(), ["A", "C"], True, now=T0 + timedelta(1))
    store.review_flashcard("3.1-card", True, now=T0)
    store.record_mock(["q-a", "q-b"], now=T0)
    history = ProgressHistory.model_validate_json(store.history().model_dump_json())
    assert [a.item_id for a in history.attempts] == ["q-test-single", "q-test-multi"]
    other = SQLiteProgressStore(tmp_path / "other.sqlite3")
    assert other.restore(history) == 2 and other.restore(history) == 0
    assert [a.item_id for a in other.attempts()] == [a.item_id for a in store.attempts()]
    assert other.card("q-test-single") == store.card("q-test-single")
    assert other.flashcard_states() == store.flashcard_states()
    assert other.last_mock() == ["q-a", "q-b"]
    other.record_mock(["q-c"], now=T0)  # a mock taken after the import is the latest one
    assert other.last_mock() == ["q-c"]


@pytest.mark.postgres
def test_history_restores_into_postgres_once(tmp_path: Path, database_url: str) -> None:
    source = SQLiteProgressStore(tmp_path / "p.sqlite3")
    source.record(single_item(), "A", False, now=T0)
    source.review_flashcard("3.1-card", False, now=T0)
    source.record_mock(["q-a", "q-b"], now=T0)
    target = _pg_store("cleo")
    assert target.restore(source.history()) == 1 and target.restore(source.history()) == 0
    assert target.card("q-test-single") == source.card("q-test-single")
    assert target.flashcard_states() == source.flashcard_states()
    assert target.last_mock() == ["q-a", "q-b"]


def test_missed_items_are_scheduled_and_known_ones_are_not(store: ProgressStore) -> None:
    missed, known = single_item(id="q-missed"), multiple_item()
    assert store.record(missed, "A", False, now=T0) is not None
    assert store.record(known, ["A", "C"], True, now=T0) is None
    assert [i.id for i in store.due_items(T0 + timedelta(days=1))] == ["q-missed"]
    assert store.review_counts(T0 + timedelta(days=1))["due"] == 1
    assert [a.item_id for a in store.attempts()] == ["q-test-multi", "q-missed"]


def test_last_seen_is_the_latest_answer_of_each_item(store: ProgressStore) -> None:
    assert store.last_seen() == {}
    store.record(single_item(id="q-a"), "A", False, now=T0)
    store.record(single_item(id="q-a"), "B", True, now=T0 + timedelta(days=3))
    store.record(single_item(id="q-b"), "B", True, now=T0 + timedelta(days=1))
    assert store.last_seen() == {"q-a": T0 + timedelta(days=3), "q-b": T0 + timedelta(days=1)}


def test_flashcards_climb_the_leitner_boxes_and_a_miss_sends_them_back(
        store: ProgressStore) -> None:
    moment, boxes = T0, []
    for known in (True, True, True, True, True, False, True):
        card = store.review_flashcard("3.1-card", known, now=moment)
        assert card.due == moment + timedelta(days=INTERVAL_DAYS[card.box])
        boxes.append(card.box)
        moment = card.due
    assert boxes == [2, 3, 4, 5, 5, 1, 2]  # a new card counts as box 1; box 5 is the top
    fresh = store.review_flashcard("3.1-other", False, now=T0)
    assert (fresh.box, fresh.due) == (1, T0 + timedelta(days=1))
    states = store.flashcard_states()
    assert set(states) == {"3.1-card", "3.1-other"} and states["3.1-card"].box == 2
    assert store.due_items(moment + timedelta(days=30)) == []  # cards are not quiz items


def test_the_last_mock_exam_is_remembered(store: ProgressStore) -> None:
    assert store.last_mock() == []
    store.record_mock(["a", "b"], now=T0)
    store.record_mock(["c", "d", "e"], now=T0 + timedelta(hours=3))
    assert store.last_mock() == ["c", "d", "e"]


@pytest.mark.postgres
def test_no_learner_reads_or_writes_another_learners_progress(database_url: str) -> None:
    ana, ben = _pg_store("ana"), _pg_store("ben")
    ana.record(single_item(), "A", False, now=T0)
    mine = ana.attempts()[0]
    assert ben.attempts() == [] and ben.totals() == {} and ben.weak_areas() == []
    assert ben.attempt(mine.id) is None  # by id: reported as absent, not as someone else's
    assert ben.card(mine.item_id) is None and ben.due_items(T0 + timedelta(days=9)) == []
    assert ben.history().attempts == []
    ben.record(single_item(), "B", True, now=T0)  # the same item: ben's own attempt and card
    assert ana.card(mine.item_id).box == 1 and [a.answer for a in ana.attempts()] == ["A"]
    assert ana.totals() == {3: (1, 0)} and ben.totals() == {3: (1, 1)}


@pytest.mark.postgres
def test_a_retried_write_with_the_same_key_is_stored_once(database_url: str) -> None:
    from tutor.progress.postgres_store import PostgresProgressStore

    store = _pg_store("ana")
    assert isinstance(store, PostgresProgressStore)
    first = store.record(single_item(), "A", False, now=T0, key="k-1")
    again = store.record(single_item(), "A", False, now=T0, key="k-1")
    assert first == again and len(store.attempts()) == 1
    store.record(single_item(), "B", True, now=T0, key="k-2")
    assert len(store.attempts()) == 2 and store.card("q-test-single").box == 2
