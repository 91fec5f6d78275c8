"""Issue 2 / issue 9 case 8: one writer at a time.

A real child process holds the writer lock in the middle of an ingest; a second ingest,
in-process or through the real `tutor ingest` command, fails at once with a clear message
and changes nothing; the first then completes normally.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.relkit import Driver, assert_consistent, child_env, index_state, make_corpus

pytestmark = pytest.mark.server  # starts processes (see pyproject.toml)


def test_second_writer_fails_fast_and_first_completes(tmp_path: Path, settings,
                                                      hash_embedder) -> None:
    from ingest.job import run_ingest
    from tutor.errors import IngestLockedError
    from tutor.index.generations import current_name

    corpus = make_corpus(tmp_path / "corpus", files=4, paragraphs=6)
    run_ingest([corpus / "doc00.md"], settings, embedder=hash_embedder)
    serving = current_name(settings)

    driver = Driver(settings.home, [corpus], "chunked", tmp_path)
    try:
        driver.wait_reached()
        with pytest.raises(IngestLockedError, match="another ingest is already running"):
            run_ingest([corpus], settings, embedder=hash_embedder, rebuild=True)
        cli = subprocess.run(
            [sys.executable, "-m", "tutor.cli", "ingest", "--quiet", str(corpus)],
            env=child_env(settings.home), capture_output=True, text=True, timeout=300,
        )
        assert cli.returncode == 1
        assert "another ingest is already running" in cli.stderr
        assert "Traceback" not in cli.stderr + cli.stdout
        assert current_name(settings) == serving  # the refused writers touched nothing
        report = driver.resume()
    finally:
        if driver.proc.poll() is None:
            driver.kill9()

    assert {f["path"] for f in report["files"]} >= {f"doc{i:02d}.md" for i in range(4)}
    state = index_state(settings)
    assert state["generation"] == report["generation"] != serving
    assert_consistent(state)
    assert len(state["sources"]) == 4


def test_lock_is_released_when_a_run_fails(tmp_path: Path, settings, hash_embedder) -> None:
    from ingest.job import run_ingest
    from tutor.index.generations import current_name

    corpus = make_corpus(tmp_path / "corpus", files=2, paragraphs=4)

    def explode(stage: str) -> None:
        if stage == "embedded":
            raise RuntimeError("simulated failure after embedding")

    with pytest.raises(RuntimeError):
        run_ingest([corpus], settings, embedder=hash_embedder, hook=explode)
    assert current_name(settings) is None
    report = run_ingest([corpus], settings, embedder=hash_embedder)
    assert current_name(settings) == report.generation
    assert_consistent(index_state(settings))
