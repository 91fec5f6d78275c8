"""Flashcards: the three kinds of card, the review queue on the Leitner schedule, the Anki
export read back with genanki's own model and fields, CSV, and `tutor cards`."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tutor.catalog import load_catalog
from tutor.cli import app
from tutor.errors import InputError
from tutor.quiz import anki
from tutor.quiz.bank import load_cards
from tutor.quiz.card_export import CSV_COLUMNS, export_cards
from tutor.quiz.flashcards import BLANK, Flashcard, load_flashcards, review_queue, select
from tutor.quiz.review import INTERVAL_DAYS, ReviewCard

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
runner = CliRunner()


@pytest.fixture(scope="module")
def cards() -> tuple[Flashcard, ...]:
    return load_flashcards()


def test_cards_come_from_concept_cards_the_catalog_and_note_sentences(cards) -> None:
    kinds = {k: [c for c in cards if c.kind == k] for k in ("concept", "service", "sentence")}
    assert {c.id for c in kinds["concept"]} == {c.id for c in load_cards()}
    assert len(kinds["service"]) >= 150 and len(kinds["sentence"]) >= 150
    assert len({c.id for c in cards}) == len(cards)
    catalog = load_catalog()
    for card in kinds["sentence"]:
        assert BLANK in card.front and card.source.startswith("notes/")
        subject = catalog.get(card.tags[0])
        assert card.back.startswith(f"{subject.label}. ")
        assert not catalog.mentions_service(card.front, subject.id)  # the answer is blanked
    assert all(c.tasks for c in cards)


def test_selection_by_domain_or_task(cards) -> None:
    task = select(cards, task="3.1")
    assert task and all("3.1" in c.tasks for c in task)
    domain = select(cards, domain=3)
    assert {c.id for c in task} < {c.id for c in domain} and all(3 in c.domains for c in domain)
    assert len(select(cards)) == len(cards)


def _state(card_id: str, box: int, due: datetime) -> ReviewCard:
    return ReviewCard(item_id=card_id, box=box, due=due, last_answered=due - timedelta(days=1))


def test_review_queue_puts_due_cards_first_and_leaves_later_ones_out(cards) -> None:
    chosen = select(cards, task="4.2")
    a, b, c = chosen[:3]
    states = {a.id: _state(a.id, 2, T0 - timedelta(days=1)),  # due yesterday
              b.id: _state(b.id, 1, T0 - timedelta(days=3)),  # most overdue
              c.id: _state(c.id, 4, T0 + timedelta(days=5))}  # not due yet
    queue = review_queue(chosen, states, 6, now=T0, seed=1)
    assert [q.id for q in queue[:2]] == [b.id, a.id]
    assert c.id not in {q.id for q in queue}
    assert all(q.id not in states for q in queue[2:]) and len(queue) == 6
    assert review_queue(chosen, states, 6, now=T0, seed=1) == queue  # repeatable by seed


def test_reviews_move_cards_through_the_boxes(tmp_path: Path, cards) -> None:
    from tutor.progress import SQLiteProgressStore

    store = SQLiteProgressStore(tmp_path / "p.sqlite3")
    card = select(cards, task="1.1")[0]
    known = store.review_flashcard(card.id, True, now=T0)
    assert (known.box, known.due) == (2, T0 + timedelta(days=INTERVAL_DAYS[2]))
    queue = review_queue([card], store.flashcard_states(), 5, now=T0 + timedelta(days=1))
    assert queue == []  # scheduled for later
    queue = review_queue([card], store.flashcard_states(), 5, now=known.due)
    assert queue == [card]
    missed = store.review_flashcard(card.id, False, now=known.due)
    assert (missed.box, missed.due) == (1, known.due + timedelta(days=1))


def _apkg_contents(path: Path) -> tuple[dict, list[tuple[str, str, str]]]:
    with zipfile.ZipFile(path) as z, z.open("collection.anki2") as db:
        raw = db.read()
    copy = path.with_suffix(".anki2")
    copy.write_bytes(raw)
    with sqlite3.connect(copy) as conn:
        models = json.loads(conn.execute("SELECT models FROM col").fetchone()[0])
        notes = conn.execute("SELECT flds, tags, guid FROM notes ORDER BY id").fetchall()
    conn.close()
    return models, notes


def test_anki_export_reads_back_with_the_model_and_fields(tmp_path: Path, cards) -> None:
    chosen = select(cards, task="2.3")[:25]
    path = tmp_path / "deck.apkg"
    assert export_cards(chosen, "anki", path) == 25
    models, notes = _apkg_contents(path)
    model = models[str(anki.MODEL.model_id)]
    assert model["name"] == anki.MODEL.name
    assert [f["name"] for f in model["flds"]] == [f["name"] for f in anki.MODEL.fields]
    assert len(notes) == 25
    by_id = {c.id: c for c in chosen}
    for flds, tags, _guid in notes:
        fields = flds.split("\x1f")
        assert fields == anki.note_fields(by_id[fields[-1]])
        assert "mla::task-2.3" in tags.split()
    # a second export gives every note the same guid, so Anki updates instead of duplicating
    again = tmp_path / "again.apkg"
    export_cards(chosen, "anki", again)
    assert sorted(n[2] for n in _apkg_contents(again)[1]) == sorted(n[2] for n in notes)


def test_csv_export_reads_back(tmp_path: Path, cards) -> None:
    chosen = select(cards, domain=1)
    path = tmp_path / "cards.csv"
    assert export_cards(chosen, "csv", path) == len(chosen)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == len(chosen)
    assert [(r["id"], r["front"], r["back"]) for r in rows] == [
        (c.id, c.front, c.back) for c in chosen]


def test_a_failed_export_leaves_the_previous_file(tmp_path: Path, cards,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cards.csv"
    path.write_text("the previous export\n", encoding="utf-8")

    def broken(_cards: object) -> str:
        raise OSError("disk full")

    monkeypatch.setattr("tutor.quiz.card_export.csv_text", broken)
    with pytest.raises(OSError):
        export_cards(list(cards[:3]), "csv", path)
    assert path.read_text(encoding="utf-8") == "the previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["cards.csv"]
    with pytest.raises(InputError, match="does not exist"):
        export_cards(list(cards[:3]), "csv", tmp_path / "missing" / "x.csv")
    with pytest.raises(InputError, match="Unknown export format"):
        export_cards(list(cards[:3]), "pdf", path)


def test_cards_command_json_export_and_review(tutor_home: Path, tmp_path: Path) -> None:
    data = json.loads(runner.invoke(app, ["cards", "--task", "3.2", "--count", "3",
                                          "--json"]).output)
    assert data["count"] == 3 and data["selection"] == {"domain": None, "task": "3.2"}
    assert all("3.2" in c["tasks"] and c["box"] is None for c in data["cards"])

    out = tmp_path / "d3.csv"
    done = runner.invoke(app, ["cards", "--domain", "3", "--export", "csv", str(out)])
    assert done.exit_code == 0 and out.is_file() and "wrote" in done.output
    assert runner.invoke(app, ["cards", "--export", "pdf", str(out)]).exit_code == 2
    assert runner.invoke(app, ["cards", "--domain", "1", "--task", "1.1"]).exit_code == 2

    review = runner.invoke(app, ["cards", "--task", "3.2", "--count", "2"],
                           input="\ny\n\nn\n")
    assert review.exit_code == 0, review.output
    assert "1 of 2 known" in review.output
    # new cards come in a fresh shuffle each run, so the store says which two were reviewed
    from tutor.config import load_settings
    from tutor.progress import open_progress_store

    states = open_progress_store(load_settings()).flashcard_states()
    assert sorted(s.box for s in states.values()) == [1, 2]  # one known, one not
    after = json.loads(runner.invoke(app, ["cards", "--task", "3.2", "--count", "40",
                                           "--json"]).output)
    assert after["count"] == 40
    assert not {c["id"] for c in after["cards"]} & set(states)  # scheduled for later
