"""The whole team deployment of `make team` (deploy/team.py) in a temporary home, on free
loopback ports: PostgreSQL (initdb/pg_ctl), `chroma run`, two app processes behind nginx.

In a real browser: two learners in two browser contexts see their own progress pages, and a
file an admin uploads on the Library page is cited in a learner's answer. Then a small run
of the load test (deploy/loadtest.py) kills one app process half-way: no attempt is lost, no
request fails, and that process's learners finish on the other. (The full-size load test is
`make team-load`; its figures are in the README.)
"""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chroma_server import free_port
from tests.conftest import NOTES
from tests.quiz_data import single_item
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, ask, settle, shoot

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.postgres, pytest.mark.http]
PW = "learner password"
UPLOAD = ("# Zephyr batch quotas\n\nThe Zephyr batch service allows at most 42 parallel jobs "
          "per account, and a job that waits longer than nine hours is cancelled.\n")


@pytest.fixture(scope="module")
def team() -> Iterator[object]:
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        pytest.fail("nginx is not installed: run `make team-deps`")
    from deploy.team import Ports, Team
    from tutor.auth import Role
    from tutor.auth.accounts import Accounts
    from tutor.config import load_settings

    # Not under pytest's private temporary folder: as root, PostgreSQL runs as the postgres
    # user, which must be able to reach its data folder.
    root = Path(tempfile.mkdtemp(prefix="tutor-team-"))
    root.chmod(0o755)
    home = root / "home"
    ports = Ports(postgres=free_port(), chroma=free_port(), apps=[free_port(), free_port()],
                  nginx=free_port())
    team = Team(home, ports)
    try:
        team.up(ingest=NOTES / "domain-3")
        accounts = Accounts(load_settings(home=home, database_url=team.cluster.url,
                                          chroma_url=team.env()["TUTOR_CHROMA_URL"]))
        for name in ("ana", "ben"):
            accounts.add(name, Role.learner, PW)
        yield team
    finally:
        from tutor.postgres import close_pools

        close_pools()
        team.down()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing (make browser-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def sign_in(browser, url: str, name: str, password: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(url)
    page.get_by_role("heading", name="Sign in to the MLA-C01 tutor").wait_for()
    page.get_by_role("textbox", name="Account").fill(name)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    settle(page)
    page.get_by_text(f"Signed in as {name}").wait_for()
    return page


def open_page(page, url: str, path: str, heading: str) -> str:  # type: ignore[no-untyped-def]
    page.get_by_role("link", name=heading).click()
    settle(page)
    page.get_by_role("heading", name=heading, level=1).wait_for()
    return str(page.get_by_test_id("stMain").inner_text())


@pytest.mark.browser
def test_learners_see_their_own_progress_and_cite_an_admins_upload(team, browser,
                                                                   tmp_path: Path) -> None:
    from tutor.auth.accounts import Accounts
    from tutor.config import load_settings
    from tutor.progress.postgres import PostgresProgressStore

    accounts = Accounts(load_settings(home=team.home, database_url=team.cluster.url,
                                      chroma_url=team.env()["TUTOR_CHROMA_URL"]))
    ana_id, ben_id = accounts.get("ana").id, accounts.get("ben").id
    for n in range(3):
        PostgresProgressStore(team.cluster.url, ana_id).record(
            single_item(id=f"q-ana-{n}"), "B", True)
    for n in range(2):
        PostgresProgressStore(team.cluster.url, ben_id).record(
            single_item(id=f"q-ben-{n}", domain=1, task="1.1"), "A", False)

    ana = sign_in(browser, team.url, "ana", PW)
    ben = sign_in(browser, team.url, "ben", PW)
    for page in (ana, ben):  # learners have no admin pages
        nav = page.get_by_test_id("stSidebarNav").inner_text()
        assert "Library" not in nav and "Settings" not in nav and "Progress" in nav
    ana_progress = open_page(ana, team.url, "progress", "Progress")
    ben_progress = open_page(ben, team.url, "progress", "Progress")
    assert "3 answered" in ana_progress and "2 answered" not in ana_progress
    assert "2 answered" in ben_progress and "3 answered" not in ben_progress
    shoot(ana, "team-progress-ana")

    admin_pw = (team.folder / "admin-password").read_text().strip()
    admin = sign_in(browser, team.url, "admin", admin_pw)
    open_page(admin, team.url, "library", "Library")
    upload = tmp_path / "zephyr-quotas.md"
    upload.write_text(UPLOAD)
    admin.locator("input[type=file]").set_input_files(str(upload))
    admin.get_by_role("button", name="Add to the library").click()
    settle(admin)
    admin.get_by_text("Index updated").wait_for()
    shoot(admin, "team-library-admin")

    open_page(ana, team.url, "", "Chat")
    ask(ana, "How many parallel jobs does the Zephyr batch service allow?")
    answer = ana.get_by_test_id("stChatMessage").nth(1).inner_text()
    assert "42" in answer and re.search(r"\[\d+\]", answer)
    labels = ana.get_by_test_id("stExpander").all_inner_texts()
    assert any("Zephyr batch quotas" in label for label in labels), labels
    shoot(ana, "team-chat-upload-cited")
    for page in (ana, ben, admin):
        page.context.close()


def test_load_with_one_app_process_killed_loses_nothing(team) -> None:
    from deploy.loadtest import run

    result = asyncio.run(run(team, learners=10, asks=2, items=5, kill_one=True,
                             deadline=600))
    assert result["killed"] is not None
    assert result["attempts_sent"] == 50 == result["attempts_stored"]
    assert result["lost"] == 0 and result["error_responses"] == 0, result["errors"]
    assert result["learners_moved_to_other_process"] >= 1
    assert result["asks"] == 20
