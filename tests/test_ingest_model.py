"""Issue 2 / issue 9 case 10: an index is never queried with another embedding model.

The model's id and dimension are stored with the index (manifest and Chroma collection);
a different configured model is refused before any query, with a message to rebuild.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.relkit import child_env, make_corpus
from tutor.testing import CountingEmbedder, HashEmbedder


def test_real_minilm_index_refuses_another_model_before_any_query(notes_home: Path) -> None:
    from tutor.config import load_settings
    from tutor.errors import ModelMismatchError
    from tutor.index.snapshot import Snapshot
    from tutor.service import Tutor

    settings = load_settings(home=notes_home)
    manifest = Snapshot.open_current(settings).manifest
    assert manifest.model_id == "sentence-transformers/all-MiniLM-L6-v2"
    assert manifest.dim == 384
    other = CountingEmbedder(HashEmbedder(model_id="test:other-model"))
    tutor = Tutor(settings, embedder=other)
    for thread in tutor.warm_up():  # as `tutor ask` does: the encoder is not warmed either
        thread.join()
    for call in (lambda: tutor.ask("What is SageMaker Clarify?"),
                 lambda: tutor.search("What is SageMaker Clarify?"),
                 lambda: list(tutor.stream("What is SageMaker Clarify?"))):
        with pytest.raises(ModelMismatchError, match="rebuild"):
            call()
    assert other.queries == 0


def test_cli_refuses_a_changed_model_with_a_rebuild_message(notes_home: Path) -> None:
    """The real `tutor ask` with TUTOR_EMBED_MODEL changed: a clear error, no traceback."""
    done = subprocess.run(
        [sys.executable, "-m", "tutor.cli", "ask", "What is SageMaker Clarify?"],
        env=child_env(notes_home, TUTOR_EMBED_MODEL="intfloat/e5-small-v2"),
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 1
    assert "rebuild" in done.stderr and "intfloat/e5-small-v2" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_ingest_with_another_model_needs_rebuild(tmp_path: Path, settings) -> None:
    from ingest.job import run_ingest
    from tutor.errors import ModelMismatchError
    from tutor.index.generations import current_name
    from tutor.index.snapshot import Snapshot
    from tutor.service import Tutor

    corpus = make_corpus(tmp_path / "corpus", files=2, paragraphs=4)
    first = CountingEmbedder(HashEmbedder(model_id="test:model-a"))
    run_ingest([corpus], settings, embedder=first)
    serving = current_name(settings)

    second = CountingEmbedder(HashEmbedder(model_id="test:model-b"))
    with pytest.raises(ModelMismatchError, match="--rebuild"):
        run_ingest([corpus], settings, embedder=second)
    assert current_name(settings) == serving

    report = run_ingest([corpus], settings, embedder=second, rebuild=True)
    assert report.embedded == report.chunks_total > 0
    snap = Snapshot.open_current(settings, "test:model-b")
    assert snap.store.model_info().model_id == "test:model-b"
    assert Tutor(settings, embedder=second).search("doc00p1 note")
    with pytest.raises(ModelMismatchError):
        Tutor(settings, embedder=first).search("doc00p1 note")
    assert first.queries == 0
