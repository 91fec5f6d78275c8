"""Shared fixtures. Every test gets its own TUTOR_HOME; the real MiniLM model and the
indexes of the shipped notes and of ../shared/aws-docs are built once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
AWS_DOCS = SHARED / "aws-docs"
PDF_FIXTURES = SHARED / "pdf-fixtures"
NOTES = REPO / "corpus" / "notes"
CARDS = REPO / "corpus" / "cards"
# Embeddings are cached by text hash across sessions in this checkout (.test-cache/ is
# git-ignored); tests that count encoder calls use their own empty cache instead.
SHARED_CACHE = Path(os.environ.get("TUTOR_TEST_CACHE", REPO / ".test-cache"))
# One ONNX export of the bundled model serves every test, app and child process of the
# session (made once per checkout, ~20 s), instead of one per TUTOR_HOME.
ENCODERS = SHARED_CACHE / "encoders"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


# Fixtures that load the real MiniLM model or an index built with it: tests using them are
# marked "model" and left out of `make test-fast`.
MODEL_FIXTURES = {"minilm_base", "minilm", "minilm_torch", "notes_home", "awsdocs_home",
                  "notes_tutor", "awsdocs_tutor"}


# The background build of the session indexes (tests/session_indexes.py), when one runs.
_BUILDS: list = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.model)


@pytest.hookimpl(tryfirst=True)  # before the terminal reporter lists the collected tests
def pytest_collection_finish(session: pytest.Session) -> None:
    """Order the selected tests and start the background build of the indexes they need
    (after -m and -k have deselected what will not run)."""
    from tests.session_indexes import FIXTURES, Builds

    items = session.items
    # Tests that need no session index first, then those needing the notes, then the
    # aws-docs ones (each group in collection order): the indexes build in the background
    # meanwhile. A module-scoped fixture used by tests of two groups is set up once per group
    # (today only test_reliability_llm's fake server, which starts in milliseconds).
    def needs(item: pytest.Item) -> set[str]:
        used = set(getattr(item, "fixturenames", ()))
        return {name for name, fixture in FIXTURES.items() if fixture in used}

    def rank(item: pytest.Item) -> int:
        need = needs(item)
        return 2 if "awsdocs" in need else 1 if need else 0

    items.sort(key=rank)
    wanted = set().union(*(needs(item) for item in items)) if items else set()
    if not AWS_DOCS.is_dir():
        wanted.discard("awsdocs")
    if wanted and not session.config.option.collectonly:
        _BUILDS.append(Builds([n for n in FIXTURES if n in wanted]))


def _session_index(name: str, root: Path, embedder) -> Path:
    """The session index ``name`` from the background build, or built here when the session
    did not foresee it (a fixture requested by name at run time)."""
    from tests.session_indexes import SOURCES, build_home

    if _BUILDS and name in _BUILDS[0].names:
        return _BUILDS[0].home(name)
    return build_home(root, SOURCES[name], embedder)


def _clear_settings_cache() -> None:
    from tutor.config import get_settings

    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def tutor_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point all user state at a fresh folder; no test touches the real home."""
    home = tmp_path / "tutor-home"
    monkeypatch.setenv("TUTOR_HOME", str(home))
    for key in list(os.environ):
        if key.startswith("TUTOR_") and key not in ("TUTOR_HOME", "TUTOR_TEST_CACHE",
                                                     "TUTOR_TEST_SCREENSHOTS"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("TUTOR_ENCODER_DIR", str(ENCODERS))
    _clear_settings_cache()
    yield home
    _clear_settings_cache()


@pytest.fixture
def settings(tutor_home: Path):
    from tutor.config import load_settings

    return load_settings()


@pytest.fixture
def hash_embedder():
    from tutor.testing import HashEmbedder

    return HashEmbedder()


@pytest.fixture(scope="session")
def minilm_base():
    """The real bundled all-MiniLM-L6-v2 in the default runtime (ONNX, from the session's
    shared export), loaded once per session."""
    from tutor.embed.onnx_runtime import OnnxEmbedder

    emb = OnnxEmbedder(export_root=ENCODERS)
    emb.embed_query("warm up")
    return emb


@pytest.fixture(scope="session")
def minilm_torch():
    """The same model in PyTorch (the ``torch`` runtime), for tests that compare runtimes."""
    from tutor.embed.torch_runtime import SentenceTransformerEmbedder

    emb = SentenceTransformerEmbedder()
    emb.embed_query("warm up")
    return emb


@pytest.fixture(scope="session")
def minilm(minilm_base):
    """MiniLM behind the shared on-disk embedding cache."""
    from tutor.embed.cache import CachedEmbedder

    return CachedEmbedder(minilm_base, SHARED_CACHE)


@pytest.fixture(scope="session")
def notes_home(tmp_path_factory: pytest.TempPathFactory, minilm) -> Path:
    """A TUTOR_HOME holding the shipped study notes and concept cards (as `make run` indexes
    them), with the real model."""
    return _session_index("notes", tmp_path_factory.mktemp("notes-index"), minilm)


@pytest.fixture(scope="session")
def awsdocs_home(tmp_path_factory: pytest.TempPathFactory, minilm) -> Path:
    """A TUTOR_HOME holding all of ../shared/aws-docs (601 pages), real model. Minutes, once."""
    if not AWS_DOCS.is_dir():
        pytest.skip(f"{AWS_DOCS} is not present")
    return _session_index("awsdocs", tmp_path_factory.mktemp("awsdocs-index"), minilm)


def tutor_for(home: Path, embedder, monkeypatch: pytest.MonkeyPatch | None = None, **overrides):
    """A Tutor over an existing home (read-only use of session indexes)."""
    from tutor.config import load_settings
    from tutor.service import Tutor

    if monkeypatch is not None:
        monkeypatch.setenv("TUTOR_HOME", str(home))
        _clear_settings_cache()
    return Tutor(load_settings(home=home, **overrides), embedder=embedder)


@pytest.fixture
def notes_tutor(notes_home: Path, minilm):
    return tutor_for(notes_home, minilm)


@pytest.fixture
def awsdocs_tutor(awsdocs_home: Path, minilm):
    return tutor_for(awsdocs_home, minilm)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory):
    """A real Chroma server on 127.0.0.1, started for the session and stopped after."""
    from tests.chroma_server import ChromaServer

    server = ChromaServer(tmp_path_factory.mktemp("chroma-server") / "data").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_cluster():
    """A real PostgreSQL cluster on 127.0.0.1 (Debian's initdb/pg_ctl), for the session.

    It lives in a folder of its own under /tmp: when the tests run as root the server runs as
    the postgres user, which cannot enter pytest's private temporary folders.
    """
    import shutil
    import tempfile

    from deploy.postgres import PostgresCluster
    from tests.chroma_server import free_port

    folder = Path(tempfile.mkdtemp(prefix="tutor-test-pg-"))
    cluster = PostgresCluster(folder, free_port())
    try:
        cluster.init()
        cluster.start()
    except (RuntimeError, OSError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL for the tests: {exc}")
    yield cluster
    from tutor.postgres import close_pools

    close_pools()
    cluster.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def database_url(pg_cluster, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh, migrated database of its own for one test; TUTOR_DATABASE_URL points at it."""
    import uuid

    from tests.team_support import create_database, drop_database
    from tutor.migrate import migrate

    url = create_database(pg_cluster.url, f"t_{uuid.uuid4().hex[:12]}")
    migrate(url)
    monkeypatch.setenv("TUTOR_DATABASE_URL", url)
    _clear_settings_cache()
    yield url
    drop_database(pg_cluster.url, url)



def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Wait for the app's warm-up threads (daemons that load the encoder and open the index):
    one still inside onnxruntime when the interpreter exits is killed mid-C++, and the process
    aborts after every test passed ("terminate called without an active exception")."""
    import threading

    for thread in threading.enumerate():
        if thread.name.startswith("warm-"):
            thread.join(timeout=120)
    for builds in _BUILDS:
        builds.close()
