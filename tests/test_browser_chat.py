"""Chat that never loses a question, in the real app in a real browser (issue 17).

A second question submitted while the first is being answered, and a page switch during an
answer: every question stays in the history, in order, and each is either answered or
marked interrupted with an "Ask again" button that answers it in place. The test also prints
the time from submitting the first question on a freshly loaded page to the complete answer
(a figure, not an assertion: speed targets live in `tutor bench`).

Whether the first answer is cut off depends on how far its run got when the second request
arrived; both outcomes are checked, and which one happened is printed.
"""

from __future__ import annotations

import time

from playwright.sync_api import Page

from tests import test_browser
from tests.test_browser import OTHER_QUESTION, QUESTION, new_page, settle
from tutor import prompts

pytestmark = test_browser.pytestmark
# The served app and the browser, one of each for this module.
app_url = test_browser.app_url
browser = test_browser.browser

THIRD_QUESTION = "What does SageMaker Model Monitor compare live traffic against?"


def messages(page: Page) -> list[str]:
    return page.get_by_test_id("stChatMessage").all_inner_texts()


def submit(page: Page, question: str) -> None:
    """Type ``question`` and press Enter, without waiting for anything."""
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    box.press("Enter")


def resolve(page: Page, index: int) -> str:
    """The outcome of turn ``index``: "answered", or "interrupted" after checking the notice
    and asking again, which must answer it in its place."""
    reply = messages(page)[2 * index + 1]
    if "Answered by" in reply:
        return "answered"
    assert prompts.UI_CHAT_INTERRUPTED.split(" (")[0] in reply, reply
    before = messages(page)
    page.get_by_test_id("stChatMessage").nth(2 * index + 1).get_by_role(
        "button", name="Ask again").click()
    settle(page)
    after = messages(page)
    assert len(after) == len(before)  # answered in place: no turn added, none dropped
    assert after[2 * index] == before[2 * index]
    assert "Answered by" in after[2 * index + 1]
    return "interrupted"


def test_the_first_answer_after_the_page_loads(browser, app_url):
    page = new_page(browser, app_url)
    settle(page)
    start = time.perf_counter()
    submit(page, QUESTION)
    page.get_by_test_id("stChatMessage").nth(1).get_by_text("Answered by").wait_for()
    took = time.perf_counter() - start
    print(f"\nfirst question after the page loads: complete answer in {took:.2f} s")
    assert QUESTION in messages(page)[0]
    assert page.get_by_text(prompts.UI_WARMING_UP).count() == 0  # warm before anyone asked
    page.context.close()


def test_a_second_question_during_an_answer_keeps_both(browser, app_url):
    page = new_page(browser, app_url)
    submit(page, QUESTION)
    page.get_by_test_id("stChatMessage").first.wait_for()  # in the history at once
    submit(page, OTHER_QUESTION)
    settle(page)
    shown = messages(page)
    assert len(shown) == 4, shown
    assert QUESTION in shown[0] and OTHER_QUESTION in shown[2]
    assert "Answered by" in shown[3]  # the second question is answered
    print(f"\nfirst answer: {resolve(page, 0)}")
    page.context.close()


def test_a_page_switch_during_an_answer_keeps_the_question(browser, app_url):
    page = new_page(browser, app_url)
    submit(page, THIRD_QUESTION)
    page.get_by_test_id("stChatMessage").first.wait_for()
    page.get_by_role("link", name="Library").click()
    settle(page)
    page.get_by_role("link", name="Chat").click()
    settle(page)
    shown = messages(page)
    assert len(shown) == 2 and THIRD_QUESTION in shown[0], shown
    print(f"\nanswer left by a page switch: {resolve(page, 0)}")
    page.context.close()
