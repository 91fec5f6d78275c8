"""Settings: one object, TUTOR_ prefix, TOML file, validated at load."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.config import load_settings
from tutor.errors import ConfigError


def test_defaults_live_under_home(tutor_home: Path) -> None:
    s = load_settings()
    assert s.home == tutor_home
    for p in (s.index_dir, s.cache_dir, s.progress_db, s.uploads_dir, s.docs_dir):
        assert tutor_home in p.parents


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUTOR_K", "9")
    monkeypatch.setenv("TUTOR_RETRIEVAL_MODE", "bm25")
    s = load_settings()
    assert (s.k, s.retrieval_mode) == (9, "bm25")


def test_toml_file_is_read_and_env_wins(tutor_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tutor_home.mkdir(parents=True)
    (tutor_home / "config.toml").write_text('chunk_tokens = 150\nk = 4\n')
    monkeypatch.setenv("TUTOR_K", "7")
    s = load_settings()
    assert s.chunk_tokens == 150
    assert s.k == 7


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        ({"chunk_tokens": 100, "chunk_overlap": 100}, "chunk_overlap"),
        ({"retrieval_mode": "fuzzy"}, "retrieval_mode"),
        ({"chroma_url": "localhost:8000"}, "chroma_url"),
        ({"unknown_setting": 1}, "unknown_setting"),
        ({"k": 50, "candidates": 40}, "candidates"),
        ({"vector_store": "faiss"}, "vector_store"),
    ],
)
def test_invalid_settings_name_the_problem(overrides: dict, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        load_settings(**overrides)


def test_invalid_toml_value_is_reported(tutor_home: Path) -> None:
    tutor_home.mkdir(parents=True)
    (tutor_home / "config.toml").write_text("chunk_overlap = 500\n")
    with pytest.raises(ConfigError, match="chunk_overlap"):
        load_settings()


def test_every_setting_is_described() -> None:
    from tutor.config import Settings

    assert [n for n, f in Settings.model_fields.items() if not f.description] == []


def test_every_chat_provider_setting_is_registered() -> None:
    from typing import get_args

    from tutor.config import LLMProvider
    from tutor.llm import PROVIDERS

    assert set(get_args(LLMProvider)) == {"none", *PROVIDERS}
