"""Issue 9, the Streamlit app through AppTest: case 13 (hostile document and model text render
inert), case 17 (two sessions answering at the same time keep to themselves) and case 18
(uploads cannot write outside TUTOR_HOME and respect the size limit).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fake_openai_server import FakeOpenAIServer
from tests.ui_support import PAGES, alerts, app_factory, texts
from ui.safe_text import escape


@pytest.fixture
def make_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Any]]:
    with app_factory(monkeypatch) as make:
        yield make


# --- case 13 -------------------------------------------------------------------------------------

HOSTILE_MD = """---
title: Clarify <img src=x onerror=alert('title')>
url: "javascript:alert('url')"
---
# Clarify

SageMaker Clarify measures bias in training data and explains model predictions.
Read [the real guide](javascript:alert('link')) or [this mirror](https://evil.example/phish).
![tracking pixel](https://evil.example/pixel.png)
Clarify bias reports list metrics such as class imbalance <script>alert('doc')</script>
for each facet.
"""

HOSTILE_REPLY = (
    "SageMaker Clarify measures bias [1]. <script>alert('model')</script>"
    "<img src=x onerror=alert('model')> See [docs](javascript:alert('m')) or "
    "[mirror](https://evil.example/x) ![p](https://evil.example/p.png) "
    "<a href=\"https://evil.example/a\">here</a> and https://evil.example/bare [1]."
)


def _rendered_tags(markdown_text: str) -> list[tuple[str, dict[str, str | None]]]:
    """What a CommonMark renderer with raw HTML switched on would make of the text."""
    from tests.test_render import rendered_tags

    return rendered_tags(markdown_text)


def test_hostile_document_and_model_text_render_inert(make_app, settings, hash_embedder,
                                                      tmp_path: Path) -> None:
    from ingest.job import run_ingest
    from tutor.display import host_allowed
    from ui import state

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "clarify.md").write_text(HOSTILE_MD, encoding="utf-8")
    report = run_ingest([corpus], settings, embedder=hash_embedder)
    # The loader already refuses the javascript: address the document declares for itself.
    assert any("url is not an http(s) address" in w for w in report.files[0].warnings)
    server = FakeOpenAIServer(default=HOSTILE_REPLY).start()
    try:
        # The hash embedder's similarities are low; let relevance rest on the shared terms.
        at = make_app(settings.home, hash_embedder, TUTOR_MIN_RELEVANCE="0.05",
                      TUTOR_LLM_PROVIDER="openai",
                      TUTOR_LLM_MODEL="fake-model", TUTOR_LLM_BASE_URL=server.url,
                      TUTOR_LLM_API_KEY="sk-not-needed", TUTOR_LLM_MAX_RETRIES="0").run()
        at.chat_input[0].set_value("What does SageMaker Clarify measure?").run()
        assert not at.exception
        at.run()  # the answer again, now rendered from the session history
        assert not at.exception
    finally:
        server.stop()
    assert server.requests, "the model server was asked"
    [turn] = at.session_state[state.CHAT]
    assert turn.answer.status == "answered" and turn.answer.backend == "openai:fake-model"
    shown = texts(at) + [str(m.value) for m in at.markdown]
    assert any("Clarify measures bias" in t for t in shown)
    # The hostile pieces are there to see, as text: inert, not dropped.
    assert any("alert" in t and "mirror" in t for t in shown)
    markdown_tags = {"p", "a", "code", "pre", "em", "strong", "ul", "ol", "li", "h1", "h2",
                     "h3", "h4", "h5", "h6", "blockquote", "hr", "br"}
    for text in shown:
        for tag, attrs in _rendered_tags(text):
            assert tag in markdown_tags, (tag, text)
            if tag == "a":
                assert host_allowed(attrs.get("href") or "", ["docs.aws.amazon.com",
                                                              "aws.amazon.com"]), (attrs, text)
    # No button opens a javascript: or outside URL either.
    for button in at.get("link_button"):
        url = button.proto.url
        assert url.startswith("https://") and "evil.example" not in url


# --- case 17 -------------------------------------------------------------------------------------

def test_two_sessions_answering_at_once_keep_their_own_conversations(make_app, notes_home,
                                                                     minilm) -> None:
    from ui import state

    questions = ["What does SageMaker Clarify measure?",
                 "When should I use SageMaker Serverless Inference?"]
    apps = [make_app(notes_home, minilm).run() for _ in questions]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(apps))

    def ask(at: Any, question: str) -> None:
        try:
            at.chat_input[0].set_value(question)
            barrier.wait()
            at.run()
        except BaseException as exc:  # noqa: BLE001 - reported below, on the test thread
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(at, q))
               for at, q in zip(apps, questions, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors and not any(t.is_alive() for t in threads)
    for at, question in zip(apps, questions, strict=True):
        assert not at.exception
        [turn] = at.session_state[state.CHAT]
        assert turn.question == question and turn.answer.question == question
        assert turn.answer.status == "answered" and turn.answer.citations
        other = next(q for q in questions if q != question)
        assert not any(other in t for t in texts(at))


# --- case 18 -------------------------------------------------------------------------------------

def test_uploads_stay_inside_home_and_respect_the_size_limit(make_app, settings, hash_embedder,
                                                            tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    settings.uploads_dir.mkdir(parents=True)
    # A link planted in the uploads folder must not let a same-named upload write through it.
    (settings.uploads_dir / "trap.md").symlink_to(outside / "trap.md")
    body = b"# Glue\n\nAWS Glue crawlers infer table schemas for the Data Catalog.\n"
    uploads = [
        ("/etc/absolute.md", body, "text/markdown"),
        ("..\\..\\windows.md", body, "text/markdown"),
        ("notes/../../../relative.md", body, "text/markdown"),
        ("trap.md", body, "text/markdown"),
        ("big.md", b"# Big\n\n" + b"word " * 5000, "text/markdown"),
    ]
    at = make_app(settings.home, hash_embedder, TUTOR_MAX_FILE_MB="0.01").run()
    at.switch_page(PAGES["library"]).run()
    at.file_uploader(key="library.upload").set_value(uploads).run()
    at.button(key="library.add").click().run()
    assert not at.exception

    # Upload messages quote file names literally: escaped Markdown.
    warnings = " ".join(alerts(at, "warning") + alerts(at, "error"))
    assert escape("big.md") in warnings and escape("0.01 MB") in warnings
    assert escape("trap.md") in warnings
    assert not (outside / "trap.md").exists()
    saved = sorted(p.name for p in settings.uploads_dir.iterdir() if not p.name.startswith("."))
    assert saved == ["absolute.md", "relative.md", "trap.md", "windows.md"]
    assert (settings.uploads_dir / "trap.md").is_symlink()  # left as it was, not written
    # Nothing else appeared anywhere under the test's folders but inside TUTOR_HOME.
    stray = [p for p in tmp_path.rglob("*.md") if settings.home not in p.parents]
    assert stray == []
