"""The matrix copy of an embedded generation's vectors (tutor/index/matrix.py): what dense
search reads when serving, so that a cold `tutor ask` does not import chromadb.

It must rank as the store does, filter as the store does, refuse a damaged file, and leave an
index built before it existed searchable (in Chroma) until the next ingest adds it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.job import run_ingest
from tutor.config import load_settings
from tutor.errors import IndexDamagedError
from tutor.index import Snapshot, generations
from tutor.index.matrix import VectorMatrix, save
from tutor.testing import HashEmbedder
from tutor.types import Chunk, Filters


def _chunks(n: int) -> list[Chunk]:
    return [Chunk(id=f"c{i:04d}", text=f"text {i}", source=f"s{i % 3}.md", title="t",
                  position=i, content_hash=str(i), domain=1 + i % 2,
                  task=("1.1", "3.2")[i % 2], corpus=("notes", "aws-docs")[i % 3 == 0])
            for i in range(n)]


@pytest.fixture
def matrix(tmp_path: Path) -> tuple[VectorMatrix, list[Chunk], np.ndarray]:
    chunks = _chunks(300)
    vectors = np.random.default_rng(1).normal(size=(300, 16)).astype(np.float32) * 3
    save(tmp_path / "vectors.npy", vectors)
    return VectorMatrix(tmp_path / "vectors.npy", chunks, 16), chunks, vectors


def test_ranks_by_exact_cosine_with_ties_by_id(matrix) -> None:
    mat, chunks, vectors = matrix
    q = np.random.default_rng(2).normal(size=16).astype(np.float32)
    cos = vectors @ q / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(q))
    expected = [chunks[i].id for i in np.argsort(-cos)[:10]]
    got = mat.query(q * 5, 10)  # the query's length does not matter
    assert [cid for cid, _ in got] == expected
    assert [s for _, s in got] == pytest.approx(sorted(cos, reverse=True)[:10], abs=1e-5)
    assert len(mat.query(q, 1000)) == 300 and mat.query(q, 0) == []


def test_equal_scores_go_by_chunk_id(tmp_path: Path) -> None:
    chunks = _chunks(6)[::-1]  # rows in descending id order
    vectors = np.tile(np.eye(4, dtype=np.float32)[:1], (6, 1))
    save(tmp_path / "v.npy", vectors)
    got = VectorMatrix(tmp_path / "v.npy", chunks, 4).query(vectors[0], 3)
    assert [cid for cid, _ in got] == ["c0000", "c0001", "c0002"]


def test_filters_match_the_chunks_metadata(matrix) -> None:
    mat, chunks, vectors = matrix
    by_id = {c.id: c for c in chunks}
    for filters in (Filters(domain=2), Filters(task="1.1"), Filters(corpus=["aws-docs"]),
                    Filters(sources=["s1.md", "s2.md"], domain=1), Filters()):
        got = mat.query(vectors[7], 50, filters)
        allowed = [c for c in chunks if filters.allows(c)]
        assert len(got) == min(50, len(allowed))
        assert all(filters.allows(by_id[cid]) for cid, _ in got), filters
    assert mat.query(vectors[7], 5, Filters(domain=4)) == []


def test_a_damaged_or_mismatched_file_is_refused(matrix, tmp_path: Path) -> None:
    mat, chunks, _ = matrix
    mat.probe()
    path = tmp_path / "vectors.npy"
    with pytest.raises(IndexDamagedError, match="299 chunks"):
        VectorMatrix(path, chunks[:299], 16)
    with pytest.raises(IndexDamagedError, match="300 chunks of 8 dimensions"):
        VectorMatrix(path, chunks, 8)
    np.save(path, np.full((300, 16), 2.0, dtype=np.float32))  # not what save() writes
    with pytest.raises(IndexDamagedError, match="rebuild"):
        VectorMatrix(path, chunks, 16).probe()
    with path.open("r+b") as fh:
        fh.truncate(path.stat().st_size // 2)
    with pytest.raises(IndexDamagedError, match="cannot be read"):
        VectorMatrix(path, chunks, 16)


def _corpus(root: Path) -> Path:
    folder = root / "corpus"
    folder.mkdir()
    for i in range(12):
        (folder / f"doc{i:02d}.md").write_text(
            f"# Topic {i}\n\n" + " ".join(f"word{i}x{j} shared{j % 5}" for j in range(60)))
    return folder


def test_serving_searches_the_copy_and_agrees_with_chroma(tutor_home: Path,
                                                           tmp_path: Path) -> None:
    settings = load_settings(chunk_tokens=40, chunk_overlap=0)
    emb = HashEmbedder()
    run_ingest([_corpus(tmp_path)], settings, embedder=emb)
    snap = Snapshot.open_current(settings, emb.model_id)
    assert isinstance(snap.dense, VectorMatrix) and snap._store is None  # chroma not opened
    assert snap.dense_search == "matrix"
    snap.verify()  # opens the store of record and checks both
    for i in (0, 3, 11):
        q = emb.embed_query(f"word{i}x7 shared2")
        exact, approximate = snap.dense.query(q, 8), snap.store.query(q, 8)
        # the same scores, best first (ids may swap among equal scores: HNSW breaks ties
        # its own way)
        assert [s for _, s in exact] == pytest.approx([s for _, s in approximate], abs=1e-5)
        assert {c for c, s in exact if s > exact[-1][1] + 1e-5} <= {c for c, _ in approximate}
    snap.close()


def test_an_index_without_the_copy_is_searched_in_chroma_then_upgraded(
        tutor_home: Path, tmp_path: Path) -> None:
    settings = load_settings(chunk_tokens=40, chunk_overlap=0)
    emb = HashEmbedder()
    folder = _corpus(tmp_path)
    first = run_ingest([folder], settings, embedder=emb)
    path = generations.matrix_path(settings, first.generation)
    assert path is not None
    path.unlink()  # as an index built before the copy existed
    snap = Snapshot.open_current(settings, emb.model_id)
    assert snap.dense is snap.store and not isinstance(snap.dense, VectorMatrix)
    assert snap.dense_search == "store"
    assert snap.dense.query(emb.embed_query("word4x1"), 3)
    snap.close()
    again = run_ingest([folder], settings, embedder=emb)
    assert again.generation != first.generation
    assert isinstance(Snapshot.open_current(settings, emb.model_id).dense, VectorMatrix)


def test_memory_and_server_stores_keep_no_copy(tmp_path: Path) -> None:
    assert generations.matrix_path(load_settings(home=tmp_path, vector_store="memory"),
                                   "g1") is None
    assert generations.matrix_path(load_settings(home=tmp_path,
                                                 chroma_url="http://127.0.0.1:9"), "g1") is None
