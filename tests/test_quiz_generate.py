"""Offline generation over the real corpus: gate pass, citations, coverage, variety."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from tests.quiz_data import real_corpus
from tutor.catalog import distractor_pool
from tutor.exam import tasks_of
from tutor.quiz.corpus import quiz_chunks
from tutor.quiz.gate import check_item
from tutor.quiz.note_text import normalise
from tutor.quiz.offline import COST_CUE, COST_QUESTION, OVERHEAD_CUE, OVERHEAD_QUESTION, generate
from tutor.quiz.session import build_quiz
from tutor.quiz.support import passage_text
from tutor.quiz.workflows import WORKFLOWS


@pytest.mark.parametrize("domain", [1, 2, 3, 4])
def test_twenty_items_per_domain_pass_the_gate_with_supported_keys(domain: int) -> None:
    catalog, chunks = real_corpus()
    by_id = {c.id: c for c in chunks}
    quiz = build_quiz(catalog, chunks, domain=domain, count=20, seed=domain)

    assert len(quiz.items) == 20
    assert quiz.stats.pass_rate >= 0.75, quiz.stats
    assert {i.task for i in quiz.items} == set(tasks_of(domain))
    for item in quiz.items:
        assert item.domain == domain
        assert check_item(item, catalog, by_id) == []
        assert item.citations and all(o.explanation for o in item.options)
        for c in item.citations:
            assert normalise(c.quote) in normalise(passage_text(by_id[c.chunk_id]))
        quotes = [c.quote for c in item.citations]
        if item.type in ("single", "multiple"):
            for option in item.options:
                if option.correct:
                    service = catalog.by_name(option.text)
                    assert service is not None
                    assert any(catalog.mentions_service(q, service.id) for q in quotes)
                    assert not catalog.mentions_service(item.stem, service.id)
        if item.type == "ordering":
            assert any(catalog.mentions_service(q, item.topic) for q in quotes)


def test_a_quiz_without_selection_covers_all_four_domains() -> None:
    catalog, chunks = real_corpus()
    quiz = build_quiz(catalog, chunks, count=24, seed=3)
    assert len(quiz.items) == 24
    assert Counter(i.domain for i in quiz.items) == {1: 6, 2: 6, 3: 6, 4: 6}


def test_every_format_appears_and_multiple_response_follows_exam_rules() -> None:
    catalog, chunks = real_corpus()
    items = [i for d in (1, 2, 3, 4)
             for i in build_quiz(catalog, chunks, domain=d, count=20, seed=d).items]
    # only the exam's formats: true/false and fill-in-the-blank facts are flashcards now
    assert {i.type for i in items} == {"single", "multiple", "ordering", "matching"}
    for item in items:
        if item.type == "multiple":
            word = {2: "TWO", 3: "THREE"}[item.answer_count]
            assert item.stem.endswith(f"(Select {word}.)")
            assert len(item.options) == item.answer_count + 3
            assert len(item.correct_keys) == item.answer_count


def test_distractors_are_catalog_entries_a_candidate_could_confuse() -> None:
    catalog, chunks = real_corpus()
    items = generate(catalog, chunks, count=40, seed=5, types=("single",))
    assert len(items) == 40
    for item in items:
        key = catalog.get(item.topic)
        pool = {s.id for s in distractor_pool(catalog, key)}
        wrong = [catalog.by_name(o.text) for o in item.options if not o.correct]
        assert all(w is not None and w.id in pool for w in wrong)
        assert all(f"Incorrect. {w.label}" in o.explanation for w, o in
                   zip(wrong, [o for o in item.options if not o.correct], strict=False))


def test_qualifiers_appear_only_when_the_scenario_supports_them() -> None:
    catalog, chunks = real_corpus()
    items = [i for d in (1, 2, 3, 4) for i in generate(catalog, chunks, domain=d, count=40, seed=11,
                                                        types=("single",))]
    qualified = 0
    for item in items:
        scenario = item.stem.rsplit(".", 1)[0]
        if item.stem.endswith(COST_QUESTION):
            qualified += 1
            assert COST_CUE.search(scenario)
        if item.stem.endswith(OVERHEAD_QUESTION):
            qualified += 1
            assert OVERHEAD_CUE.search(scenario)
    assert qualified > 0


def test_no_repeats_and_topics_rotate_within_a_task() -> None:
    catalog, chunks = real_corpus()
    quiz = build_quiz(catalog, chunks, task="3.1", count=15, seed=2)
    ids = [i.id for i in quiz.items]
    stems = [normalise(i.stem) for i in quiz.items if i.type != "matching"]
    assert len(set(ids)) == len(ids) == 15
    assert len(set(stems)) == len(stems)
    topics = [i.topic for i in quiz.items]
    assert len(set(topics)) >= 8
    assert all(a != b for a, b in itertools.pairwise(topics))
    assert len({i.type for i in quiz.items}) >= 4


def test_generation_is_repeatable_by_seed() -> None:
    catalog, chunks = real_corpus()
    first = [i.id for i in generate(catalog, chunks, domain=2, count=10, seed=42)]
    again = [i.id for i in generate(catalog, chunks, domain=2, count=10, seed=42)]
    other = [i.id for i in generate(catalog, chunks, domain=2, count=10, seed=43)]
    assert first == again
    assert first != other


def test_ordering_items_keep_the_workflow_order() -> None:
    catalog, chunks = real_corpus()
    items = [i for d in (1, 2, 3, 4) for i in generate(catalog, chunks, domain=d, count=5, seed=1,
                                                        types=("ordering",))]
    assert len(items) >= 6
    steps = {w.goal: w.steps for w in WORKFLOWS}
    for item in items:
        goal = item.stem.removeprefix("An ML engineer needs to ").split(". Arrange")[0]
        texts = {o.key: o.text for o in item.options}
        assert tuple(texts[k] for k in item.order) == steps[goal]


def test_the_generator_reads_the_notes_the_index_holds(settings, tmp_path) -> None:
    """Items cite chunk ids, so the generator reads the serving index; without one it says
    so, and a damaged chunk store is reported, never replaced by a re-chunking."""
    import pytest

    from ingest.job import run_ingest
    from tutor.errors import EmptyIndexError, IndexDamagedError
    from tutor.index import current_name
    from tutor.index.generations import gens_dir
    from tutor.testing import HashEmbedder

    with pytest.raises(EmptyIndexError, match="Nothing is indexed"):
        quiz_chunks(settings)
    notes = tmp_path / "notes"
    (notes / "domain-3").mkdir(parents=True)
    (notes / "domain-3" / "3.1-a.md").write_text(
        '---\ntitle: A\ndomain: 3\ntask: "3.1"\n---\n# A\n\nBatch Transform scores datasets.\n')
    (notes / "page.md").write_text("# Untagged\n\nA page without a task.\n")
    run_ingest([notes], settings, embedder=HashEmbedder())
    chunks = quiz_chunks(settings)
    assert [c.source for c in chunks] == ["domain-3/3.1-a.md"]
    (gens_dir(settings) / str(current_name(settings)) / "chunks.jsonl").write_text("{broken")
    with pytest.raises(IndexDamagedError):
        quiz_chunks(settings)
