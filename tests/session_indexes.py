"""The session's two real indexes (the shipped notes and cards; ../shared/aws-docs), built by
one child process that starts with the session.

Most tests run on one core while the encoder can use both, so building the indexes beside
them, at a lower priority, puts the idle core to work; the tests that need an index are
ordered after the ones that do not (conftest.py), so they seldom wait. The child runs the
same ingest, with the same model, export and shared embedding cache, as an in-process build.

Run as ``python -m tests.session_indexes ROOT NAME...``: builds ``ROOT/NAME/home`` for each
NAME in order and writes ``ROOT/NAME.done`` when that home is complete.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import AWS_DOCS, CARDS, ENCODERS, NOTES, REPO, SHARED_CACHE

SOURCES: dict[str, list[Path]] = {"notes": [NOTES, CARDS], "awsdocs": [AWS_DOCS]}
# The session fixture that holds each index: a test needs the build if it uses the fixture.
FIXTURES = {"notes": "notes_home", "awsdocs": "awsdocs_home"}
NICENESS = 10  # below the tests, which must not slow down more than the idle core allows
PR_SET_PDEATHSIG = 1


def _child_setup() -> None:
    """Lower the child's priority, and have the kernel kill it if pytest dies without
    cleaning up (killed by a timeout or a signal), so no build outlives its session."""
    os.nice(NICENESS)
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def build_home(root: Path, paths: list[Path], embedder) -> Path:
    """Ingest ``paths`` into a new TUTOR_HOME under ``root`` (the default settings)."""
    from ingest.job import run_ingest
    from tutor.config import load_settings

    home = root / "home"
    report = run_ingest(paths, load_settings(home=home), embedder=embedder)
    if report.chunks_total <= 0:
        raise RuntimeError(f"indexing {paths} produced no chunks")
    return home


class Builds:
    """The child process and where its homes appear."""

    def __init__(self, names: list[str]):
        self.names = names
        self.root = Path(tempfile.mkdtemp(prefix="tutor-test-indexes-"))
        self.log = self.root / "build.log"
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("TUTOR_") or k == "TUTOR_TEST_CACHE"}
        # As the autouse tutor_home fixture arranges for in-process tests: default settings,
        # the session's one ONNX export, and no real home touched.
        env.update(TUTOR_ENCODER_DIR=str(ENCODERS), TUTOR_HOME=str(self.root / "unused-home"))
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tests.session_indexes", str(self.root), *names],
                cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                preexec_fn=_child_setup)

    def home(self, name: str) -> Path:
        """The finished home of ``name``, waiting for the child if need be; fails the
        requesting test with the child's log when the build failed."""
        done = self.root / f"{name}.done"
        while not done.exists():
            if self.proc.poll() is not None and not done.exists():
                tail = self.log.read_text(errors="replace")[-4000:]
                pytest.fail(f"building the {name} index failed (exit {self.proc.returncode}):\n"
                            f"{tail}")
            time.sleep(0.2)
        return self.root / name / "home"

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def main(argv: list[str]) -> int:
    from tutor.embed.cache import CachedEmbedder
    from tutor.embed.onnx_runtime import OnnxEmbedder

    root = Path(argv[0])
    embedder = CachedEmbedder(OnnxEmbedder(export_root=ENCODERS), SHARED_CACHE)
    for name in argv[1:]:
        build_home(root / name, SOURCES[name], embedder)
        (root / f"{name}.done").write_text("built\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
