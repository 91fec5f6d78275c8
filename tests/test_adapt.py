"""`python -m evals.adapt`: the (pseudo-query, passage) pairs it trains the encoder on, their
batches, the guard against training on eval questions, and (slow) a few real training steps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals import adapt
from tutor.config import Settings

BODY = ("Spot training runs the job on spare capacity and can stop it when that capacity is "
        "needed elsewhere, so the job saves checkpoints to Amazon S3 and resumes from them.")
OTHER = ("A lifecycle policy moves objects that nobody reads any more to a cheaper storage "
         "class after a number of days, and can delete old versions of each object too.")


def _corpus(root: Path) -> Path:
    """Three small pages: one intro paragraph each, specific headings, and one generic
    heading ("Overview") that three pages share."""
    pages = {
        "spot.md": ("Managed Spot Training", "Checkpoints for Spot jobs", BODY),
        "lifecycle.md": ("S3 Lifecycle rules", "Transition actions", OTHER),
        "alarms.md": ("CloudWatch alarms", "Evaluating an alarm", BODY.replace("Spot", "An")),
    }
    for name, (title, head, body) in pages.items():
        (root / name).write_text(f"# {title}\n\n{body}\n\n## Overview\n\n{OTHER} {title}.\n\n"
                                 f"## {head}\n\n{body}\n", encoding="utf-8")
    return root


def _settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home")


def test_pairs_come_from_titles_and_headings_and_leave_the_context_line_out(
        tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    chunks = adapt.load_chunks([_corpus(docs)], _settings(tmp_path))
    assert {c.source for c in chunks} == {"spot.md", "lifecycle.md", "alarms.md"}
    pairs = adapt.build_pairs(chunks)
    spot = {(p.kind, p.query) for p in pairs if p.source == "spot.md"}
    assert spot == {("title", "Managed Spot Training"),
                    ("path", "Managed Spot Training Overview"),
                    ("path", "Managed Spot Training Checkpoints for Spot jobs"),
                    ("heading", "Checkpoints for Spot jobs")}
    # "Overview" heads a section on three pages: never a query on its own
    assert not any(p.query == "Overview" for p in pairs)
    # the passage is the chunk's text, without the title/heading line the index embeds with it
    heading = next(p for p in pairs if p.query == "Checkpoints for Spot jobs")
    assert heading.passage == BODY
    assert all(not p.passage.startswith(("Managed Spot", "S3 Lifecycle", "CloudWatch"))
               for p in pairs)
    assert len({(p.query.casefold(), p.passage) for p in pairs}) == len(pairs)


def test_short_passages_and_widely_shared_headings_are_left_out(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# Page A\n\nToo short.\n\n## Overview\n\n" + OTHER + "\n")
    (tmp_path / "b.md").write_text("# Page B\n\n" + BODY + "\n\n## Overview\n\n" + BODY + "\n")
    pairs = adapt.build_pairs(adapt.load_chunks([tmp_path], _settings(tmp_path)))
    assert ("title", "Page A") not in {(p.kind, p.query) for p in pairs}
    assert ("heading", "Overview") in {(p.kind, p.query) for p in pairs}  # two pages: kept
    strict = adapt.build_pairs(adapt.load_chunks([tmp_path], _settings(tmp_path)),
                               specific_pages=1)
    assert not any(p.kind == "heading" for p in strict)


def test_an_eval_question_as_a_training_query_stops_the_run(tmp_path: Path) -> None:
    (tmp_path / "set.jsonl").write_text(
        json.dumps({"question": "How do I  resume a Spot job?", "gold": ["x.md"]}) + "\n")
    questions = adapt.eval_questions(tmp_path)
    pair = adapt.Pair("how do i resume a spot job?", BODY, "spot.md", "heading")
    with pytest.raises(AssertionError, match="eval questions"):
        adapt.check_no_eval_queries([pair], questions)
    adapt.check_no_eval_queries([adapt.Pair("Spot checkpoints", BODY, "spot.md", "heading")],
                                questions)
    # the shipped datasets are all read
    assert len(adapt.eval_questions()) > 800


def test_batches_never_hold_one_page_or_one_query_twice() -> None:
    pairs = [adapt.Pair(f"q{i % 7}", f"passage {i}", f"page{i % 5}.md", "path")
             for i in range(40)]
    groups = adapt.batches(adapt.sample(pairs, 40, seed=0), 4)
    assert all(1 < len(g) <= 4 for g in groups)
    for g in groups:
        assert len({p.source for p in g}) == len(g)
        assert len({p.query for p in g}) == len(g)
    assert adapt.sample(pairs, 10, seed=3) == adapt.sample(pairs, 10, seed=3)
    assert len(adapt.sample(pairs, 10, seed=3)) == 10


@pytest.mark.slow
def test_a_few_training_steps_save_a_model_the_tutor_loads(tmp_path: Path) -> None:
    from tutor.embed.base import bundled_model_path
    from tutor.embed.torch_runtime import SentenceTransformerEmbedder

    docs = tmp_path / "docs"
    docs.mkdir()
    pairs = adapt.build_pairs(adapt.load_chunks([_corpus(docs)], _settings(tmp_path)))
    out = tmp_path / "adapted"
    stats = adapt.train(adapt.batches(pairs, 4)[:2], out, base=str(bundled_model_path()),
                        epochs=1, lr=2e-5, seed=0, max_seq=32, threads=1)
    assert stats["steps"] == 2
    assert adapt.folder_mb(out) < adapt.MAX_MB
    emb = SentenceTransformerEmbedder(str(out))
    assert emb.model_id == "local:adapted"
    assert emb.window == 256  # trained on shorter texts, saved with the full window
    vec = emb.embed_query("Checkpoints for Spot jobs")
    assert vec.shape == (emb.dim,) == (384,)
