"""Issue 20 in a real browser (items 1, 3, 12 and 13): the real app, `streamlit run` on
loopback, over an index of a hostile document, with a configured chat model (the fake
OpenAI-compatible server, streaming slowly) whose follow-up rewrite and answer carry a Markdown
image, bare URLs and e-mail addresses; the learner's own follow-up carries the same.

A MutationObserver installed before the app loads records every ``href`` and ``src`` that
ever appears in the DOM, so a link that exists only while an answer streams is caught too.
Every request the page makes is recorded; any to a host other than loopback is aborted and
fails the test (the favicon included).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page, Route

from tests.conftest import REPO
from tests.fake_openai_server import FakeOpenAIServer
from tests.test_browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    STEP_WAIT_MS,
    _free_port,
    _wait_healthy,
    ask,
    settle,
)
from tests.test_hardening_ui import HOSTILE_DOC, LEARNER, _reply
from tutor.display import DEFAULT_HOSTS, host_allowed

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing "
                       "(make browser-deps)"),
]

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
# Names whose Markdown would load an image from 8.8.8.8 (134744072) if rendered: the first is
# refused (nothing usable is left of it), the other two clean to the same name.
UPLOADS = [("![p](//\u0668.\u0668.\u0668.\u0668).md", b"# A\n\nGlue crawlers infer schemas.\n"),
           ("![p](https:134744072)?.md", b"# B\n\nKinesis keeps records for a day.\n"),
           ("![p](https:134744072)*.md", b"# C\n\nFirehose delivers to S3.\n")]
RECORDER = """
window.__seen = [];
const keep = (el) => {
  if (!(el instanceof Element)) return;
  for (const e of [el, ...el.querySelectorAll('*')]) {
    for (const attr of ['href', 'src', 'srcset', 'xlink:href', 'action', 'poster']) {
      const value = e.getAttribute(attr);
      if (value) window.__seen.push([e.tagName.toLowerCase(), attr, value,
                                     String(e.href || e.src || value)]);
    }
  }
};
new MutationObserver((changes) => {
  for (const c of changes) {
    if (c.type === 'attributes') keep(c.target);
    c.addedNodes.forEach(keep);
  }
}).observe(document, {subtree: true, childList: true, attributes: true});
"""


def _loopback(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in ("data", "blob", "about") or (parsed.hostname or "") in LOOPBACK


@pytest.fixture(scope="module")
def hostile_app(minilm, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    from ingest.job import run_ingest
    from tutor.config import load_settings

    root = tmp_path_factory.mktemp("safety")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "clarify [x](https:evil.example).md").write_text(HOSTILE_DOC, encoding="utf-8")
    home = root / "home"
    assert run_ingest([corpus], load_settings(home=home), embedder=minilm).chunks_total
    server = FakeOpenAIServer(default=_reply, piece_delay=0.05).start()
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / "streamlit-safety.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUTOR_")}
    env.update(TUTOR_HOME=str(home), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               ANONYMIZED_TELEMETRY="False", PYTHONUNBUFFERED="1", TUTOR_MIN_RELEVANCE="-1",
               TUTOR_LLM_PROVIDER="openai", TUTOR_LLM_MODEL="fake-model",
               TUTOR_LLM_BASE_URL=server.url, TUTOR_LLM_API_KEY="sk-not-needed",
               TUTOR_LLM_MAX_RETRIES="0")
    url = f"http://127.0.0.1:{_free_port()}"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "ui/app.py", "--server.port",
             url.rsplit(":", 1)[1], "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            _wait_healthy(url, proc, log)
            yield url, server
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
            server.stop()
            shutil.rmtree(home / "uploads", ignore_errors=True)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def guarded_page(browser: Browser, url: str, outside: list[str]) -> Page:
    """A page whose requests off loopback are recorded in ``outside`` and aborted."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.add_init_script(RECORDER)

    def route(r: Route) -> None:
        if _loopback(r.request.url):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    context.on("request", lambda req: None if _loopback(req.url) else outside.append(req.url))
    page = context.new_page()
    page.set_default_timeout(STEP_WAIT_MS)
    page.goto(url)
    page.get_by_test_id("stApp").wait_for()
    page.get_by_role("heading", level=1).first.wait_for()
    return page


def unsafe_elements(page: Page) -> list[list[str]]:
    """<img> (or any src) off loopback, and <a> to a host that is neither loopback nor
    allowed, among everything the page has ever shown."""
    bad = []
    for tag, attr, raw, resolved in page.evaluate("window.__seen"):
        if attr == "href" and tag == "a":
            if not (_loopback(resolved) or host_allowed(resolved, DEFAULT_HOSTS)):
                bad.append([tag, raw])
        elif not _loopback(resolved):
            bad.append([tag, attr, raw])
    return bad


def test_hostile_text_never_loads_or_links_anything_outside(chromium: Browser,
                                                            hostile_app: tuple[str, Any]) -> None:
    url, server = hostile_app
    outside: list[str] = []
    page = guarded_page(chromium, url, outside)
    icons = page.evaluate("[...document.querySelectorAll('link[rel~=icon]')].map(l => l.href)")
    assert icons and all(_loopback(i) for i in icons), icons  # item 13: the shipped icon

    ask(page, "What does SageMaker Clarify measure?")
    ask(page, LEARNER)  # a follow-up: the model rewrites it into hostile Markdown (item 1)
    page.screenshot(path=str(ARTIFACTS / "safety-chat.png"))
    chat = " ".join(page.get_by_test_id("stChatMessage").all_inner_texts())
    assert "evil.example/stream" in chat and "evil.example/rewrite" in chat, chat[-2000:]
    assert "evil.example/own" in chat  # the learner's own bubble, shown as text
    assert len(server.requests) >= 3  # answer, rewrite, answer: the model was really used

    page.get_by_role("link", name="Library").click()
    settle(page)
    page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(
        [{"name": n, "mimeType": "text/markdown", "buffer": b} for n, b in UPLOADS])
    page.get_by_role("button", name="Add to the library").click()
    settle(page)
    alerts = page.get_by_test_id("stAlert").all_inner_texts()
    # Item 12: the names are quoted as they were given, never rendered.
    assert any("cannot be used" in a and UPLOADS[0][0] in a for a in alerts), alerts
    assert any(f"{UPLOADS[2][0]} was saved as" in a for a in alerts), alerts
    page.screenshot(path=str(ARTIFACTS / "safety-library.png"))

    assert not unsafe_elements(page)
    assert not outside, outside
    assert page.get_by_test_id("stException").count() == 0
    page.context.close()
