"""Issue 9, the index on disk: case 9 (damaged files detected at start-up by a probe in a
child process, and repaired by a rebuild) and case 11 (more chunks than Chroma's maximum
batch are written in batches).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.fixtures.relkit import assert_consistent, index_state, make_corpus

pytestmark = pytest.mark.server  # starts processes (see pyproject.toml)


def _settings(home: Path):
    from tutor.config import load_settings

    return load_settings(home=home, chunk_tokens=40, chunk_overlap=0)


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An index of ~1,200 chunks: enough that Chroma keeps its vectors in HNSW segment
    files rather than only in its SQLite log, so damaging those files matters."""
    from ingest.job import run_ingest
    from tutor.testing import HashEmbedder

    root = tmp_path_factory.mktemp("damage-template")
    corpus = make_corpus(root / "corpus", files=20, paragraphs=60)
    home = root / "home"
    report = run_ingest([corpus], _settings(home), embedder=HashEmbedder())
    assert report.chunks_total > 1000
    return corpus, home


def _gen(home: Path) -> Path:
    return home / "index" / "gens" / (home / "index" / "CURRENT").read_text().strip()


def _segment(home: Path) -> Path:
    return next(p for p in (_gen(home) / "chroma").iterdir() if p.is_dir())


def _truncate(path: Path, keep: float = 0.5) -> None:
    with open(path, "r+b") as fh:
        fh.truncate(int(path.stat().st_size * keep))


DAMAGE = {
    "sqlite-truncated": lambda h: _truncate(_gen(h) / "chroma" / "chroma.sqlite3"),
    "segment-deleted": lambda h: shutil.rmtree(_segment(h)),
    "vectors-emptied": lambda h: _truncate(_segment(h) / "data_level0.bin", 0),
    "chunks-truncated": lambda h: _truncate(_gen(h) / "chunks.jsonl"),
    "bm25-deleted": lambda h: shutil.rmtree(_gen(h) / "bm25"),
}


def test_probe_passes_a_healthy_index_and_an_empty_home(healthy, tmp_path: Path) -> None:
    from tutor.index.snapshot import probe_index

    assert probe_index(_settings(healthy[1])) is None
    assert probe_index(_settings(tmp_path / "nothing-here")) is None


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damage_is_detected_at_start_up_by_the_probe(damage: str, healthy,
                                                       tmp_path: Path) -> None:
    from tutor import prompts
    from tutor.index.snapshot import probe_index

    home = shutil.copytree(healthy[1], tmp_path / "home")
    DAMAGE[damage](home)
    message = probe_index(_settings(home))
    assert message is not None
    assert message.startswith(prompts.INDEX_DAMAGED.split("{")[0])
    assert "tutor ingest --rebuild" in message
    # Nothing queries the damaged files in this process: Chroma's native code can crash on
    # them (a zeroed data_level0.bin segfaults), which is why the probe is a child process.


@pytest.mark.parametrize(("damage", "rebuild"), [("sqlite-truncated", True),
                                                  ("vectors-emptied", False)])
def test_rebuild_or_rerun_restores_service(damage: str, rebuild: bool, healthy,
                                           tmp_path: Path) -> None:
    """--rebuild always repairs; a plain run repairs too, since it probes before keeping
    an index it would otherwise call unchanged."""
    from ingest.job import run_ingest
    from tutor.index.generations import current_name
    from tutor.index.snapshot import probe_index
    from tutor.service import Tutor
    from tutor.testing import HashEmbedder

    corpus, template = healthy
    home = shutil.copytree(template, tmp_path / "home")
    settings = _settings(home)
    DAMAGE[damage](home)
    damaged = current_name(settings)
    report = run_ingest([corpus], settings, embedder=HashEmbedder(), rebuild=rebuild)
    assert current_name(settings) == report.generation != damaged
    assert {f.change for f in report.files} == ({"added"} if rebuild else {"unchanged"})
    assert probe_index(settings) is None
    assert_consistent(index_state(settings))
    hits = Tutor(settings, embedder=HashEmbedder()).search("doc03p7 note")
    assert hits and hits[0].chunk.source == "doc03.md"


def test_more_chunks_than_the_maximum_batch_are_written_in_batches(tmp_path: Path) -> None:
    from tutor.errors import IndexDamagedError
    from tutor.index.chroma import ChromaStore
    from tutor.types import Chunk

    store = ChromaStore("batching", path=tmp_path / "chroma", model_id="test", dim=8, create=True)
    limit = store.batch_limit
    n = limit + 123
    chunks = [Chunk(id=f"c{i:06d}", text=f"passage {i}", source="big.md", title="Big",
                    position=i, content_hash=f"{i:064x}") for i in range(n)]
    vectors = np.random.default_rng(7).normal(size=(n, 8)).astype(np.float32)

    class OneBatch(ChromaStore):
        """The same store writing all chunks in one upsert, to show that Chroma refuses it."""

        batch_limit = n

    unbatched = OneBatch("one-batch", path=tmp_path / "chroma", model_id="test", dim=8,
                         create=True)
    with pytest.raises(IndexDamagedError, match=r"cannot be written.*(?i:batch)"):
        unbatched.add(chunks, vectors)
    assert unbatched.count() == 0
    store.add(chunks, vectors)
    assert store.count() == n
    assert sorted(store.ids()) == [c.id for c in chunks]
    best = store.query(vectors[n - 1], 1)
    assert best[0][0] == chunks[n - 1].id
