"""The CLI's --json shapes, through the installed `tutor` command in real processes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.server  # starts processes (see pyproject.toml)

TUTOR = str(Path(sys.executable).parent / "tutor")


def run(args: list[str], home: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "TUTOR_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([TUTOR, *args], capture_output=True, text=True, env=env, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"tutor {args} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def test_ingest_json_report(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.md").write_text("# SageMaker Neo\n\nNeo compiles models for edge devices.\n")
    (folder / "empty.md").write_text("")
    (folder / "broken.pdf").write_bytes(b"%PDF-")
    (folder / "data.xlsx").write_bytes(b"PK\x03\x04")
    home = tmp_path / "home"
    report = json.loads(run(["ingest", str(folder), "--json"], home).stdout)
    by_path = {f["path"]: f for f in report["files"]}
    assert by_path["a.md"]["status"] == "ok" and by_path["a.md"]["chunks"] >= 1
    assert by_path["empty.md"]["status"] == "empty"
    assert by_path["broken.pdf"]["status"] == "corrupt"
    assert by_path["data.xlsx"]["status"] == "unsupported"
    for f in report["files"]:
        assert {"path", "status", "chunks"} <= set(f)
        if f["status"] != "ok":
            assert f["message"], f
    assert report["chunks_total"] == by_path["a.md"]["chunks"]
    assert report["embedded"] == report["chunks_total"]

    status = json.loads(run(["status", "--json"], home).stdout)
    assert status["indexed"] is True
    assert status["documents"] == 4 and status["chunks"] == report["chunks_total"]
    assert status["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert status["dense_search"] == "matrix"


def test_search_and_ask_json(notes_home: Path) -> None:
    out = json.loads(run(["search", "when should I use asynchronous inference", "--k", "4",
                          "--mode", "hybrid", "--json"], notes_home).stdout)
    assert out["mode"] == "hybrid" and len(out["hits"]) == 4
    for hit in out["hits"]:
        assert {"source", "title", "url", "score", "text"} <= set(hit)
        # the index holds the notes and the concept cards, as `make run` builds it
        assert re.fullmatch(r"domain-[1-4]/.+\.md|[1-4]\.[1-3]\.yaml", hit["source"])
    assert re.match(r"domain-3/|3\.[1-3]\.yaml", out["hits"][0]["source"])

    ans = json.loads(run(["ask", "What is SageMaker Pipe mode for?", "--json"], notes_home).stdout)
    assert {"answer", "citations"} <= set(ans)
    assert ans["status"] == "answered" and ans["citations"]
    for c in ans["citations"]:
        assert {"n", "source", "title", "heading", "page", "url", "quote"} <= set(c)
        assert f"[{c['n']}]" in ans["answer"]


def test_errors_are_messages_not_tracebacks(tmp_path: Path) -> None:
    home = tmp_path / "empty-home"
    proc = run(["ask", "what is sagemaker?"], home, check=False)
    assert proc.returncode == 1
    assert "Nothing is indexed" in proc.stderr or "nothing is indexed" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = run(["ingest", str(tmp_path / "missing")], home, check=False)
    assert proc.returncode == 2 and "no such file" in proc.stderr
    proc = run(["search", "x", "--mode", "fuzzy"], home, check=False)
    assert proc.returncode == 2


@pytest.mark.parametrize("question", ["   ", "x" * 5000])
def test_bad_questions_are_rejected_politely(notes_home: Path, question: str) -> None:
    proc = run(["ask", question], notes_home, check=False)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "question" in proc.stderr.lower()
