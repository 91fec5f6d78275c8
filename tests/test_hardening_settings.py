"""Issue 20, item 16 in process: an empty TUTOR_* variable counts as unset, and values that
cannot work are refused when the settings load, not at first use."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.config import load_settings
from tutor.errors import ConfigError
from tutor.llm.base import api_key


def test_empty_variables_count_as_unset(tutor_home: Path, monkeypatch: pytest.MonkeyPatch,
                                        tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TUTOR_HOME", "")
    monkeypatch.setenv("TUTOR_LLM_API_KEY", "")
    monkeypatch.setenv("TUTOR_K", "")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-openai-variable")
    settings = load_settings()
    assert settings.home.resolve() != tmp_path.resolve() and settings.home.is_absolute()
    assert settings.llm_api_key is None
    assert api_key(settings, "OPENAI_API_KEY") == "sk-from-openai-variable"
    assert settings.k == type(settings).model_fields["k"].default


@pytest.mark.parametrize(("variable", "value"), [
    ("TUTOR_LLM_BASE_URL", "not a url"), ("TUTOR_CHROMA_URL", "http://[::1"),
    ("TUTOR_LINK_HOSTS", "[not json"), ("TUTOR_LINK_HOSTS", '["com"]')])
def test_values_that_cannot_work_are_refused_at_start(tutor_home: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert variable.removeprefix("TUTOR_").lower() in str(err.value)


def test_link_hosts_are_described_as_the_code_allows_them() -> None:
    """Item 4: links go to the AWS docs hosts and link_hosts only, never to a host a cited
    document names; the setting's description and the README must not promise otherwise."""
    import re

    from tutor.config import Settings
    from tutor.display import DEFAULT_HOSTS, allowed_hosts, host_allowed

    promise = re.compile(r"cited (?:sources?'? )?hosts|hosts? of (?:the )?cited", re.I)
    description = str(Settings.model_fields["link_hosts"].description)
    assert not promise.search(description), description
    assert allowed_hosts(["docs.example.org"]) == [*DEFAULT_HOSTS, "docs.example.org"]
    assert not host_allowed("https://notes.example.net/page", allowed_hosts([]))
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert not promise.search(readme)
