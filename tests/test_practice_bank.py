"""Practice from the item bank: items as authored (letters A-D in the written order, one
explanation and citation per option), ordering steps shuffled for display, unseen items first
with case studies kept together, missed items back when due, and generated items only once a
selection's bank items are used up, labelled as generated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.quiz_data import real_corpus
from tutor import prompts
from tutor.catalog import Catalog, load_catalog
from tutor.config import load_settings
from tutor.errors import EmptyIndexError
from tutor.progress import SQLiteProgressStore
from tutor.quiz.bank import load_bank
from tutor.quiz.bank_items import BankDeck, load_deck
from tutor.quiz.draw import draw_practice
from tutor.quiz.grade import match_targets
from tutor.quiz.session import QuizSet, build_quiz
from tutor.quiz.sources import practice_quiz

T0 = datetime.now(UTC) - timedelta(days=2)  # practice_quiz asks what is due now


@pytest.fixture(scope="module")
def deck() -> BankDeck:
    return load_deck()


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_items_keep_the_authored_order_and_cite_per_option(deck) -> None:
    bank = {i.id: i for i in load_bank().items}
    assert set(bank) == set(deck.items)
    for item_id, item in deck.items.items():
        authored = bank[item_id]
        assert item.generator == "bank" and item.skill == authored.skill
        numbers = {c.n: c for c in item.citations}
        if item.type in ("single", "multiple", "matching"):
            assert [o.text for o in item.options] == [o.text for o in authored.options]
            assert [o.key for o in item.options] == list("ABCDEF"[: len(item.options)])
            assert [o.correct for o in item.options] == [o.correct for o in authored.options]
        for option in item.options:
            source = next(o for o in authored.options if o.text == option.text)
            assert option.explanation == source.why
            assert numbers[option.cite].chunk_id == str(source.cite)
            assert numbers[option.cite].passage or numbers[option.cite].url


def test_ordering_steps_are_shuffled_and_matching_descriptions_too(deck) -> None:
    bank = {i.id: i for i in load_bank().items}
    ordering = [i for i in deck.items.values() if i.type == "ordering"]
    matching = [i for i in deck.items.values() if i.type == "matching"]
    assert ordering and matching
    for item in ordering:
        texts = {o.key: o.text for o in item.options}
        assert [texts[k] for k in item.order] == [o.text for o in bank[item.id].options]
        assert [o.text for o in item.options] != [texts[k] for k in item.order]
    for item in matching:
        assert match_targets(item) != [item.pairs[o.key] for o in item.options]


def test_a_case_study_item_carries_its_scenario(deck) -> None:
    study = load_bank().cases[0]
    item = deck.items[study.items[0].id]
    assert item.case is not None and item.case.id == study.id
    assert item.case.scenario == " ".join(study.scenario.split())


def _never(n: int, exclude: set[str]) -> QuizSet:
    raise AssertionError("the generator ran while bank items were left")


def test_unseen_items_come_first_and_case_studies_stay_together(deck, catalog) -> None:
    tasks = ["4.3"]
    units = deck.units(tasks)
    seen = {i.id: T0 for u in units[:-8] for i in u}  # all but eight units already answered
    quiz = draw_practice(deck, catalog, tasks, 6, seen=seen, seed=1, generate=_never)
    assert len(quiz.items) == 6 and quiz.generated == 0
    assert not {i.id for i in quiz.items} & set(seen)
    for case_id in {i.case.id for i in quiz.items if i.case}:
        positions = [n for n, i in enumerate(quiz.items) if i.case and i.case.id == case_id]
        assert positions == list(range(positions[0], positions[0] + len(positions)))


def test_generated_items_only_once_the_bank_is_used_up(deck, catalog) -> None:
    cat, chunks = real_corpus()
    tasks = ["1.2"]
    every = {i.id: T0 for u in deck.units(tasks) for i in u}
    calls: list[int] = []

    def offline(n: int, exclude: set[str]) -> QuizSet:
        calls.append(n)
        return build_quiz(cat, chunks, task="1.2", count=n, seed=3, exclude=exclude)

    left = [u[0].id for u in deck.units(tasks) if len(u) == 1][-2:]
    some_left = {k: v for k, v in every.items() if k not in left}
    quiz = draw_practice(deck, catalog, tasks, 5, seen=some_left, seed=2, generate=offline)
    assert calls == [3]  # two bank items were left, so three generated ones fill the set
    assert [i.generated for i in quiz.items] == [False, False, True, True, True]
    assert quiz.generated == 3 and all(i.generator == "offline" for i in quiz.items[2:])
    used_up = draw_practice(deck, catalog, tasks, 4, seen=every, seed=2, generate=offline)
    assert used_up.generated == 4 and all(i.generated for i in used_up.items)


def test_missed_items_come_back_when_due_and_a_missing_index_is_explained(
        tmp_path: Path, deck, catalog) -> None:
    settings = load_settings(home=tmp_path / "home")
    store = SQLiteProgressStore(tmp_path / "p.sqlite3")

    def no_index() -> list:
        raise EmptyIndexError(prompts.EMPTY_INDEX)

    first = practice_quiz(settings, catalog, no_index, store, task="2.3", count=3, seed=4)
    missed = first.items[0]
    store.record(missed, "Z", False, now=T0)
    for item in first.items[1:]:
        store.record(item, "A", True, now=T0)
    later = practice_quiz(settings, catalog, no_index, store, task="2.3", count=3, seed=4)
    assert later.items[0].id == missed.id and later.review_ids == [missed.id]
    assert not {i.id for i in later.items[1:]} & {i.id for i in first.items}
    # every bank item of the task answered, no index for generated ones: the learner is told
    # why, and the items answered longest ago come back instead
    for item in deck.items.values():
        if item.task == "2.3":
            store.record(item, "A", True, now=T0 + timedelta(hours=1))
    again = practice_quiz(settings, catalog, no_index, store, task="2.3", count=3, seed=4,
                          review=False)
    assert again.notice == prompts.QUIZ_BANK_USED_UP and len(again.items) == 3
    assert again.generated == 0 and all(not i.generated for i in again.items)
