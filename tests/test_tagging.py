"""Automatic exam-task tags: the decision rule on hand-made vectors, the ingest wiring with the
hash fake, and the accuracy of the real model measured on the notes (whose tags are known)
and on the AWS docs (against the curated manifest)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ingest.job import run_ingest
from tutor.catalog import load_catalog
from tutor.config import load_settings
from tutor.exam import TASKS
from tutor.index import generations
from tutor.retrieve import Retriever
from tutor.tagging import (
    TaskProfiles,
    build_profiles,
    load_profiles,
    profile_digest,
    profile_texts,
    save_profiles,
    tag_chunks,
    tag_untagged,
)
from tutor.testing import CountingEmbedder
from tutor.types import Chunk, Filters

ORDER = tuple(TASKS)


def _profiles() -> TaskProfiles:
    """Task i's profile is the i-th unit vector, so a chunk's scores are its coordinates."""
    return TaskProfiles(ORDER, np.eye(len(ORDER), dtype=np.float32), "test:eye")


def _chunk(source: str, task: str | None = None, domain: int | None = None,
           position: int = 0) -> Chunk:
    return Chunk(id=f"{source}-{position}", text="some passage", source=source, title=source,
                 task=task, domain=domain, position=position, content_hash="h")


def _vec(**weights: float) -> np.ndarray:
    """A unit vector with the given weight on each task ("t1_1"=0.6 means task 1.1)."""
    v = np.zeros(len(ORDER), dtype=np.float32)
    for key, w in weights.items():
        v[ORDER.index(key[1:].replace("_", "."))] = w
    return v / np.linalg.norm(v)


def test_closest_profile_wins_and_the_similarity_is_recorded() -> None:
    chunks = [_chunk("a.md"), _chunk("b.md")]
    vectors = np.stack([_vec(t3_1=0.9, t1_1=0.3), _vec(t4_3=1.0)])
    out = tag_chunks(chunks, vectors, _profiles(), min_similarity=0.5)
    assert [(c.task, c.domain) for c in out] == [("3.1", 3), ("4.3", 4)]
    assert out[0].tag_score == pytest.approx(0.9 / np.hypot(0.9, 0.3), abs=1e-4)
    assert out[1].tag_score == pytest.approx(1.0, abs=1e-4)


def test_below_the_threshold_a_chunk_stays_untagged() -> None:
    chunks = [_chunk("a.md"), _chunk("b.md")]
    # spread evenly over four tasks: the best cosine is 0.5
    vectors = np.stack([_vec(t1_1=1, t2_1=1, t3_1=1, t4_1=1), _vec(t2_2=1)])
    out = tag_chunks(chunks, vectors, _profiles(), min_similarity=0.6)
    assert out[0] == chunks[0] and out[0].task is None and out[0].tag_score is None
    assert out[1].task == "2.2"


def test_declared_tags_are_kept_and_a_declared_domain_limits_the_choice() -> None:
    declared = _chunk("note.md", task="2.2", domain=2)
    domain_only = _chunk("d4.md", domain=4)
    vectors = np.stack([_vec(t1_1=1.0), _vec(t1_1=0.9, t4_2=0.4)])
    out = tag_chunks([declared, domain_only], vectors, _profiles(), min_similarity=0.1)
    assert out[0] is declared
    assert (out[1].task, out[1].domain) == ("4.2", 4)


def test_a_chunk_is_read_in_the_context_of_its_document() -> None:
    """A passage leaning slightly to 3.1 on a page about 1.1 is filed under 1.1; the same
    passage alone on its page is filed under 3.1."""
    lean = _vec(t1_1=0.45, t3_1=0.55)
    page = [_chunk("page.md", position=0), _chunk("page.md", position=1)]
    together = tag_chunks(page, np.stack([_vec(t1_1=1.0), lean]), _profiles(), -1.0)
    alone = tag_chunks([_chunk("other.md")], np.stack([lean]), _profiles(), -1.0)
    assert together[1].task == "1.1"
    assert alone[0].task == "3.1"


def test_vectors_must_match_chunks() -> None:
    with pytest.raises(ValueError, match="2 chunks but 1 vectors"):
        tag_chunks([_chunk("a.md"), _chunk("b.md")], np.stack([_vec(t1_1=1)]), _profiles(), 0)


def test_profiles_combine_statements_and_catalog_entries(hash_embedder) -> None:
    catalog = load_catalog()
    texts = profile_texts(catalog)
    assert list(texts) == list(TASKS)
    statement, entries = texts["3.1"]
    assert "3.1" in statement and "asynchronous" in statement.lower()
    assert any("Asynchronous Inference" in e for e in entries)
    profiles = build_profiles(hash_embedder, catalog)
    assert profiles.tasks == ORDER and profiles.model_id == hash_embedder.model_id
    assert np.allclose(np.linalg.norm(profiles.vectors, axis=1), 1.0, atol=1e-5)
    bare = build_profiles(hash_embedder, None)
    assert not np.allclose(bare.vectors, profiles.vectors)


def test_ingest_tags_untagged_files_and_filters_find_them(tmp_path: Path, hash_embedder) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "note.md").write_text("---\ntitle: Declared\ndomain: 2\ntask: \"2.2\"\n---\n\n"
                                    "# Declared\n\nEarly stopping halts training epochs.\n")
    (folder / "page.md").write_text(
        "# Storing keys\n\nEncrypt data with KMS keys, restrict IAM roles and policies to least "
        "privilege, and keep endpoints in a VPC with security groups and network isolation.\n")
    settings = load_settings(home=tmp_path / "home", tag_min_similarity=-1.0)
    run_ingest([folder], settings, embedder=hash_embedder)
    chunks = generations.read_chunks(settings, generations.current_name(settings))
    by_source = {c.source: c for c in chunks}
    declared, tagged = by_source["note.md"], by_source["page.md"]
    assert (declared.task, declared.tag_score) == ("2.2", None)
    assert tagged.task in TASKS and tagged.domain == int(tagged.task[0])
    assert tagged.tag_score is not None and -1.0 <= tagged.tag_score <= 1.0
    hits = Retriever(settings, hash_embedder).search(
        "KMS keys IAM roles VPC", k=5, mode="dense", filters=Filters(task=tagged.task))
    assert "page.md" in {h.chunk.source for h in hits}
    assert all(h.chunk.task == tagged.task for h in hits)


def test_a_threshold_above_every_similarity_tags_nothing(tmp_path: Path, hash_embedder) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "page.md").write_text("# Anything\n\nAmazon S3 stores training data as objects.\n")
    settings = load_settings(home=tmp_path / "home", tag_min_similarity=1.0)
    run_ingest([folder], settings, embedder=hash_embedder)
    (chunk,) = generations.read_chunks(settings, generations.current_name(settings))
    assert chunk.task is None and chunk.domain is None and chunk.tag_score is None


def test_saved_profiles_are_used_only_for_their_model_and_texts(
        tmp_path: Path, hash_embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = load_catalog()
    digest = profile_digest(catalog)
    built = build_profiles(hash_embedder, catalog)
    path = tmp_path / "profiles.npz"
    save_profiles(built, digest, path)
    loaded = load_profiles(hash_embedder.model_id, digest, path)
    assert loaded is not None and loaded.tasks == built.tasks
    assert np.array_equal(loaded.vectors, built.vectors)
    assert load_profiles("test:another-model", digest, path) is None
    assert load_profiles(hash_embedder.model_id, profile_digest(None), path) is None
    assert load_profiles(hash_embedder.model_id, digest, tmp_path / "missing.npz") is None
    (tmp_path / "broken.npz").write_bytes(b"not a zip")
    assert load_profiles(hash_embedder.model_id, digest, tmp_path / "broken.npz") is None

    # Tagging at ingest embeds every profile text when no saved profiles match, and none
    # when they do; the tags come out the same.
    chunks = [_chunk("a.md"), _chunk("a.md", position=1)]
    vectors = hash_embedder.embed_documents(["KMS keys and IAM roles", "SageMaker endpoints"])
    counting = CountingEmbedder(hash_embedder)
    monkeypatch.setattr("tutor.tagging.SHIPPED_PROFILES", tmp_path / "missing.npz")
    first = tag_untagged(chunks, vectors, counting, -1.0, catalog)
    assert counting.texts == sum(1 + len(e) for _, e in profile_texts(catalog).values())
    monkeypatch.setattr("tutor.tagging.SHIPPED_PROFILES", path)
    counting.texts = 0
    second = tag_untagged(chunks, vectors, counting, -1.0, catalog)
    assert counting.texts == 0
    assert [c.task for c in second] == [c.task for c in first]


def test_shipped_profiles_match_the_catalog_and_the_bundled_model(minilm) -> None:
    """corpus/task_profiles.npz must be rebuilt (`python -m tutor.tagging`) whenever the
    catalog, the task statements or the default model change; this says when."""
    catalog = load_catalog()
    shipped = load_profiles(minilm.model_id, profile_digest(catalog))
    assert shipped is not None, "stale corpus/task_profiles.npz: run python -m tutor.tagging"
    fresh = build_profiles(minilm, catalog)
    assert shipped.tasks == fresh.tasks
    assert float((shipped.vectors * fresh.vectors).sum(axis=1).min()) > 0.9999


def _accuracy(tagged: list[Chunk], truth: list[str]) -> tuple[float, float]:
    pairs = list(zip(tagged, truth, strict=True))
    task = np.mean([c.task == t for c, t in pairs])
    domain = np.mean([c.task is not None and c.task[0] == t[0] for c, t in pairs])
    return float(task), float(domain)


def test_real_model_recovers_the_task_of_note_passages(notes_home: Path, minilm) -> None:
    """Strip the declared tags off every note passage and tag it again: a measure of how
    well profiles built from the statements and the catalog find a passage's task."""
    settings = load_settings(home=notes_home)
    chunks = generations.read_chunks(settings, generations.current_name(settings))
    truth = [c.task for c in chunks]
    bare = [c.model_copy(update={"task": None, "domain": None}) for c in chunks]
    vectors = minilm.embed_documents([c.embed_text() for c in chunks])
    profiles = build_profiles(minilm, load_catalog())
    out = tag_chunks(bare, vectors, profiles, settings.tag_min_similarity)
    coverage = float(np.mean([c.task is not None for c in out]))
    task_acc, domain_acc = _accuracy(out, truth)
    print(f"\nnotes: {len(chunks)} passages, tagged {coverage:.1%}, task accuracy "
          f"{task_acc:.1%}, domain accuracy {domain_acc:.1%} (chance: 1/12 and 1/4)")
    assert coverage >= 0.9
    assert task_acc >= 0.7 and domain_acc >= 0.8


def test_real_model_leaves_off_topic_passages_untagged(minilm, settings) -> None:
    texts = {
        "bread.md": "Sourdough bread: mix flour, water and salt, fold the dough every half "
                    "hour and let it rise overnight before baking in a hot oven.",
        "football.md": "The 1998 World Cup final was played in Paris; France beat Brazil "
                       "three goals to nil.",
        "async.md": "Amazon SageMaker asynchronous inference queues requests with large "
                    "payloads and writes the results to S3.",
    }
    chunks = [_chunk(source) for source in texts]
    vectors = minilm.embed_documents(list(texts.values()))
    out = tag_chunks(chunks, vectors, build_profiles(minilm, load_catalog()),
                     settings.tag_min_similarity)
    assert [c.task for c in out] == [None, None, "3.1"]


@pytest.mark.slow
def test_aws_docs_passages_get_tags_that_agree_with_the_manifest(awsdocs_home: Path) -> None:
    """The ingest tagged the AWS pages on its own; compare with the tasks the curated manifest
    gives each page (a page may serve several)."""
    from ingest.docs import load_manifest

    served = {p.path: set(p.tasks) for p in load_manifest().pages()}
    settings = load_settings(home=awsdocs_home)
    chunks = [c for c in generations.read_chunks(settings, generations.current_name(settings))
              if c.source in served]
    tagged = [c for c in chunks if c.task is not None]
    assert all(c.tag_score is not None for c in tagged)
    agree = np.mean([c.task in served[c.source] for c in tagged])
    domain = np.mean([c.domain in {int(t[0]) for t in served[c.source]} for c in tagged])
    coverage = len(tagged) / len(chunks)
    print(f"\naws-docs: {len(chunks)} passages, tagged {coverage:.1%}; task in the page's "
          f"manifest tasks {agree:.1%}, domain agrees {domain:.1%}")
    report = {"passages": len(chunks), "coverage": coverage, "task": agree, "domain": domain}
    assert coverage >= 0.8, json.dumps(report)
    assert agree >= 0.6 and domain >= 0.75, json.dumps(report)
