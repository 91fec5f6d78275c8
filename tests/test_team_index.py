"""The index in team mode: chunks, manifests and the serving pointer in a real PostgreSQL,
vectors in a real Chroma server, BM25 built in memory by each process.

Two "app processes" (children that search in a loop) see the same generation; an ingest in
a third process switches both, without a restart and without a failed query; an ingest
killed half-way leaves the old generation serving, and the next one cleans up after it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = [pytest.mark.postgres, pytest.mark.http, pytest.mark.server]
WORKER = REPO / "tests" / "fixtures" / "team_worker.py"
PW = "admin password 1"


def _doc(folder: Path, name: str, topic: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    body = "\n\n".join(f"The {topic} service handles case {n} with care and {topic} logs."
                       for n in range(6))
    (folder / name).write_text(f"---\ntitle: {topic.title()}\ndomain: 1\ntask: \"1.1\"\n---\n"
                               f"# {topic.title()}\n\n{body}\n")


@pytest.fixture
def team(database_url: str, chroma_server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Team-mode settings in this process and its children; an admin; a first generation."""
    from ingest.job import run_ingest
    from tests.conftest import _clear_settings_cache
    from tutor.auth import Role
    from tutor.auth.accounts import Accounts
    from tutor.config import load_settings
    from tutor.testing import HashEmbedder

    monkeypatch.setenv("TUTOR_CHROMA_URL", chroma_server.url)
    monkeypatch.setenv("TUTOR_COLLECTION", f"t{uuid.uuid4().hex[:10]}")
    _clear_settings_cache()
    settings = load_settings()
    accounts = Accounts(settings)
    accounts.add("boss", Role.admin, PW)
    admin = accounts.sign_in("boss", PW, "test").user
    corpus = tmp_path / "corpus"
    _doc(corpus, "alpha.md", "alpha")
    _doc(corpus, "beta.md", "beta")
    run_ingest([corpus], settings, embedder=HashEmbedder(), user=admin)
    return settings, corpus, admin


def _spawn(*args: str, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(WORKER), *args], cwd=REPO, env=os.environ.copy(),
                            stdout=out.open("w"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def _lines(path: Path) -> list[dict]:
    out = []
    for line in path.read_text().splitlines():
        if line.startswith("{"):
            out.append(json.loads(line))
    return out


def _wait(cond, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_catalog_lives_in_postgres_and_bm25_is_built_in_memory(team) -> None:
    from tutor.index import Snapshot
    from tutor.index.generations import open_generations
    from tutor.index.pgstore import PostgresGenerations
    from tutor.service import Tutor
    from tutor.testing import HashEmbedder

    settings, _, _ = team
    catalog = open_generations(settings)
    assert isinstance(catalog, PostgresGenerations)
    gen = catalog.current()
    assert gen is not None and catalog.names() == [gen]
    assert not (settings.index_dir / "gens").exists()  # nothing of the index on local disk
    snap = Snapshot.open_current(settings)
    assert snap.manifest.backend == settings.chroma_url and len(snap.chunks) >= 2
    assert set(snap.lexical.ids) == set(snap.chunks)
    snap.verify()
    tutor = Tutor(settings, embedder=HashEmbedder())
    assert tutor.search("beta logs", k=3, mode="bm25")[0].chunk.source == "beta.md"
    assert tutor.search("alpha service", k=3, mode="dense")


def test_an_ingest_in_a_third_process_switches_both_app_processes(team, tmp_path: Path) -> None:
    from tutor.index import current_name

    settings, corpus, _ = team
    first = current_name(settings)
    stop = tmp_path / "stop"
    logs = [tmp_path / "app1.log", tmp_path / "app2.log"]
    apps = [_spawn("serve", "--stop", str(stop), "--query", "zeta records", out=log)
            for log in logs]
    try:
        _wait(lambda: all(any(x.get("gen") == first for x in _lines(p)) for p in logs), 120,
              "both app processes to serve the first generation")
        _doc(corpus, "zeta.md", "zeta")
        done = subprocess.run([sys.executable, str(WORKER), "ingest", "--user", "boss",
                               "--password", PW, str(corpus)], cwd=REPO, capture_output=True,
                              text=True, timeout=300, env=os.environ.copy())
        assert done.returncode == 0, done.stderr
        second = current_name(settings)
        assert second != first
        _wait(lambda: all(any(x.get("gen") == second and "zeta.md" in x["sources"]
                              for x in _lines(p)) for p in logs), 120,
              "both app processes to switch to the new generation")
    finally:
        stop.write_text("stop")
        for app in apps:
            app.wait(timeout=30)
    for app, log in zip(apps, logs, strict=True):
        lines = _lines(log)
        assert [x for x in lines if not x["ok"]] == []  # no failed query, before or after
        assert {x["pid"] for x in lines} == {app.pid}  # the same process: no restart
        gens = [x["gen"] for x in lines]
        assert gens[0] == first and gens[-1] == second
        assert gens == sorted(gens, key=[first, second].index)  # switched once, forward


@pytest.mark.parametrize("stage", ["chroma", "written"])
def test_an_ingest_killed_half_way_leaves_the_old_generation_serving(
        team, tmp_path: Path, stage: str) -> None:
    from ingest.job import run_ingest
    from tutor.index import current_name
    from tutor.index.generations import open_generations
    from tutor.service import Tutor
    from tutor.testing import HashEmbedder

    settings, corpus, admin = team
    first = current_name(settings)
    _doc(corpus, "gamma.md", "gamma")
    marker = tmp_path / "parked"
    child = _spawn("ingest", "--user", "boss", "--password", PW, "--stage", stage,
                   "--marker", str(marker), str(corpus), out=tmp_path / "ingest.log")
    _wait(marker.exists, 120, f"the ingest to reach {stage}")
    half_built = set(open_generations(settings).names()) - {first}
    assert len(half_built) == 1  # reserved before its vectors went in
    os.killpg(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert current_name(settings) == first
    tutor = Tutor(settings, embedder=HashEmbedder())
    assert {h.chunk.source for h in tutor.search("gamma service", k=5)} <= {"alpha.md",
                                                                           "beta.md"}
    # The killed writer's advisory lock went with its connection: the next ingest runs,
    # publishes, and removes what the killed one left (row, chunks and Chroma collection).
    report = run_ingest([corpus], settings, embedder=HashEmbedder(), user=admin)
    assert current_name(settings) == report.generation != first
    assert half_built.isdisjoint(open_generations(settings).names())
    assert "gamma.md" in {h.chunk.source for h in tutor.search("gamma service", k=5)}
