"""Helpers for the Streamlit AppTest tests (tests/test_ui_*.py)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "ui" / "app.py"
PAGES = {
    "chat": "views/chat.py",
    "practice": "views/practice.py",
    "mock": "views/mock_exam.py",
    "flashcards": "views/flashcards.py",
    "progress": "views/progress.py",
    "library": "views/library.py",
    "settings": "views/settings.py",
}


def texts(at: Any) -> list[str]:
    """Every piece of text the run displayed: Markdown, captions, alerts, labels, metrics."""
    out: list[str] = []
    for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "error",
                 "success"):
        out += [str(e.value) for e in getattr(at, kind)]
    out += [e.label for e in at.expander]
    out += [b.label for b in at.button]
    out += [f"{m.label} {m.value}" for m in at.metric]
    out += [str(d.value) for d in at.dataframe]
    return out


def shown(at: Any, needle: str) -> bool:
    """Whether ``needle`` appears as text, as is or in its escaped Markdown form."""
    from ui.safe_text import escape

    forms = {needle, escape(needle)}
    return any(form in t for t in texts(at) for form in forms)


def alerts(at: Any, kind: str) -> list[str]:
    return [str(e.value) for e in getattr(at, kind)]


def copy_home(src: Path, dst: Path) -> Path:
    """A private copy of a session index home, for tests that damage or write to it."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("cache", "progress.sqlite3*",
                                                            "config.toml", "uploads"))
    return dst


def current_generation(home: Path) -> Path:
    name = (home / "index" / "CURRENT").read_text().strip()
    return home / "index" / "gens" / name


def answer_item(at: Any, item: Any, prefix: str, correct: bool = True) -> None:
    """Fill in the AppTest widgets of ``ui.quiz_widgets.answer_input`` for ``item``, with the
    right answer (from the item's own key) or a wrong one."""
    from tutor.quiz.grade import match_targets

    keys = [o.key for o in item.options]
    if item.type == "single":
        right = item.correct_keys[0]
        at.radio(key=f"{prefix}:one").set_value(right if correct else
                                                next(k for k in keys if k != right))
    elif item.type == "multiple":
        chosen = set(item.correct_keys)
        if not correct:
            chosen = {next(k for k in keys if k not in chosen)} | set(list(chosen)[1:])
        for k in keys:
            at.checkbox(key=f"{prefix}:many:{k}").set_value(k in chosen)
    elif item.type == "ordering":
        order = list(item.order) if correct else list(reversed(item.order))
        for pos, k in enumerate(order):
            at.selectbox(key=f"{prefix}:step:{pos}").set_value(k)
    elif item.type == "matching":
        targets = match_targets(item)
        pairs = dict(item.pairs)
        if not correct:
            first, second = keys[0], keys[1]
            pairs[first], pairs[second] = pairs[second], pairs[first]
        for k in keys:
            assert pairs[k] in targets
            at.selectbox(key=f"{prefix}:match:{k}").set_value(pairs[k])
    else:  # pragma: no cover - a new item type needs a widget first
        raise AssertionError(f"no widget for {item.type}")


@contextmanager
def app_factory(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Any]]:
    """A builder of AppTests of the whole app over a chosen TUTOR_HOME, extra TUTOR_*
    variables and an embedder (a session model or a fake; None builds the configured one).
    Shared caches are cleared before and after, so no test sees another's objects."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from ui import resources

    def make(home: Path | None = None, embedder: Any = None, **env: str) -> Any:
        if home is not None:
            monkeypatch.setenv("TUTOR_HOME", str(home))
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        resources.inject_embedder(embedder)
        return AppTest.from_file(str(APP), default_timeout=120)

    st.cache_resource.clear()
    try:
        yield make
    finally:
        resources.inject_embedder(None)
        st.cache_resource.clear()
