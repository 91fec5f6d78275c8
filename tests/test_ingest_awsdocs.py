"""Issue 2: the whole of ../shared/aws-docs (601 pages) ingested with the real MiniLM.

Uses the session index (built once); checks the manifest and report it left behind.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import AWS_DOCS
from tests.fixtures.relkit import assert_consistent, index_state

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pages() -> dict[str, dict]:
    rows = [json.loads(line) for line in (AWS_DOCS / "manifest.jsonl").read_text().splitlines()
            if line.strip()]
    return {r["path"]: r for r in rows}


def test_every_page_is_indexed_with_its_url_and_title(awsdocs_home: Path, pages, minilm) -> None:
    from tutor.config import load_settings
    from tutor.index.snapshot import Snapshot

    assert len(pages) == 601
    settings = load_settings(home=awsdocs_home)
    snap = Snapshot.open_current(settings, minilm.model_id)
    manifest = snap.manifest
    assert manifest.model_id == minilm.model_id and manifest.dim == 384

    for path in pages:
        record = manifest.files[path]
        assert record.status.value == "ok", (path, record.message)
        assert record.chunk_ids, path
    others = {k: r for k, r in manifest.files.items() if k not in pages}
    # The licence files beside each service folder are reported, not silently skipped.
    assert {k for k, r in others.items() if r.status.value == "unsupported"} == {
        p.relative_to(AWS_DOCS).as_posix() for p in AWS_DOCS.rglob("LICENSE*")}
    assert not [k for k, r in others.items() if r.status.value not in ("ok", "unsupported")]

    by_source: dict[str, list] = {}
    for chunk in snap.chunks.values():
        by_source.setdefault(chunk.source, []).append(chunk)
    for path, row in pages.items():
        for chunk in by_source[path]:
            assert chunk.url and chunk.url.split("#")[0] == row["url"], chunk.id
            assert chunk.title == row["title"]
            assert chunk.corpus == "aws-docs"
    # Headings with anchors link to their section of the page.
    assert sum("#" in (c.url or "") for c in snap.chunks.values()) > len(pages)


def test_counts_agree_and_chunks_fit_the_encoder(awsdocs_home: Path, minilm) -> None:
    from tutor.config import load_settings
    from tutor.index.snapshot import Snapshot

    settings = load_settings(home=awsdocs_home)
    state = index_state(settings)
    assert_consistent(state)
    snap = Snapshot.open_current(settings)
    chunks = list(snap.chunks.values())
    assert all(c.text.strip() for c in chunks)
    # [CLS] and [SEP] take two of MiniLM's 256 positions; nothing may be cut off.
    sizes = minilm.count_tokens([c.embed_text() for c in chunks])
    assert max(sizes) <= minilm.window - 2

    report = snap.manifest.report
    assert report is not None and report.chunks_total == len(chunks)
    assert report.embedded <= report.chunks_total
    last = json.loads((settings.index_dir / "last_report.json").read_text())
    assert last["generation"] == snap.generation
    assert last["chunks_total"] == len(chunks)
    statuses: dict[str, int] = {}
    for f in last["files"]:
        statuses[f["status"]] = statuses.get(f["status"], 0) + 1
        assert f["chunks"] == len(snap.manifest.files[f["path"]].chunk_ids)
    assert statuses == {"ok": 602, "unsupported": 28}
