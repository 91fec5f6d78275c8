"""Spaced review with Leitner boxes.

A missed item enters box 1. A right answer moves it up one box, a wrong one sends it back to
box 1. An item is due again ``INTERVAL_DAYS[box]`` days after it was last answered: box 1 daily,
2 every 2 days, 3 every 4, 4 every 8, 5 every 16. Box 5 is the top; right answers keep it there.
Items answered correctly before they were ever missed are not scheduled: the queue holds only
what the learner has got wrong at least once. Flashcards differ: every card reviewed once is
scheduled, a new card counting as box 1 (so "I knew it" sends it to box 2). Pure functions;
``tutor.progress`` stores cards.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, Field

INTERVAL_DAYS: dict[int, int] = {1: 1, 2: 2, 3: 4, 4: 8, 5: 16}
MAX_BOX = 5


class ReviewCard(BaseModel):
    """Where one item stands in the Leitner system."""

    item_id: str
    box: int = Field(ge=1, le=MAX_BOX)
    due: datetime
    last_answered: datetime


def next_card(
    card: ReviewCard | None, item_id: str, correct: bool, now: datetime
) -> ReviewCard | None:
    """The card after answering: box 1 on a miss, one box up on a hit (capped at 5).
    None when the item has no card and was answered correctly."""
    if card is None and correct:
        return None
    box = min(card.box + 1, MAX_BOX) if correct and card is not None else 1
    return ReviewCard(item_id=item_id, box=box, due=now + timedelta(days=INTERVAL_DAYS[box]),
                      last_answered=now)


def next_flashcard(card: ReviewCard | None, card_id: str, known: bool,
                   now: datetime) -> ReviewCard:
    """A flashcard's card after a review: one box up when known (a new card starts in box 1),
    back to box 1 when not."""
    box = min((card.box if card is not None else 1) + 1, MAX_BOX) if known else 1
    return ReviewCard(item_id=card_id, box=box, due=now + timedelta(days=INTERVAL_DAYS[box]),
                      last_answered=now)


def is_due(card: ReviewCard, now: datetime) -> bool:
    return card.due <= now
