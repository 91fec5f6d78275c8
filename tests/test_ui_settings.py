"""The Settings page through AppTest: current values without secrets, validated saving,
a config file that does not validate, and the connection test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.ui_support import PAGES, alerts, app_factory, shown, texts
from tutor import prompts


@pytest.fixture
def make_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Any]]:
    with app_factory(monkeypatch) as make:
        yield make

SECRET = "sk-test-0123456789abcdefSECRET"


def settings_page(make_app: Callable[..., Any], **env: str) -> Any:
    at = make_app(**env).run()
    at.switch_page(PAGES["settings"]).run()
    assert not at.exception
    return at


def test_current_settings_never_show_the_api_key(make_app):
    at = settings_page(make_app, TUTOR_LLM_API_KEY=SECRET, OPENAI_API_KEY=SECRET)
    table = at.dataframe[0].value
    values = dict(zip(table["Setting"], table["Value"], strict=False))
    assert values["API key"] == prompts.UI_SECRET_SET
    assert values["Answer backend"].startswith("Offline extractive")
    everything = " ".join(texts(at)) + " ".join(str(w.value) for w in at.text_input)
    assert SECRET not in everything and SECRET[:12] not in everything


def test_saving_validates_writes_config_and_takes_effect(make_app, settings):
    from tutor.config import load_settings
    from tutor.config_file import config_path

    at = settings_page(make_app)
    at.selectbox(key="settings.provider").set_value("ollama")
    at.text_input(key="settings.model").set_value("llama3.2")
    at.selectbox(key="settings.mode").set_value("bm25")
    [save] = [b for b in at.button if b.label == "Save"]
    save.click().run()
    assert not at.exception
    assert any(s.startswith("Settings saved") for s in alerts(at, "success"))
    saved = load_settings()
    assert (saved.llm_provider, saved.llm_model, saved.retrieval_mode) == \
        ("ollama", "llama3.2", "bm25")
    assert "llm_api_key" not in config_path(settings.home).read_text()
    table = at.dataframe[0].value
    assert dict(zip(table["Setting"], table["Value"], strict=False))["Model"] == "llama3.2"
    at.switch_page(PAGES["chat"]).run()
    # The backend's name is escaped inside the caption (it can come from settings text).
    assert shown(at, "Answer backend:") and shown(at, "ollama (llama3.2)")


def test_config_file_that_does_not_validate(make_app, settings):
    from tutor.config_file import config_path

    path = config_path(settings.home)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("k = 0\n")
    at = settings_page(make_app)
    [error] = alerts(at, "error")
    assert error.startswith(prompts.UI_CONFIG_INVALID.split("{")[0]) and "k" in error
    for page in PAGES.values():  # every other page explains it too, without a traceback
        at.switch_page(page).run()
        assert not at.exception and alerts(at, "error"), page
    at.switch_page(PAGES["settings"]).run()
    at.button(key="settings.set_aside").click().run()
    assert not at.exception
    assert not path.exists() and path.with_name("config.toml.bak").read_text() == "k = 0\n"
    assert alerts(at, "error") == [] and at.dataframe  # the defaults apply again


def test_connection_test_without_a_backend(make_app):
    at = settings_page(make_app)
    at.button(key="settings.test").click().run()
    assert prompts.UI_NO_LLM in alerts(at, "info")


@pytest.mark.parametrize("env, ok", [
    ({"TUTOR_LLM_PROVIDER": "scripted"}, True),
    ({"TUTOR_LLM_PROVIDER": "openai", "TUTOR_LLM_MODEL": "gpt-4o-mini"}, False),
])
def test_connection_test_reports_success_or_the_problem(make_app, monkeypatch, env, ok):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    at = settings_page(make_app, **env)
    at.button(key="settings.test").click().run()
    assert not at.exception
    if ok:
        assert alerts(at, "success") or alerts(at, "info")
        assert alerts(at, "error") == []
    else:  # no key and no server URL: the message says what to set
        [error] = alerts(at, "error")
        assert "OPENAI_API_KEY" in error
