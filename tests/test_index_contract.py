"""The same contract for every VectorStore: embedded Chroma, a Chroma server over HTTP, and
the in-memory store, each through the real ingest, retrieval and generations."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from ingest.job import run_ingest
from tutor.config import Settings, load_settings
from tutor.errors import IndexDamagedError, ModelMismatchError
from tutor.index import Snapshot, generations
from tutor.index.chroma import ChromaStore
from tutor.retrieve import Retriever
from tutor.testing import HashEmbedder
from tutor.types import Chunk, Filters

DOCS = {
    "inference/async.md": """---
title: Asynchronous inference
domain: 3
task: "3.1"
---
# Asynchronous inference

## When to use it
Asynchronous inference queues requests with large payloads and long processing times.
Results land in an S3 bucket and a notification can tell the caller.
""",
    "data/firehose.md": """---
title: Data Firehose buffering
domain: 1
task: "1.1"
---
# Data Firehose buffering

## Buffer hints
Firehose buffers incoming records by size and by interval before delivering them to S3.
""",
    "security/kms.md": """# KMS keys

Customer managed KMS keys encrypt training volumes and model artifacts.
""",
}


@pytest.fixture(params=["embedded", pytest.param("http", marks=pytest.mark.http), "memory"])
def backend_settings(request: pytest.FixtureRequest, tutor_home: Path) -> Settings:
    if request.param == "http":
        server = request.getfixturevalue("chroma_server")
        name = f"t{abs(hash(request.node.name)) % 10**8}"
        return load_settings(chroma_url=server.url, collection=name)
    if request.param == "memory":
        return load_settings(vector_store="memory")
    return load_settings()


def _corpus(root: Path) -> Path:
    folder = root / "corpus"
    for rel, text in DOCS.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    return folder


def test_ingest_search_filter_and_reingest(backend_settings, tmp_path: Path) -> None:
    settings = backend_settings
    emb = HashEmbedder()
    folder = _corpus(tmp_path)
    report = run_ingest([folder], settings, embedder=emb)
    assert {f.path for f in report.files} == set(DOCS)
    assert all(f.status.value == "ok" for f in report.files)
    assert report.embedded == report.chunks_total > 0

    retriever = Retriever(settings, emb)
    for mode in ("dense", "bm25", "hybrid"):
        hits = retriever.search("firehose buffers records before delivering to S3", k=3, mode=mode)
        assert hits[0].chunk.source == "data/firehose.md", mode
        assert [h.rank for h in hits] == list(range(1, len(hits) + 1))

    only3 = retriever.search("buffers records", k=5, filters=Filters(domain=3))
    assert only3 and all(h.chunk.domain == 3 for h in only3)
    by_task = retriever.search("keys", k=5, mode="bm25", filters=Filters(task="1.1"))
    assert all(h.chunk.task == "1.1" for h in by_task)

    calls_before = emb.encoded
    again = run_ingest([folder], settings, embedder=emb)
    assert emb.encoded == calls_before, "an unchanged corpus must embed nothing"
    assert again.chunks_added == 0 and all(f.change == "unchanged" for f in again.files)
    assert generations.current_name(settings) == report.generation


def test_edit_and_delete_replace_chunks(backend_settings, tmp_path: Path) -> None:
    settings = backend_settings
    emb = HashEmbedder()
    folder = _corpus(tmp_path)
    run_ingest([folder], settings, embedder=emb)
    (folder / "security/kms.md").write_text("# KMS keys\n\nEnvelope encryption wraps data keys.\n")
    (folder / "data/firehose.md").unlink()
    report = run_ingest([folder], settings, embedder=emb)
    changes = {f.path: f.change for f in report.files}
    assert changes["security/kms.md"] == "updated"
    assert changes["data/firehose.md"] == "removed"

    snap = Snapshot.open_current(settings, emb.model_id)
    texts = " ".join(c.text for c in snap.chunks.values())
    assert "Envelope encryption" in texts
    assert "Customer managed KMS keys" not in texts
    assert not any(c.source == "data/firehose.md" for c in snap.chunks.values())
    assert snap.store.count() == len(snap.chunks)
    hits = Retriever(settings, emb).search("Firehose buffers incoming records", k=5)
    assert all(h.chunk.source != "data/firehose.md" for h in hits)


def test_model_mismatch_is_refused(backend_settings, tmp_path: Path) -> None:
    settings = backend_settings
    run_ingest([_corpus(tmp_path)], settings, embedder=HashEmbedder())
    other = HashEmbedder(model_id="test:another-model")
    with pytest.raises(ModelMismatchError, match="rebuild"):
        Retriever(settings, other).search("anything")
    with pytest.raises(ModelMismatchError):
        run_ingest([tmp_path / "corpus"], settings, embedder=other)
    rebuilt = run_ingest([tmp_path / "corpus"], settings, embedder=other, rebuild=True)
    assert rebuilt.model == "test:another-model"
    assert Retriever(settings, other).search("KMS keys encrypt")


def test_store_contract(backend_settings: Settings) -> None:
    """Every VectorStore method, on a store of one generation opened the one way there is."""
    from tutor.index.generations import open_store

    st = open_store(backend_settings, "g-contract", create=True, model_id="m", dim=8)
    n = 1005
    chunks = [Chunk(id=f"c{i:04d}", text=f"text {i}", source=f"s{i % 3}.md", title="t",
                    position=i, content_hash=str(i), domain=1 + i % 2) for i in range(n)]
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(n, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    st.add(chunks, vectors)
    st.add(chunks[:5], vectors[:5])  # an upsert, not a duplicate
    assert st.count() == n and sorted(st.ids()) == [c.id for c in chunks]
    assert st.model_info().model_id == "m"
    assert np.allclose(st.vectors(["c0007", "c0003"]), vectors[[7, 3]], atol=1e-5)
    best = st.query(vectors[42], 3)
    assert best[0][0] == "c0042" and best[0][1] == pytest.approx(1.0, abs=1e-4)
    assert [s for _, s in best] == sorted((s for _, s in best), reverse=True)
    only2 = st.query(vectors[42], 5, Filters(domain=2, sources=["s0.md", "s1.md"]))
    assert only2 and all(int(cid[1:]) % 2 == 1 and int(cid[1:]) % 3 in (0, 1)
                         for cid, _ in only2)
    st.probe()
    with pytest.raises(IndexDamagedError):
        st.vectors(["missing"])
    st.drop()
    st.drop()  # dropping what is gone is fine
    st.close()


def test_batches_larger_than_server_maximum(backend_settings: Settings) -> None:
    if backend_settings.vector_store != "chroma":
        pytest.skip("the batch limit is Chroma's")
    settings = backend_settings
    st = ChromaStore(f"{settings.collection}-batch", path=settings.home / "batch",
                     url=settings.chroma_url, model_id="m", dim=8, create=True)
    n = st.batch_limit + 7
    chunks = [Chunk(id=f"c{i}", text=f"text {i}", source="s", title="t", position=i,
                    content_hash=str(i)) for i in range(n)]
    vectors = np.random.default_rng(0).random((n, 8), dtype=np.float32)
    st.add(chunks, vectors)
    assert st.count() == n
    st.drop()
    st.close()


def test_closing_an_embedded_store_releases_its_database(tmp_path: Path) -> None:
    """close() releases chromadb's client (chromadb stops the folder's shared system once the
    last client on it closes): closing one store leaves another on the same folder working,
    and after both close, the folder can be deleted and a store opened there starts fresh.
    Left open, chromadb keeps serving the deleted database from its per-folder cache: the old
    vectors and model, then "attempt to write a readonly database"."""
    path = tmp_path / "chroma"
    chunks = [Chunk(id=f"c{i}", text=f"text {i}", source="s", title="t", position=i,
                    content_hash=str(i)) for i in range(5)]
    vectors = np.random.default_rng(0).random((5, 8), dtype=np.float32)
    writer = ChromaStore("gen-a", path=path, model_id="old", dim=8, create=True)
    reader = ChromaStore("gen-a", path=path)
    writer.add(chunks, vectors)
    writer.close()
    assert reader.count() == 5
    reader.close()
    shutil.rmtree(path)
    fresh = ChromaStore("gen-a", path=path, model_id="new", dim=8, create=True)
    assert fresh.count() == 0 and fresh.model_info().model_id == "new"
    fresh.add(chunks[:2], vectors[:2])
    assert fresh.count() == 2
    fresh.close()
