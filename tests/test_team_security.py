"""Roles and isolation in team mode, on a real PostgreSQL: a learner reaches no admin page
and no admin action through the library API, the CLI or the HTTP API; no learner reads
another's progress by id; sign-in throttling holds over HTTP too."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient
from typer.testing import CliRunner

from tests.quiz_data import single_item
from tests.ui_support import PAGES, app_factory
from tutor.auth import Role, User
from tutor.config import load_settings
from tutor.errors import AccessDeniedError

pytestmark = pytest.mark.postgres
PW = "a long password"


@pytest.fixture
def team(database_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, User]:
    """Team mode with vectors in this process (no index is needed to check who may do what):
    an admin, and learners ana and ben."""
    from tests.conftest import _clear_settings_cache
    from tutor.auth.accounts import Accounts

    monkeypatch.setenv("TUTOR_VECTOR_STORE", "memory")
    _clear_settings_cache()
    accounts = Accounts(load_settings())
    users = {}
    for name, role in (("boss", Role.admin), ("ana", Role.learner), ("ben", Role.learner)):
        accounts.add(name, role, PW)
        users[name] = accounts.sign_in(name, PW, "test").user
    return users


def test_the_library_api_refuses_learners_and_nobody(team, tmp_path: Path, hash_embedder) -> None:
    from ingest.docs import fetch_docs, load_manifest
    from ingest.job import run_ingest
    from tutor.library import save_upload

    settings = load_settings()
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "a.md").write_text("# A\n\nSageMaker Neo compiles models.\n")
    for who in (team["ana"], None):
        with pytest.raises(AccessDeniedError, match="Only an admin can change the library"):
            run_ingest([folder], settings, embedder=hash_embedder, user=who)
        with pytest.raises(AccessDeniedError, match="upload files"):
            save_upload(settings, "x.md", b"# x\n", user=who)
        with pytest.raises(AccessDeniedError, match="fetch documentation"):
            fetch_docs(settings, [], manifest=load_manifest(), source_dir=tmp_path, user=who)
    assert not settings.uploads_dir.exists()
    assert save_upload(settings, "x.md", b"# x\n", user=team["boss"]).is_file()
    assert run_ingest([folder], settings, embedder=hash_embedder, user=team["boss"]).generation


def _cli(*args: str, user: str | None = None) -> Any:
    from tutor.cli import app, load_plugins

    load_plugins()
    env = {"TUTOR_USER": user, "TUTOR_PASSWORD": PW} if user else {}
    return CliRunner().invoke(app, list(args), env=env)


def test_the_cli_refuses_admin_actions_to_learners(team, tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "a.md").write_text("# A\n\nText.\n")
    for args in (["ingest", str(folder)], ["users", "list"], ["users", "disable", "ben"],
                 ["users", "add", "cy", "--password-stdin"],
                 ["docs", "fetch", "--from", str(tmp_path)],
                 ["export-progress", "--learner", "ben", "--out", str(tmp_path / "b.json")]):
        done = _cli(*args, user="ana")
        assert done.exit_code == 1, (args, done.output)
        assert "Only an admin" in done.output or "another learner" in done.output, args
    assert _cli("ingest", str(folder)).exit_code == 2  # team mode: no account, no action
    assert _cli("users", "list", user="boss").exit_code == 0
    own = _cli("export-progress", "--out", str(tmp_path / "a.json"), user="ana")
    assert own.exit_code == 0 and (tmp_path / "a.json").is_file()


def _client() -> TestClient:
    from ui.api import routes

    return TestClient(Starlette(routes=routes))


def _token(client: TestClient, name: str) -> dict[str, str]:
    reply = client.post("/api/v1/signin", json={"name": name, "password": PW})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['token']}"}


def test_the_http_api_keeps_learners_to_their_own_records(team) -> None:
    from tutor.progress import open_progress_store

    settings = load_settings()
    ana_store = open_progress_store(settings, team["ana"])
    ana_store.record(single_item(), "A", False)
    ana_attempt = ana_store.attempts()[0].id
    client = _client()
    ana, ben = _token(client, "ana"), _token(client, "ben")
    assert client.get(f"/api/v1/attempts/{ana_attempt}", headers=ana).json()["answer"] == "A"
    assert client.get(f"/api/v1/attempts/{ana_attempt}", headers=ben).status_code == 404
    assert client.get("/api/v1/progress", headers=ben).json()["attempts"] == 0
    assert client.get("/api/v1/progress", headers=ana).json()["attempts"] == 1
    upload = client.post("/api/v1/library/files", headers=ana,
                         json={"name": "x.md", "text": "# x"})
    assert upload.status_code == 403 and "Only an admin" in upload.json()["error"]
    assert client.get("/api/v1/progress").status_code == 401
    assert client.get("/api/v1/progress",
                      headers={"Authorization": "Bearer forged"}).status_code == 401


def test_sign_in_throttling_holds_over_http(team) -> None:
    client = _client()
    codes = [client.post("/api/v1/signin", json={"name": "ben", "password": "guess"}
                         ).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    right = client.post("/api/v1/signin", json={"name": "ben", "password": PW})
    assert right.status_code == 429  # the right password does not get past the throttle


@pytest.fixture
def make_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Any]]:
    with app_factory(monkeypatch) as make:
        yield make


def _signed_in_app(make_app, name: str) -> Any:
    from tutor.auth.accounts import Accounts

    at = make_app()
    at.session_state["auth.token"] = Accounts(load_settings()).sign_in(name, PW, "t").token
    return at


def test_the_app_asks_for_sign_in_and_hides_admin_pages_from_learners(team, make_app) -> None:
    at = make_app().run()
    assert [t.value for t in at.title] == ["Sign in to the MLA-C01 tutor"]
    assert not at.chat_input
    learner = _signed_in_app(make_app, "ana").run()
    assert not learner.exception and learner.chat_input  # the chat page
    # A learner's navigation does not hold the admin pages at all: there is nothing to
    # switch to (a browser asking for their URL gets Streamlit's "page not found").
    for page in (PAGES["library"], PAGES["settings"], "views/learners.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            learner.switch_page(page)
    learner.switch_page(PAGES["progress"]).run()
    assert "Progress" in [t.value for t in learner.title]
    admin = _signed_in_app(make_app, "boss").run()
    admin.switch_page(PAGES["library"]).run()
    assert "Library" in [t.value for t in admin.title] and not admin.exception
    admin.switch_page("views/learners.py").run()
    assert "Learners" in [t.value for t in admin.title]
