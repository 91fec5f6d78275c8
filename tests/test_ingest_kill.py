"""Issue 2 / issue 9 case 7: an ingest killed with SIGKILL at several points.

A real child process runs the ingest and parks at a stage; the test checks that the
previous index keeps serving while it is parked and after it is killed, then runs the
ingest again and checks that it completes with no duplicates and consistent counts.
"""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import pytest

from tests.fixtures.relkit import (
    Driver,
    assert_consistent,
    bm25_sources,
    index_state,
    make_corpus,
    marker,
    write_doc,
)

pytestmark = pytest.mark.server  # starts processes (see pyproject.toml)

# One paragraph per chunk, so the corpus below gives more than two embedding batches (256)
# and a Chroma write that the driver can interrupt halfway.
SMALL_CHUNKS = {"TUTOR_CHUNK_TOKENS": "40", "TUTOR_CHUNK_OVERLAP": "0"}


def _settings(home: Path):
    from tutor.config import load_settings

    return load_settings(home=home, chunk_tokens=40, chunk_overlap=0)


@pytest.fixture(scope="module")
def first_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A corpus of 20 files x 30 paragraphs, indexed once (cached-hash embedder).

    Returns (pristine copy, the folder that was ingested, the home). Each test restores the
    ingested folder in place, because the index records the absolute folder of its sources.
    """
    from ingest.job import run_ingest
    from tutor.embed.cache import CachedEmbedder
    from tutor.testing import HashEmbedder

    root = tmp_path_factory.mktemp("kill-template")
    pristine = make_corpus(root / "pristine", files=20, paragraphs=30)
    corpus = shutil.copytree(pristine, root / "corpus")
    home = root / "home"
    settings = _settings(home)
    report = run_ingest([corpus], settings,
                        embedder=CachedEmbedder(HashEmbedder(), settings.cache_dir))
    assert report.chunks_total >= 600
    return pristine, corpus, home


def _edit(corpus: Path) -> None:
    """Edit doc00, delete doc01, add doc99: names sort so the changes are embedded first."""
    write_doc(corpus / "doc00.md", "edited00", 30, title="Doc00")
    (corpus / "doc01.md").unlink()
    write_doc(corpus / "aa-new.md", "newdoc", 30)


@pytest.mark.parametrize("stage", ["walked", "chunked", "batch:2", "embedded", "chroma",
                                   "written"])
def test_kill_at_stage_keeps_serving_and_next_run_completes(
        stage: str, first_index: tuple[Path, Path, Path], tmp_path: Path) -> None:
    from ingest.job import run_ingest
    from tutor.embed.cache import CachedEmbedder
    from tutor.errors import IngestLockedError
    from tutor.index.generations import current_name
    from tutor.service import Tutor
    from tutor.testing import HashEmbedder

    pristine, corpus, template = first_index
    shutil.rmtree(corpus)
    shutil.copytree(pristine, corpus)
    home = shutil.copytree(template, tmp_path / "home")
    settings = _settings(home)
    before = index_state(settings)
    assert_consistent(before)
    _edit(corpus)

    driver = Driver(home, [corpus], stage, tmp_path, embedder="cached-hash", env=SMALL_CHUNKS)
    try:
        assert driver.wait_reached() == stage.partition(":")[0]
        # Parked mid-run: the old generation still serves, and a second writer is refused.
        assert current_name(settings) == before["generation"]
        tutor = Tutor(settings, embedder=HashEmbedder())
        hits = tutor.search(f"{marker('doc01', 3)} note", mode="bm25")
        assert hits and hits[0].chunk.source == "doc01.md"
        with pytest.raises(IngestLockedError):
            run_ingest([corpus], settings, embedder=HashEmbedder())
    finally:
        rc = driver.kill9()
    assert rc == -signal.SIGKILL

    # After the kill: same generation, intact, still answering.
    after_kill = index_state(settings)
    assert after_kill["generation"] == before["generation"]
    assert after_kill["chunk_ids"] == before["chunk_ids"]
    assert_consistent(after_kill)
    assert bm25_sources(settings, marker("doc01", 3)) == {"doc01.md"}
    # The kill landed where intended: a generation folder exists only once writing began.
    leftover = set(after_kill["generations"]) - set(before["generations"])
    assert bool(leftover) == (stage in ("chroma", "written"))

    # The next run completes the change: nothing duplicated, every store agrees.
    report = run_ingest([corpus], settings,
                        embedder=CachedEmbedder(HashEmbedder(), settings.cache_dir))
    final = index_state(settings)
    assert_consistent(final)
    assert final["generation"] == report.generation != before["generation"]
    assert len(final["chunk_ids"]) == report.chunks_total
    # Only the serving generation and the one it replaced remain; the killed run's
    # half-written generation is gone.
    assert set(final["generations"]) == {final["generation"], before["generation"]}
    assert "doc01.md" not in final["sources"] and "aa-new.md" in final["sources"]
    assert bm25_sources(settings, marker("doc00", 5)) == set()
    assert bm25_sources(settings, marker("edited00", 5)) == {"doc00.md"}
    assert bm25_sources(settings, marker("newdoc", 5)) == {"aa-new.md"}
    changes = {f.path: f.change for f in report.files}
    assert changes["doc00.md"] == "updated" and changes["aa-new.md"] == "added"
    assert changes["doc01.md"] == "removed" and changes["doc05.md"] == "unchanged"
    if stage.startswith("batch"):
        # Two batches were encoded and cached before the kill; the re-run does not redo them.
        assert report.embedded < report.chunks_added
