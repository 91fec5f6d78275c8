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
from concurrent.futures import ThreadPoolExecutor
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


def open_page(page, heading: str, ready: str | None = None) -> str:  # type: ignore[no-untyped-def]
    """Go to a page by its navigation link; its main text once ``ready`` shows (on a busy
    machine widgets such as metrics arrive a while after the page's first elements)."""
    page.get_by_role("link", name=heading).click()
    settle(page)
    page.get_by_role("heading", name=heading, level=1).wait_for()
    page.wait_for_function("() => !document.querySelector('[data-testid=stSkeleton]')")
    if ready is not None:
        page.get_by_text(ready).first.wait_for()
    return str(page.get_by_test_id("stMain").inner_text())


@pytest.mark.browser
def test_learners_see_their_own_progress_and_cite_an_admins_upload(team, browser,
                                                                   tmp_path: Path) -> None:
    from tutor.auth.accounts import Accounts
    from tutor.config import load_settings
    from tutor.progress.postgres_store import PostgresProgressStore

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
    ana_progress = open_page(ana, "Progress", "answered")
    ben_progress = open_page(ben, "Progress", "answered")
    assert "3 answered" in ana_progress and "2 answered" not in ana_progress
    assert "2 answered" in ben_progress and "3 answered" not in ben_progress
    shoot(ana, "team-progress-ana")

    admin_pw = (team.folder / "admin-password").read_text().strip()
    admin = sign_in(browser, team.url, "admin", admin_pw)
    open_page(admin, "Library")
    upload = tmp_path / "zephyr-quotas.md"
    upload.write_text(UPLOAD)
    admin.locator("input[type=file]").set_input_files(str(upload))
    admin.get_by_role("button", name="Add to the library").click()
    settle(admin)
    admin.get_by_text("Index updated").wait_for()
    shoot(admin, "team-library-admin")

    ana.get_by_role("link", name="Chat").click()
    settle(ana)
    ana.get_by_test_id("stChatInputTextArea").wait_for()
    ask(ana, "How many parallel jobs does the Zephyr batch service allow?")
    answer = ana.get_by_test_id("stChatMessage").nth(1).inner_text()
    assert "42" in answer and re.search(r"\[\d+\]", answer)
    labels = ana.get_by_test_id("stExpander").all_inner_texts()
    assert any("Zephyr batch quotas" in label for label in labels), labels
    shoot(ana, "team-chat-upload-cited")
    for page in (ana, ben, admin):
        page.context.close()


@pytest.mark.browser
def test_a_learner_whose_app_process_dies_signs_in_on_the_other_and_loses_nothing(
        team, browser) -> None:
    import os
    import signal
    import time

    from deploy.team import alive, wait_http
    from tests.test_browser import answer_current_item, start_practice
    from tutor.auth import Role
    from tutor.auth.accounts import Accounts
    from tutor.config import load_settings

    Accounts(load_settings(home=team.home, database_url=team.cluster.url,
                           chroma_url=team.env()["TUTOR_CHROMA_URL"])).add("cy", Role.learner, PW)
    cy = sign_in(browser, team.url, "cy", PW)
    open_page(cy, "Practice")
    start_practice(cy)
    answer_current_item(cy)
    assert "1 answered" in open_page(cy, "Progress", "answered")

    def serving_port() -> int:  # the app process nginx sends this browser to (same cookie)
        reply = cy.context.request.get(f"{team.url}/api/v1/health")
        assert reply.ok
        return int(reply.headers["x-upstream"].rsplit(":", 1)[1])

    port = serving_port()
    n = team.ports.apps.index(port) + 1
    pid = team.pids[f"app{n}"]
    os.killpg(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    try:
        cy.reload()
        # The other process knows nothing of this browser: it asks for a sign-in again.
        cy.get_by_role("heading", name="Sign in to the MLA-C01 tutor").wait_for()
        cy.get_by_role("textbox", name="Account").fill("cy")
        cy.get_by_role("textbox", name="Password").fill(PW)
        cy.get_by_role("button", name="Sign in").click()
        settle(cy)
        cy.get_by_text("Signed in as cy").wait_for()
        assert serving_port() != port
        progress = open_page(cy, "Progress", "answered")
        assert "1 answered" in progress  # the attempt made on the dead process is all there
        shoot(cy, "team-failover-progress")
    finally:
        cy.context.close()
        team.start_app(n)  # the next test kills a process of its own
        wait_http(f"http://127.0.0.1:{port}/api/v1/health", f"app on {port}", 300)


def test_load_with_one_app_process_killed_loses_nothing(team) -> None:
    from deploy.loadtest import run

    # In a thread of its own: Playwright's sync API keeps an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        result = pool.submit(asyncio.run, run(team, learners=10, asks=2, items=5,
                                              kill_one=True, deadline=600)).result()
    assert result["killed"] is not None
    assert result["attempts_sent"] == 50 == result["attempts_stored"]
    assert result["lost"] == 0 and result["error_responses"] == 0, result["errors"]
    assert result["learners_moved_to_other_process"] >= 1
    assert result["asks"] == 20
