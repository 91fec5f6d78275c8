"""Bank practice in the real app in a real browser: `streamlit run ui/app.py` driven by headless
Chromium, answering one item of each exam type (single answer, multiple response, ordering,
matching) and a case-study set, and reading the feedback each answer earns.

The practice set is made predictable through the real progress store rather than a seed:
every other task 1.1 unit is recorded as answered before the app starts, so "unseen first"
puts exactly the chosen items in the set (in a shuffled order the test reads off the page).
Practice from the bank needs no index, so the app serves an empty home.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.conftest import REPO
from tests.test_browser import (
    ARTIFACTS,
    CHROMIUM,
    _free_port,
    _wait_healthy,
    browser,  # noqa: F401 - the module-scoped Chromium fixture, shared
    new_page,
    settle,
)
from tutor import prompts
from tutor.quiz.bank_items import load_deck
from tutor.types import QuizItem

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing "
                       "(make browser-deps)"),
]
TASK = "1.1"
MARKUP = re.compile(r"[`*_\[\]<>]")


def flat(text: str) -> str:
    return " ".join(text.split())


def chosen_units() -> list[list[QuizItem]]:
    """One standalone item of each type and the first case study with task 1.1 items."""
    units = load_deck().units([TASK])
    picked: list[list[QuizItem]] = []
    for kind in ("single", "multiple", "ordering", "matching"):
        picked.append(next(u for u in units if u[0].case is None and u[0].type == kind
                           and not MARKUP.search(u[0].stem[:80])))
    picked.append(next(u for u in units if u[0].case is not None))
    return picked


@pytest.fixture(scope="module")
def practice_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The app over a fresh home whose progress store has every other 1.1 unit answered."""
    from tutor.config import load_settings
    from tutor.progress import open_progress_store

    home = tmp_path_factory.mktemp("browser-bank") / "home"
    home.mkdir()
    keep = {i.id for u in chosen_units() for i in u}
    store = open_progress_store(load_settings(home=home))
    for unit in load_deck().units([TASK]):
        for item in unit:
            if item.id not in keep:
                store.record(item, item.correct_keys, correct=True)
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / "streamlit-bank.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUTOR_")}
    env.update(TUTOR_HOME=str(home), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               ANONYMIZED_TELEMETRY="False", PYTHONUNBUFFERED="1")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "ui/app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            _wait_healthy(url, proc, log)
            yield url, home
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    assert "Traceback" not in log.read_text(), "the server logged an unexpected error"


def pick(page: Page, index: int, name: str) -> None:
    """Choose ``name`` in the ``index``-th select box of the question form."""
    page.get_by_test_id("stForm").get_by_test_id("stSelectbox").nth(index).click()
    page.get_by_role("option", name=name, exact=True).click()


def answer(page: Page, item: QuizItem, correct: bool) -> None:
    """Fill in the form shown for ``item`` through its widgets, rightly or wrongly."""
    form = page.get_by_test_id("stForm")
    keys = [o.key for o in item.options]
    text = {o.key: o.text for o in item.options}
    if item.type == "single":
        key = item.correct_keys[0] if correct else next(k for k in keys
                                                        if k not in item.correct_keys)
        form.get_by_role("radio").nth(keys.index(key)).check(force=True)
    elif item.type == "multiple":
        assert f"Choose {item.answer_count}." in form.inner_text()
        for key in item.correct_keys:
            form.get_by_test_id("stCheckbox").nth(keys.index(key)).locator("label").click()
    elif item.type == "ordering":
        order = item.order if correct else list(reversed(item.order))
        for pos, key in enumerate(order):
            pick(page, pos, f"{key}. {text[key]}")
    else:
        for n, key in enumerate(keys):
            pick(page, n, item.pairs[key])
    form.get_by_role("button", name="Submit answer").click()
    settle(page)


def test_answer_each_exam_type_and_a_case_study_set(browser, practice_app):  # noqa: F811
    url, home = practice_app
    units = chosen_units()
    items = [i for u in units for i in u]
    page = new_page(browser, url, "practice")
    page.get_by_text("Task statement", exact=True).click()
    settle(page)
    page.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name=re.compile(rf"^{re.escape(TASK)} ")).click()
    settle(page)
    page.get_by_label("Number of questions").fill(str(len(items)))
    page.get_by_label("Number of questions").press("Enter")
    settle(page)
    page.get_by_role("button", name="Start practice").click()
    settle(page)
    wrong = units[0][0]  # the single-answer item is answered wrongly, to see the teaching
    done: list[str] = []
    for n in range(len(items)):
        page.get_by_test_id("stForm").wait_for()
        shown = flat(page.get_by_test_id("stMain").inner_text())
        assert f"Question {n + 1} of {len(items)}" in shown
        [item] = [i for i in items if i.id not in done and flat(i.stem)[:60] in shown]
        if item.case is not None:
            assert f"Case study: {item.case.title}" in shown
            assert flat(item.case.scenario)[:80] in shown
        answer(page, item, correct=item is not wrong)
        body = page.get_by_test_id("stMain").inner_text()
        verdict = page.get_by_test_id("stAlert").first.inner_text()
        if item is wrong:
            assert "Not quite." in verdict
            assert "You chose" in body and "The key:" in body
            assert "Ask the tutor about this" in body
        else:
            assert "Correct." in verdict, (item.id, body[:2000])
        expected = {"ordering": "Correct order:", "matching": "Correct pairs:"}
        assert expected.get(item.type, "Answer:") in body
        done.append(item.id)
        last = n == len(items) - 1
        page.get_by_role("button", name="See the result" if last else "Next question").click()
        settle(page)
    finished = prompts.UI_PRACTICE_DONE.format(correct=len(items) - 1, total=len(items))
    assert finished in page.get_by_test_id("stMain").inner_text()
    page.context.close()

    from tutor.config import load_settings
    from tutor.progress import open_progress_store

    attempts = open_progress_store(load_settings(home=home)).attempts(task=None)
    latest = {a.item_id: a.correct for a in attempts if a.item_id in set(done)}
    assert latest == {i.id: i is not wrong for i in items}
    assert {i.type for i in items} >= {"single", "multiple", "ordering", "matching"}
