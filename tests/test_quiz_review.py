"""The Leitner schedule: 1, 2, 4, 8, 16 days; a miss goes back to box 1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tutor.quiz.review import INTERVAL_DAYS, is_due, next_card

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def test_intervals_match_the_leitner_boxes() -> None:
    assert INTERVAL_DAYS == {1: 1, 2: 2, 3: 4, 4: 8, 5: 16}


def test_a_miss_enters_box_one_due_the_next_day() -> None:
    card = next_card(None, "q1", correct=False, now=T0)
    assert card is not None and card.box == 1 and card.due == T0 + timedelta(days=1)
    assert not is_due(card, T0 + timedelta(hours=23))
    assert is_due(card, T0 + timedelta(days=1))


def test_right_answers_climb_to_box_five_and_stay() -> None:
    card = next_card(None, "q1", correct=False, now=T0)
    now = T0
    for box, days in [(2, 2), (3, 4), (4, 8), (5, 16), (5, 16)]:
        now = card.due
        card = next_card(card, "q1", correct=True, now=now)
        assert (card.box, card.due - now) == (box, timedelta(days=days))


def test_a_miss_from_any_box_resets_to_box_one() -> None:
    card = next_card(None, "q1", correct=False, now=T0)
    for _ in range(3):
        card = next_card(card, "q1", correct=True, now=card.due)
    assert card.box == 4
    again = next_card(card, "q1", correct=False, now=card.due)
    assert again.box == 1 and again.due == card.due + timedelta(days=1)


def test_items_never_missed_are_not_scheduled() -> None:
    assert next_card(None, "q1", correct=True, now=T0) is None
