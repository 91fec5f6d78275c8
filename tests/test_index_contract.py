"""The same contract for the embedded Chroma store and a Chroma server over HTTP."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.job import run_ingest
from tutor import store
from tutor.config import load_settings
from tutor.errors import ModelMismatchError
from tutor.index import ChromaStore
from tutor.retrieve import Filters, Retriever
from tutor.testing import HashEmbedder

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


@pytest.fixture(params=["embedded", "http"])
def backend_settings(request, tutor_home: Path):
    if request.param == "http":
        server = request.getfixturevalue("chroma_server")
        name = f"t{abs(hash(request.node.name)) % 10**8}"
        return load_settings(chroma_url=server.url, collection=name)
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
    assert store.current_name(settings) == report.generation


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

    snap = store.Snapshot.open_current(settings, emb.model_id)
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


def test_batches_larger_than_server_maximum(backend_settings) -> None:
    settings = backend_settings
    from tutor.types import Chunk

    st = ChromaStore(f"{settings.collection}-batch", path=settings.home / "batch",
                     url=settings.chroma_url, model_id="m", dim=8, create=True)
    limit = st.client.get_max_batch_size()
    n = limit + 7
    chunks = [Chunk(id=f"c{i}", text=f"text {i}", source="s", title="t", position=i,
                    content_hash=str(i)) for i in range(n)]
    vectors = np.random.default_rng(0).random((n, 8), dtype=np.float32)
    st.add(chunks, vectors)
    assert st.count() == n
    st.drop()
