"""Issue 2 / issue 9 case 6: re-ingest, edit and delete, with the real MiniLM and real Chroma.

Re-ingesting an unchanged corpus computes no embedding at all; an edited file's old text
can no longer be retrieved; a deleted file's chunks are gone from every store.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import NOTES
from tests.fixtures.relkit import assert_consistent, bm25_sources, index_state
from tutor.types import Filters

FILES = [
    "domain-3/3.1-containers-and-compute-targets.md",
    "domain-3/3.2-endpoint-auto-scaling.md",
    "domain-1/1.1-data-formats.md",
]
CONTAINERS = "domain-3/3.1-containers-and-compute-targets.md"
SCALING = "domain-3/3.2-endpoint-auto-scaling.md"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "notes"
    for rel in FILES:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(NOTES / rel, root / rel)
    return root


@pytest.fixture
def fresh_minilm(minilm_base, tmp_path: Path):
    """The real model behind an empty embedding cache, so every encoder call is counted."""
    from tutor.embed.cache import CachedEmbedder

    return CachedEmbedder(minilm_base, tmp_path / "empty-cache")


def test_unchanged_reingest_embeds_nothing(corpus: Path, settings, fresh_minilm) -> None:
    from ingest.job import run_ingest

    first = run_ingest([corpus], settings, embedder=fresh_minilm)
    assert first.embedded == first.chunks_total > 0
    assert fresh_minilm.encoded >= first.chunks_total
    state = index_state(settings)
    assert_consistent(state)

    encoded = fresh_minilm.encoded
    second = run_ingest([corpus], settings, embedder=fresh_minilm)
    assert second.embedded == 0
    assert fresh_minilm.encoded == encoded  # not even a cache miss
    assert {f.change for f in second.files} == {"unchanged"}
    assert second.chunks_added == second.chunks_removed == 0
    assert index_state(settings) == state  # same generation, nothing rewritten


def test_unchanged_reingest_sends_no_text_to_the_encoder(corpus: Path, settings,
                                                          hash_embedder) -> None:
    """Without any embedding cache in front, the second run still calls the encoder zero times."""
    from ingest.job import run_ingest

    run_ingest([corpus], settings, embedder=hash_embedder)
    calls = list(hash_embedder.calls)
    report = run_ingest([corpus], settings, embedder=hash_embedder)
    assert hash_embedder.calls == calls
    assert report.embedded == 0


def test_edit_replaces_old_text_and_delete_removes_chunks(corpus: Path, settings,
                                                           fresh_minilm) -> None:
    from ingest.job import run_ingest
    from tutor.service import Tutor

    run_ingest([corpus], settings, embedder=fresh_minilm)
    tutor = Tutor(settings, embedder=fresh_minilm)
    old_question = "Which port must a bring your own container inference image listen on?"
    assert any("8080" in h.chunk.text for h in tutor.search(old_question))
    assert bm25_sources(settings, "8080") == {CONTAINERS}
    before = index_state(settings)
    scaling_ids = {cid for cid in before["chunk_ids"]
                   if tutor.retriever.snapshot.chunks[cid].source == SCALING}
    assert scaling_ids

    path = corpus / CONTAINERS
    path.write_text(path.read_text(encoding="utf-8").replace("8080", "9191"), encoding="utf-8")
    edited = run_ingest([corpus], settings, embedder=fresh_minilm)
    by_path = {f.path: f for f in edited.files}
    assert by_path[CONTAINERS].change == "updated"
    assert by_path[SCALING].change == "unchanged"
    # Only the passages whose text changed went to the encoder.
    assert 0 < edited.embedded < by_path[CONTAINERS].chunks
    assert edited.chunks_added == edited.chunks_removed == edited.embedded

    state = index_state(settings)
    assert_consistent(state)
    assert bm25_sources(settings, "8080") == set()
    assert bm25_sources(settings, "9191") == {CONTAINERS}
    # The same Tutor object picks up the new generation; dense search finds no trace either.
    hits = tutor.search(old_question, mode="dense", k=20)
    assert hits and not any("8080" in h.chunk.text for h in hits)
    assert any("9191" in h.chunk.text for h in hits)

    (corpus / SCALING).unlink()
    removed = run_ingest([corpus], settings, embedder=fresh_minilm)
    assert {f.path: f.change for f in removed.files}[SCALING] == "removed"
    assert removed.embedded == 0
    assert removed.chunks_removed == len(scaling_ids)
    state = index_state(settings)
    assert_consistent(state)
    assert SCALING not in state["sources"]
    assert not scaling_ids & set(state["vector_ids"])
    snap = tutor.retriever.snapshot
    assert snap.generation == state["generation"]
    probe = np.ones(fresh_minilm.dim, dtype=np.float32)
    assert snap.store.query(probe, 50, Filters(sources=[SCALING])) == []
    hits = tutor.search("How does target tracking auto scaling work for endpoints?", k=20)
    assert hits and all(h.chunk.source != SCALING for h in hits)
