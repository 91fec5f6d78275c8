"""Data for the quiz tests: a tiny catalog, hand-made chunks and items, and the real corpus
chunked without a model (skipping, with the reason, while it is missing). The fakes
themselves (the scripted chat model) are in tutor/testing.py."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from tutor.catalog import (
    DEFAULT_CATALOG_PATH,
    DEFAULT_NOTES_DIR,
    Catalog,
    catalog_from_dict,
    load_catalog,
)
from tutor.chunk import Chunker
from tutor.errors import TutorError
from tutor.load import load_file
from tutor.testing import whitespace_counter
from tutor.types import Chunk, Citation, QuizItem, QuizOption

# ---- a tiny catalog, written for these tests ---------------------------------------------------

def _entry(sid: str, name: str, aliases: list[str], category: str, purpose: str, scenario: str,
           task: str, confused: list[str]) -> dict[str, Any]:
    return {"id": sid, "name": name, "aliases": aliases, "category": category, "purpose": purpose,
            "scenarios": [scenario], "domains": [int(task[0])], "tasks": [task],
            "confused_with": confused}


INFERENCE = "inference-option"
MINI_CATALOG: dict[str, Any] = {
    "version": 1,
    "categories": {INFERENCE: "ways to serve predictions", "storage": "where data lives"},
    "services": [
        _entry("rt", "Amazon SageMaker Real-Time Inference", ["real-time inference"], INFERENCE,
               "Keeps an always-on endpoint for low-latency predictions.",
               "answer each web request within milliseconds at steady traffic", "3.1",
               ["sl", "asy"]),
        _entry("sl", "Amazon SageMaker Serverless Inference", ["serverless inference"], INFERENCE,
               "Scales compute to zero between sparse requests.",
               "serve a rarely used model without paying for idle instances", "3.1", ["rt", "asy"]),
        _entry("asy", "Amazon SageMaker Asynchronous Inference", ["async inference"], INFERENCE,
               "Queues large requests and writes results to a bucket.",
               "accept one gigabyte payloads that take many minutes each", "3.1", ["rt", "bt"]),
        _entry("bt", "Amazon SageMaker Batch Transform", ["batch transform"], INFERENCE,
               "Scores a whole stored dataset offline in one job.",
               "score last month's records overnight with no endpoint left running", "3.1",
               ["asy", "rt"]),
        _entry("s3", "Amazon Simple Storage Service (Amazon S3)", ["s3"], "storage",
               "Object storage used as the data lake for training data.",
               "keep raw files durably at low cost", "1.1", ["glue"]),
        _entry("glue", "AWS Glue", [], "storage",
               "Serverless ETL jobs and crawlers that prepare data.",
               "convert CSV files to a columnar format on a schedule", "1.1", ["s3"]),
        _entry("translate", "Amazon Translate", [], "storage",
               "Machine translation of text between languages.",
               "convert product text into other languages", "1.1", ["s3"]),
    ],
}


def mini_catalog() -> Catalog:
    return catalog_from_dict(MINI_CATALOG, origin="test catalog")


def make_chunk(text: str, source: str = "domain-3/3.1-test.md", task: str | None = "3.1",
               heading: str = "Section", position: int = 0) -> Chunk:
    digest = hashlib.sha256(text.encode()).hexdigest()
    return Chunk(id=f"{source}#{position}-{digest[:8]}", text=text, source=source,
                 title="Test note", heading_path=["Test note", heading],
                 domain=int(task[0]) if task else None,
                 task=task, position=position, content_hash=digest)


def cite(chunk: Chunk, quote: str, n: int = 1) -> Citation:
    return Citation(n=n, chunk_id=chunk.id, source=chunk.source, title=chunk.title,
                    heading=chunk.heading, quote=quote)


SUPPORT_TEXT = ("Amazon SageMaker Serverless Inference scales compute to zero between sparse "
                "requests, so a rarely used model costs nothing while idle.")


def single_item(**changes: Any) -> QuizItem:
    """A well-formed single-answer item over the mini catalog; ``changes`` override fields."""
    chunk = make_chunk(SUPPORT_TEXT)
    names = ["Amazon SageMaker Real-Time Inference", "Amazon SageMaker Serverless Inference",
             "Amazon SageMaker Asynchronous Inference", "Amazon SageMaker Batch Transform"]
    fields: dict[str, Any] = {
        "id": "q-test-single", "type": "single", "domain": 3, "task": "3.1",
        "stem": "A team needs to serve a rarely used model without paying for idle instances. "
             "Which option should they use?",
        "options": [QuizOption(key=k, text=n, correct=(k == "B"), explanation=f"why {k}")
                 for k, n in zip("ABCD", names, strict=False)],
        "explanation": "It scales to zero.", "citations": [cite(chunk, SUPPORT_TEXT)],
        "topic": "sl",
    }
    fields.update(changes)
    return QuizItem(**fields)


def multiple_item() -> QuizItem:
    names = ["Amazon SageMaker Real-Time Inference", "Amazon SageMaker Serverless Inference",
             "Amazon SageMaker Asynchronous Inference", "Amazon SageMaker Batch Transform",
             "AWS Glue"]
    return QuizItem(
        id="q-test-multi", type="multiple", domain=3, task="3.1",
        stem="Which two options serve predictions? (Select TWO.)",
        options=[QuizOption(key=k, text=n, correct=k in ("A", "C"), explanation=f"why {k}")
                 for k, n in zip("ABCDE", names, strict=False)],
        answer_count=2, explanation="x",
    )


# ---- the real corpus ----------------------------------------------------------------------------

def _notes_present() -> bool:
    return DEFAULT_NOTES_DIR.is_dir() and any(DEFAULT_NOTES_DIR.rglob("*.md"))


def note_chunks(notes_dir: Path = DEFAULT_NOTES_DIR) -> list[Chunk]:
    """Chunks of every Markdown note, counted in words rather than word pieces: close enough
    for choosing supporting sentences, and no model to load. (The app reads the index.)"""
    chunker = Chunker(whitespace_counter, 200, 32)
    chunks: list[Chunk] = []
    for path in sorted(notes_dir.rglob("*.md")):
        try:
            doc = load_file(path, path.relative_to(notes_dir).as_posix())
        except TutorError:
            continue
        chunks.extend(chunker.chunk(doc))
    return chunks


@lru_cache(maxsize=1)
def _corpus() -> tuple[Catalog, tuple[Chunk, ...]]:
    return load_catalog(), tuple(note_chunks())


def real_corpus() -> tuple[Catalog, tuple[Chunk, ...]]:
    """The shipped catalog and note chunks; skips the test, naming what is missing."""
    missing = []
    if not DEFAULT_CATALOG_PATH.is_file():
        missing.append(str(DEFAULT_CATALOG_PATH))
    if not _notes_present():
        missing.append(f"Markdown notes under {DEFAULT_NOTES_DIR}")
    if missing:
        pytest.skip("real corpus not present yet: " + ", ".join(missing))
    return _corpus()
