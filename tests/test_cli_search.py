"""`tutor search` in process: options fall back to the settings (TUTOR_K, TUTOR_RETRIEVAL_MODE)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ingest.job import run_ingest
from tests.fixtures.relkit import make_corpus
from tutor.cli import app, ask
from tutor.config import get_settings, load_settings
from tutor.service import Tutor
from tutor.testing import HashEmbedder


@pytest.fixture
def indexed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    embedder = HashEmbedder()
    run_ingest([make_corpus(tmp_path / "corpus", files=4, paragraphs=6)], load_settings(),
               embedder=embedder)
    monkeypatch.setattr(ask, "_tutor", lambda: Tutor(get_settings(), embedder=embedder))


def _search(*args: str) -> dict:
    result = CliRunner().invoke(app, ["search", "doc01p2 note", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_search_uses_the_k_and_mode_settings(indexed, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUTOR_K", "2")
    monkeypatch.setenv("TUTOR_RETRIEVAL_MODE", "bm25")
    get_settings.cache_clear()
    out = _search()
    assert out["mode"] == "bm25" and len(out["hits"]) == 2
    assert all(h["dense"] is None and h["bm25"] is not None for h in out["hits"])
    out = _search("--k", "3", "--mode", "dense")  # options still win
    assert out["mode"] == "dense" and len(out["hits"]) == 3


def test_a_bad_mode_is_wrong_usage(indexed) -> None:
    result = CliRunner().invoke(app, ["search", "x", "--mode", "fuzzy"])
    assert result.exit_code == 2 and "--mode must be" in result.output
