"""Mock exam: 65 questions weighted 18/17/14/16, 130 minutes, flags, submit, scaled score.
How a mock is assembled from the bank is tested in test_mock_composition.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.quiz_data import multiple_item, single_item
from tutor.errors import InputError
from tutor.exam import DOMAIN_WEIGHTS
from tutor.quiz.mock import EXAM_MINUTES, PASS_SCORE, MockExam, blueprint, scaled_score

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def test_blueprint_weights_65_questions_by_domain() -> None:
    assert blueprint() == {1: 18, 2: 17, 3: 14, 4: 16}


@given(st.integers(min_value=1, max_value=400))
def test_blueprint_always_sums_to_the_total_and_stays_within_one_of_the_share(total: int) -> None:
    counts = blueprint(total)
    assert sum(counts.values()) == total
    for domain, weight in DOMAIN_WEIGHTS.items():
        assert abs(counts[domain] - total * weight) < 1


def test_scaled_score_is_linear_from_100_to_1000_with_pass_at_720() -> None:
    assert scaled_score(0, 65) == 100 and scaled_score(65, 65) == 1000
    assert scaled_score(45, 65) >= PASS_SCORE > scaled_score(44, 65)


def _exam() -> MockExam:
    items = [single_item(id="s1"), single_item(id="s2", domain=1, task="1.2"), multiple_item()]
    return MockExam(items=items, started_at=T0)


def test_answers_flags_and_submission() -> None:
    exam = _exam()
    exam.answer("s1", "A", now=T0 + timedelta(minutes=1))
    exam.answer("s1", "B", now=T0 + timedelta(minutes=2))  # changed before submitting
    exam.answer("q-test-multi", ["C", "A"], now=T0 + timedelta(minutes=3))
    exam.flag("s2")
    exam.flag("q-test-multi")
    exam.flag("q-test-multi", on=False)
    assert exam.flagged == ["s2"] and exam.unanswered() == ["s2"]
    result = exam.submit(T0 + timedelta(minutes=10))
    assert (result.correct, result.total, result.answered) == (2, 3, 2)
    assert result.wrong_item_ids == ["s2"]
    assert {d.domain: (d.correct, d.total) for d in result.domains} == {1: (0, 1), 3: (2, 2)}
    assert result.scaled_score == scaled_score(2, 3) and result.passed is False
    assert result.seconds_used == 600 and not result.timed_out
    with pytest.raises(InputError):
        exam.answer("s2", "B", now=T0 + timedelta(minutes=11))
    assert exam.submit(T0 + timedelta(minutes=50)) is result


def test_time_limit_is_130_minutes() -> None:
    exam = _exam()
    assert exam.minutes == EXAM_MINUTES == 130
    assert exam.remaining(T0 + timedelta(minutes=100)) == timedelta(minutes=30)
    with pytest.raises(InputError):
        exam.answer("s1", "B", now=T0 + timedelta(minutes=130))
    result = exam.submit(T0 + timedelta(minutes=200))
    assert result.timed_out and result.seconds_used == 130 * 60 and result.answered == 0


def test_unknown_question_ids_are_refused() -> None:
    with pytest.raises(InputError):
        _exam().flag("nope")


def test_state_survives_a_json_round_trip() -> None:
    exam = _exam()
    exam.answer("q-test-multi", ["A", "C"], now=T0)
    exam.flag("s1")
    again = MockExam.model_validate_json(exam.model_dump_json())
    assert again.submit(T0).correct == 1 and again.flagged == ["s1"]


def test_submitting_records_answered_questions_as_mock_attempts(tmp_path) -> None:
    from tutor.progress import SQLiteProgressStore

    store = SQLiteProgressStore(tmp_path / "progress.sqlite3")
    exam = _exam()
    exam.answer("s1", "A", now=T0 + timedelta(minutes=1))  # wrong
    exam.answer("q-test-multi", ["A", "C"], now=T0 + timedelta(minutes=2))  # right
    result = exam.submit(T0 + timedelta(minutes=5), store)
    attempts = {a.item_id: a for a in store.attempts()}
    assert set(attempts) == {"s1", "q-test-multi"}  # s2 was never answered: no evidence
    assert {a.mode for a in attempts.values()} == {"mock"}
    assert (attempts["s1"].correct, attempts["q-test-multi"].correct) == (False, True)
    assert result.correct == 1
    s1 = exam.items[0]
    assert s1.task in {w.task for w in store.weak_areas()}
    assert store.card("s1") is not None  # a missed question comes back for review
    exam.submit(T0 + timedelta(minutes=6), store)  # a second submit changes nothing
    assert len(store.attempts()) == 2
