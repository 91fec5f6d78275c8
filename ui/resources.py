"""Objects shared by every browser session of one Streamlit process.

The embedder (a ~90 MB model that takes a second to load), the Tutor built on it, the service
catalog and the progress store are created once per process through ``st.cache_resource``
and reused by all sessions; the Tutor, the retriever and the progress store are safe to use
from several threads. The encoder and the index start loading in the background when the
process starts (``warm_up``), before anyone asks. Per-session state lives in ui/state.py,
never here.

Settings are read again on every script run, which is cheap, so an edited config.toml takes
effect at the next interaction; the cached objects are keyed by the settings they were
built from, so a change builds new ones instead of reusing stale ones.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from tutor.config import Settings, load_settings
from ui import state
from ui.errors import show_error

if TYPE_CHECKING:
    from tutor.catalog import Catalog
    from tutor.embed import Embedder
    from tutor.progress import ProgressStore
    from tutor.quiz.bank_items import BankDeck
    from tutor.quiz.flashcards import Flashcard
    from tutor.service import Tutor
    from tutor.types import Chunk

_injected_embedder: Embedder | None = None


def inject_embedder(embedder: Embedder | None) -> None:
    """Use ``embedder`` instead of building the configured one (None restores the default).

    For tests, which share one loaded model across the session instead of loading it again
    in every app run. Everything else (settings, index, retriever, answerer) stays real.
    """
    global _injected_embedder
    _injected_embedder = embedder


def settings() -> Settings:
    """Current settings from defaults, config.toml and TUTOR_* variables; raises ConfigError."""
    return load_settings()


def page_settings() -> Settings | None:
    """The settings for a page's run; None, once the page shows why they could not be read."""
    try:
        return settings()
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message (ui/errors.py)
        show_error(exc, "reading the settings")
        return None


def team_requested() -> bool:
    """Whether the environment asks for team mode, even when the settings do not validate."""
    return bool(os.environ.get("TUTOR_DATABASE_URL"))


def fingerprint(settings: Settings) -> str:
    """A key that changes whenever any setting does (secret values are hashed, not kept)."""
    data = settings.model_dump(mode="json")
    for name in ("llm_api_key", "database_url"):
        value = getattr(settings, name)
        secret = value.get_secret_value() if value is not None else ""
        data[name] = hashlib.sha256(secret.encode()).hexdigest()
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


@st.cache_resource(show_spinner=False, max_entries=4)
def _embedder(key: str, _settings: Settings) -> Embedder:
    from tutor.embed import make_embedder

    return make_embedder(_settings)


def embedder(settings: Settings) -> Embedder:
    """The process-wide embedder for these settings; the model itself loads on first use."""
    if _injected_embedder is not None:
        return _injected_embedder
    from tutor.embed import embedder_key

    return _embedder(embedder_key(settings), settings)


@st.cache_resource(show_spinner=False, max_entries=8)
def _tutor(key: str, _settings: Settings, _embedder: Embedder) -> Tutor:
    from tutor.service import Tutor

    return Tutor(_settings, embedder=_embedder)


def tutor(settings: Settings) -> Tutor:
    """The process-wide Tutor for these settings. Cheap to get: nothing is loaded yet."""
    emb = embedder(settings)
    return _tutor(f"{fingerprint(settings)}:{emb.model_id}:{id(emb)}", settings, emb)


class Warmup:
    """Background threads loading the encoder and opening the index for one set of settings
    (``Tutor.warm_up``); a question that arrives first waits for them."""

    def __init__(self, threads: list[threading.Thread]):
        self.threads = threads

    def ready(self) -> bool:
        return not any(t.is_alive() for t in self.threads)

    def wait(self) -> None:
        for t in self.threads:
            t.join()


def _load_catalog() -> None:
    with suppress(Exception):  # an unusable catalog is reported by the page that needs it
        catalog()


@st.cache_resource(show_spinner=False, max_entries=4)
def _warmup(key: str, _settings: Settings) -> Warmup:
    # The index is opened only once the child-process check has found it sound (the same
    # cached check app.py makes before any page touches the index).
    threads = tutor(_settings).warm_up(index_ok=lambda: index_problem(_settings) is None)
    # The service catalog, which suggests follow-ups under every answer, takes most of a CPU
    # second to parse: the first answer would otherwise pay for it.
    threads.append(threading.Thread(target=_load_catalog, name="warm-catalog"))
    threads[-1].start()
    return Warmup(threads)


def warm_up(settings: Settings) -> Warmup:
    """Start loading the encoder and opening the index in the background, once per process
    and settings (``python -m ui`` calls this when the process starts, app.py on every run);
    return the warm-up, to ask whether it is done."""
    emb = embedder(settings)
    return _warmup(f"{fingerprint(settings)}:{emb.model_id}:{id(emb)}", settings)


@st.cache_resource(show_spinner=False)
def catalog() -> Catalog:
    """The service catalog (corpus/services.yaml); raises CatalogError if it is unusable."""
    from tutor.catalog import load_catalog

    return load_catalog()


@st.cache_resource(show_spinner="Loading the question bank…", max_entries=2)
def _bank_deck(docs_dir: str) -> BankDeck:
    from tutor.quiz.bank_items import load_deck

    return load_deck(docs_dir=Path(docs_dir))


def bank_deck(settings: Settings) -> BankDeck:
    """The authored item bank as questions (corpus/items), citing AWS pages from the docs
    fetched under ``settings.docs_dir``; raises BankError if a bank file is invalid. Shared
    between sessions: callers must not modify it."""
    return _bank_deck(str(settings.docs_dir))


@st.cache_resource(show_spinner="Loading the flashcards…")
def flashcards() -> tuple[Flashcard, ...]:
    """Every flashcard (concept cards, catalog entries, note key sentences)."""
    from tutor.quiz.flashcards import load_flashcards

    return load_flashcards()


@st.cache_resource(show_spinner=False, max_entries=8)
def _progress_store(path: str, _settings: Settings) -> ProgressStore:
    from tutor.progress import open_progress_store

    return open_progress_store(_settings)


def progress_store(settings: Settings) -> ProgressStore:
    """This session's progress store: the SQLite file under TUTOR_HOME in single-user mode
    (one short connection per call); in team mode a store bound to the signed-in learner,
    which reaches nobody else's records (AccessDeniedError when nobody is signed in)."""
    if settings.team:
        from tutor.progress import open_progress_store
        from ui.auth import current_user

        return _flash_notices(open_progress_store(settings, current_user()))
    return _flash_notices(_progress_store(str(settings.progress_db), settings))


def _flash_notices(store: ProgressStore) -> ProgressStore:
    """``store``, its notices (a damaged database moved aside, answers waiting for a lock)
    made flashes, which ui/app.py shows at the end of this run or the top of the next."""
    pending = state.get(state.FLASH, [])
    for notice in store.notices():
        if ("warning", notice) not in pending:
            state.flash("warning", notice)
    return store


@st.cache_resource(show_spinner=False, max_entries=4)
def _quiz_chunks(home: str, generation: str | None, _settings: Settings) -> list[Chunk]:
    from tutor.quiz.corpus import quiz_chunks as load

    return load(_settings)


def quiz_chunks(settings: Settings) -> list[Chunk]:
    """Passages the question generator draws on, reloaded when a new index is published.
    Shared between sessions: callers must not modify the list."""
    from tutor.index import current_name

    return _quiz_chunks(str(settings.home), current_name(settings), settings)


@st.cache_resource(show_spinner="Checking the index…", max_entries=8)
def _index_problem(home: str, generation: str | None, _settings: Settings) -> str | None:
    from tutor.index import probe_index

    return probe_index(_settings)


def index_problem(s: Settings) -> str | None:
    """Why the serving index is unusable, or None. Checked once per process and generation,
    in a child process, because a damaged vector store can crash the code that reads it."""
    from tutor.index import current_name

    if s.chroma_url:
        return None  # a remote store cannot crash this process; its errors arrive as messages
    return _index_problem(str(s.home), current_name(s), s)
