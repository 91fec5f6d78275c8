"""Flashcards: recall a fact, reveal the answer, say whether you knew it; or export the cards."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import streamlit as st

from tutor import prompts
from tutor.exam import DOMAINS, TASKS
from tutor.quiz.card_export import csv_text, export_cards
from tutor.quiz.flashcards import Flashcard, review_queue, select
from ui import resources, state
from ui.errors import show_error
from ui.safe_text import escape, markdown

MAX_COUNT = 100
KIND_LABELS = {"concept": "Concept card", "service": "Service", "sentence": "Key sentence"}


def selection() -> tuple[int | None, str | None, str]:
    by = st.radio("Choose cards by", ["Exam domain", "Task statement"], horizontal=True,
                  key="cards.by")
    if by == "Exam domain":
        domain = st.selectbox("Domain", [None, *sorted(DOMAINS)], key="cards.domain",
                              format_func=lambda d: "All domains" if d is None
                              else f"{d}. {DOMAINS[d]}")
        return domain, None, f"Domain {domain}" if domain else "All domains"
    task = st.selectbox("Task statement", list(TASKS), key="cards.task",
                        format_func=lambda t: f"{t} {TASKS[t]}")
    return None, task, f"Task {task}"


@st.cache_data(show_spinner="Preparing the Anki package…", max_entries=8)
def anki_bytes(ids: tuple[str, ...], name: str) -> bytes:
    by_id = {c.id: c for c in resources.flashcards()}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cards.apkg"
        export_cards([by_id[i] for i in ids], "anki", path, deck_name=name)
        return path.read_bytes()


def export(cards: list[Flashcard], label: str) -> None:
    st.caption(f"Export the {len(cards)} cards of this selection ({label}) to study elsewhere.")
    cols = st.columns(2)
    slug = label.lower().replace(" ", "-")
    cols[0].download_button("Download for Anki (.apkg)", key="cards.anki",
                            data=anki_bytes(tuple(c.id for c in cards), f"MLA-C01 {label}"),
                            file_name=f"mla-c01-{slug}.apkg", mime="application/octet-stream")
    cols[1].download_button("Download as CSV", key="cards.csv", data=csv_text(cards),
                            file_name=f"mla-c01-{slug}.csv", mime="text/csv")


def setup(settings: Any) -> None:
    st.write("Recall the answer before you reveal it. Cards you knew come back after longer "
             "and longer breaks; the others come back tomorrow.")
    domain, task, label = selection()
    cards = select(resources.flashcards(), domain=domain, task=task)
    store = resources.progress_store(settings)
    states = store.flashcard_states()
    now = datetime.now(UTC)
    due = sum(1 for c in cards if c.id in states and states[c.id].due <= now)
    fresh = sum(1 for c in cards if c.id not in states)
    cols = st.columns(3)
    cols[0].metric("Cards", len(cards))
    cols[1].metric("Due now", due)
    cols[2].metric("Not seen yet", fresh)
    count = st.number_input("Cards to review", min_value=1, max_value=MAX_COUNT, value=20,
                            key="cards.count")
    if st.button("Start review", type="primary", key="cards.start"):
        queue = review_queue(cards, states, int(count))
        if not queue:
            st.info(prompts.CARDS_EMPTY)
        else:
            state.set_card_review(state.CardReview(queue=queue, selection=label))
            st.rerun()
    st.divider()
    export(cards, label)


def answer(known: bool) -> None:
    review = state.card_review()
    if review is None or review.position >= len(review.queue):
        return
    card = review.queue[review.position]
    resources.progress_store(resources.settings()).review_flashcard(card.id, known)
    review.known += known
    review.position += 1
    review.revealed = False


def reveal() -> None:
    review = state.card_review()
    if review is not None:
        review.revealed = True


def reviewing(review: state.CardReview) -> None:
    total = len(review.queue)
    if review.position >= total:
        st.success(prompts.CARDS_DONE.format(known=review.known, total=total))
        st.button("Review more cards", type="primary", key="cards.again",
                  on_click=state.set_card_review, args=(None,))
        return
    card = review.queue[review.position]
    st.progress(review.position / total, text=f"Card {review.position + 1} of {total} · "
                f"{review.selection}")
    with st.container(border=True):
        st.caption(f"{KIND_LABELS[card.kind]} · Task {', '.join(card.tasks)}")
        st.markdown(f"### {escape(card.front)}")
        if review.revealed:
            st.divider()
            st.markdown(markdown(card.back))
            st.caption(f"Source: {escape(card.source)}")
    if not review.revealed:
        st.button("Show the answer", type="primary", key="cards.reveal", on_click=reveal)
        return
    cols = st.columns(2)
    cols[0].button("I knew it", type="primary", key="cards.known", on_click=answer,
                   args=(True,), width="stretch")
    cols[1].button("Not yet", key="cards.unknown", on_click=answer, args=(False,),
                   width="stretch")


def main() -> None:
    st.title("Flashcards")
    try:
        settings = resources.settings()
        review = state.card_review()
        if review is None:
            setup(settings)
            return
        with st.sidebar:
            st.button("End this review", key="cards.end", on_click=state.set_card_review,
                      args=(None,))
        reviewing(review)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message (ui/errors.py)
        show_error(exc, "showing the flashcards")


main()
