"""The Library page through AppTest: overview, indexing the notes, uploads (with hostile
names), AWS docs from a local copy, rebuilds, a damaged index and a busy writer lock.

The hash embedder stands in for MiniLM: these tests are about files, reports and the page,
not about vector quality, and a real ingest of the notes would cost minutes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

from tests.conftest import AWS_DOCS
from tests.ui_support import PAGES, alerts, app_factory, current_generation, shown
from tutor import prompts
from tutor.config import Settings
from tutor.library import LibraryOverview


@pytest.fixture
def make_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Any]]:
    with app_factory(monkeypatch) as make:
        yield make


def library(make_app: Callable[..., Any], embedder: Any) -> Any:
    at = make_app(embedder=embedder).run()
    at.switch_page(PAGES["library"]).run()
    assert not at.exception
    return at


def overview(settings: Settings) -> LibraryOverview:
    from tutor.library import library_overview

    return library_overview(settings)


def small_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "glue.md").write_text("# AWS Glue\n\nAWS Glue crawlers infer schemas and write "
                                    "tables to the Data Catalog.\n")
    (folder / "kms.md").write_text("# AWS KMS\n\nAWS KMS creates and controls the keys that "
                                   "encrypt training data at rest.\n")
    return folder


def test_empty_library_then_index_the_notes(make_app, hash_embedder, settings):
    at = library(make_app, hash_embedder)
    assert prompts.UI_LIBRARY_EMPTY in alerts(at, "info")
    at.button(key="library.notes").click().run()
    assert not at.exception
    ov = overview(settings)
    assert ov.indexed and ov.chunks_by_corpus.get("notes", 0) > 0
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Documents"] == str(ov.documents) and metrics["Passages"] == str(ov.chunks)
    assert any(s.startswith("Index updated") for s in alerts(at, "success"))
    report = at.dataframe[-1].value  # the ingest report, one row per file
    assert len(report) == ov.documents and set(report["Status"]) <= {"ok", "empty"}
    assert at.button(key="library.notes").disabled  # nothing left to do


def test_upload_is_saved_inside_home_and_ingested(make_app, hash_embedder, settings):
    at = library(make_app, hash_embedder)
    at.file_uploader(key="library.upload").set_value([
        ("../../escape.md", b"# Escape\n\nAmazon SageMaker Clarify measures bias.\n",
         "text/markdown"),
        ("payload.exe", b"MZ\x90\x00", "application/octet-stream"),
    ]).run()
    at.button(key="library.add").click().run()
    assert not at.exception
    # Refused, others go on; the name is quoted as given (escaped Markdown).
    assert any("payload\\.exe" in w for w in alerts(at, "warning"))
    saved = settings.uploads_dir / "escape.md"
    assert saved.is_file()
    outside = [p for p in settings.home.parent.rglob("escape.md") if p != saved]
    assert outside == []
    assert not any(settings.home.rglob("payload.exe"))
    files = {f.source: f for f in overview(settings).files}
    assert files["escape.md"].corpus == "uploads" and files["escape.md"].chunks >= 1
    assert shown(at, "escape.md")


def test_damaged_index_is_shown_and_rebuild_repairs_it(make_app, hash_embedder, settings,
                                                       tmp_path):
    from ingest.job import run_ingest

    run_ingest([small_corpus(tmp_path / "mine")], settings, embedder=hash_embedder)
    (current_generation(settings.home) / "manifest.json").write_text("{broken")
    at = library(make_app, hash_embedder)
    [error] = alerts(at, "error")
    assert error.startswith(prompts.INDEX_DAMAGED.split("(")[0]) and "manifest" in error
    assert at.button(key="library.rebuild").disabled  # needs the confirmation first
    at.checkbox(key="library.rebuild_ok").check().run()
    at.button(key="library.rebuild").click().run()
    assert not at.exception
    ov = overview(settings)
    # The manifest named no folders any more, so the rebuild used the shipped notes.
    assert ov.error is None and ov.indexed and "notes" in ov.chunks_by_corpus
    assert alerts(at, "error") == []


def test_busy_writer_lock_leaves_the_index_alone(make_app, hash_embedder, settings, tmp_path):
    from ingest.job import run_ingest

    run_ingest([small_corpus(tmp_path / "mine")], settings, embedder=hash_embedder)
    before = overview(settings).generation
    at = library(make_app, hash_embedder)
    with FileLock(str(settings.index_dir / ".ingest.lock")):
        at.checkbox(key="library.rebuild_ok").check().run()
        at.button(key="library.rebuild").click().run()
    assert not at.exception
    assert any("another ingest" in w for w in alerts(at, "warning"))
    assert overview(settings).generation == before


@pytest.mark.skipif(not AWS_DOCS.is_dir(), reason=f"{AWS_DOCS} is not present")
def test_aws_docs_from_a_local_copy(make_app, hash_embedder, settings):
    at = library(make_app, hash_embedder)
    at.multiselect(key="library.docs.guides").set_value(["kms"])
    at.text_input(key="library.docs.folder").set_value(str(AWS_DOCS))
    at.button(key="library.docs.fetch").click().run()
    assert not at.exception
    ov = overview(settings)
    assert ov.chunks_by_corpus.get("aws-docs", 0) > 0
    assert all(f.source.startswith("kms/") for f in ov.files if f.corpus == "aws-docs")
    assert any(s.startswith("AWS documentation:") for s in alerts(at, "success"))


def test_docs_fetch_failure_leaves_the_index_alone(make_app, hash_embedder, settings,
                                                   tmp_path):
    at = library(make_app, hash_embedder)
    at.multiselect(key="library.docs.guides").set_value(["kms"])
    at.text_input(key="library.docs.folder").set_value(str(tmp_path / "no-such-copy"))
    at.button(key="library.docs.fetch").click().run()
    assert not at.exception
    [error] = alerts(at, "error")
    assert "no-such-copy" in error and "does not exist" in error
    assert not overview(settings).indexed
