"""The real app in a real browser: `streamlit run ui/app.py` on loopback, driven by headless
Chromium through Playwright.

Covers asking a question and reading a cited answer, answering a practice item and reading
its explanation, and two concurrent browser sessions that must not see each other's chat or
quiz. Screenshots of every page go to test-artifacts/; ``make screenshots`` also copies them
to docs/screenshots/ (shown in the README) by setting TUTOR_TEST_SCREENSHOTS, so an ordinary
test run never rewrites tracked files.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.conftest import ENCODERS, REPO

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
# Where to copy the screenshots as well (make screenshots: docs/screenshots); None: nowhere.
SCREENSHOTS = (REPO / os.environ["TUTOR_TEST_SCREENSHOTS"]
               if os.environ.get("TUTOR_TEST_SCREENSHOTS") else None)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
QUESTION = "When should I use SageMaker asynchronous inference?"
OTHER_QUESTION = "How does AWS KMS envelope encryption work?"
# Generous waits for the app to react; they bound a hang, they do not measure speed.
STARTUP_WAIT_S = 120
PRACTICE_ANSWERS = 2
ANSWER_WAIT_MS = 180_000
STEP_WAIT_MS = 60_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="/usr/bin/chromium is missing (the Makefile installs it with "
                              "apt-get: make browser-deps)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_WAIT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"streamlit did not become healthy:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def app_url(notes_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app served by a real `python -m ui` over a copy of the session notes index.

    A copy, because practice answers are written to the progress database under TUTOR_HOME
    and the session index is shared with other tests.
    """
    home = tmp_path_factory.mktemp("browser") / "home"
    shutil.copytree(notes_home, home, ignore=shutil.ignore_patterns("progress.sqlite3*"))
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / "streamlit.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUTOR_")}
    env.update(TUTOR_HOME=str(home), TUTOR_ENCODER_DIR=str(ENCODERS), HF_HUB_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1",
               ANONYMIZED_TELEMETRY="False", PYTHONUNBUFFERED="1")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        proc = subprocess.Popen(
            # `python -m ui` as `make run` starts it: warming up from process start.
            [sys.executable, "-m", "ui", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
        try:
            _wait_healthy(url, proc, log)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    assert "Traceback" not in log.read_text(), "the server logged an unexpected error"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def new_page(browser: Browser, url: str, path: str = "") -> Page:
    """A fresh browser context (its own Streamlit session) opened at ``path``."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(STEP_WAIT_MS)
    page.goto(f"{url}/{path}")
    page.get_by_test_id("stApp").wait_for()
    page.get_by_role("heading", level=1).first.wait_for()
    return page


# Streamlit marks its root element with the state of the script run.
SCRIPT_STATE = ("document.querySelector('[data-testid=stApp]')"
                "?.getAttribute('data-test-script-state')")


def settle(page: Page) -> None:
    """Wait until the script runs triggered by the last interaction have finished: idle, and
    still idle a moment later (an st.rerun starts a second run right after the first)."""
    # The run may start a moment after the click, or be over already (or never be needed).
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(f"() => {SCRIPT_STATE} === 'running'", timeout=2000)
    while True:
        page.wait_for_function(f"() => {SCRIPT_STATE} !== 'running'", timeout=ANSWER_WAIT_MS)
        page.wait_for_timeout(700)
        if page.evaluate(f"() => {SCRIPT_STATE}") != "running":
            return


def shoot(page: Page, name: str) -> None:
    """Save a screenshot once lazily loaded widgets have replaced their placeholders."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('[data-testid=stSkeleton]')")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    if SCREENSHOTS is not None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ARTIFACTS / f"{name}.png", SCREENSHOTS / f"{name}.png")


def ask(page: Page, question: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    box.press("Enter")
    settle(page)


def assistant_text(page: Page) -> str:
    return page.get_by_test_id("stChatMessage").nth(1).inner_text()


def test_ask_a_question_and_see_a_cited_answer(browser, app_url):
    page = new_page(browser, app_url)
    ask(page, QUESTION)
    answer = assistant_text(page)
    markers = sorted({int(n) for n in re.findall(r"\[(\d+)\]", answer.split("Answered by")[0])})
    assert markers and markers[0] == 1
    sources = page.get_by_test_id("stExpander")
    labels = [sources.nth(i).inner_text().split("\n")[-1] for i in range(sources.count())]
    assert [int(re.search(r"\[(\d+)\]", label).group(1)) for label in labels] == markers
    sources.first.locator("summary").click()
    quote = sources.first.locator("blockquote")
    quote.wait_for()
    assert len(quote.inner_text()) > 20
    assert "\\" not in answer  # escaping never shows through as backslashes
    shoot(page, "chat")
    page.context.close()


def answer_current_item(page: Page) -> None:
    """Fill in whatever kind of question is shown: radio, checkboxes or select boxes."""
    form = page.get_by_test_id("stForm")
    radios = form.get_by_role("radio")
    if radios.count():
        radios.first.check(force=True)
    boxes = form.get_by_test_id("stCheckbox")
    if boxes.count():
        need = int(re.search(r"Choose (\d+)", form.inner_text()).group(1))
        for i in range(need):
            boxes.nth(i).locator("label").click()
    selects = form.get_by_test_id("stSelectbox")
    for i in range(selects.count()):
        selects.nth(i).click()
        page.get_by_role("option").nth(i).click()
    form.get_by_role("button", name="Submit answer").click()
    settle(page)


def start_practice(page: Page) -> None:
    page.get_by_role("button", name="Start practice").click()
    settle(page)
    page.get_by_test_id("stForm").wait_for()


def test_answer_a_practice_item_and_see_the_explanation(browser, app_url):
    page = new_page(browser, app_url, "practice")
    start_practice(page)
    shoot(page, "practice")
    answer_current_item(page)
    verdict = page.get_by_test_id("stAlert").first.inner_text()
    assert "Correct." in verdict or "Not quite." in verdict
    body = page.get_by_test_id("stMain").inner_text()
    assert re.search(r"(Answer|Correct order|Correct pairs):", body)
    assert page.get_by_test_id("stExpander").count() >= 1  # the cited passages
    assert re.search(r"Score\s+[01] / 1", body)
    shoot(page, "practice-explained")
    page.get_by_role("button", name="Next question").click()
    settle(page)
    page.get_by_test_id("stForm").wait_for()
    page.context.close()


def test_two_sessions_do_not_share_chat_or_quiz(browser, app_url):
    first = new_page(browser, app_url)
    second = new_page(browser, app_url)
    ask(first, QUESTION)
    ask(second, OTHER_QUESTION)
    first_questions = first.get_by_test_id("stChatMessage").all_inner_texts()
    second_questions = second.get_by_test_id("stChatMessage").all_inner_texts()
    assert len(first_questions) == 2 and len(second_questions) == 2
    assert QUESTION in first_questions[0] and OTHER_QUESTION not in " ".join(first_questions)
    assert OTHER_QUESTION in second_questions[0] and QUESTION not in " ".join(second_questions)

    first.get_by_role("link", name="Practice").click()
    settle(first)
    start_practice(first)
    second.get_by_role("link", name="Practice").click()
    settle(second)
    assert second.get_by_role("button", name="Start practice").is_visible()
    assert second.get_by_test_id("stForm").count() == 0
    second.get_by_role("link", name="Chat").click()
    settle(second)
    assert len(second.get_by_test_id("stChatMessage").all_inner_texts()) == 2
    first.context.close()
    second.context.close()


def test_screenshots_of_every_page(browser, app_url):
    page = new_page(browser, app_url, "practice")
    start_practice(page)
    for _ in range(PRACTICE_ANSWERS):  # something for the Progress page to chart
        answer_current_item(page)
        page.get_by_role("button", name="Next question").click()
        settle(page)
    page.goto(f"{app_url}/mock_exam")
    page.get_by_role("heading", name="Mock exam", level=1).wait_for()
    page.get_by_role("button", name="Start the mock exam").click()
    settle(page)
    page.get_by_text("Question 1 of 65").wait_for()
    settle(page)
    page.get_by_role("checkbox", name="Flag for review").wait_for()
    shoot(page, "mock-exam")
    for path, name, heading in [("progress", "progress", "Progress"),
                                ("library", "library", "Library"),
                                ("settings", "settings", "Settings")]:
        page.goto(f"{app_url}/{path}")
        page.get_by_role("heading", name=heading, level=1).wait_for()
        settle(page)
        assert page.get_by_test_id("stException").count() == 0
        shoot(page, name)
    page.context.close()
    for name in ("mock-exam", "progress", "library", "settings"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000
