"""The authored item bank and concept cards: schema errors name the file and item, and the
editorial checks behind `python -m tutor.quiz.bank` run over a small corpus."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tutor.catalog import DEFAULT_CORPUS_DIR
from tutor.quiz.bank import BankError, load_bank
from tutor.quiz.bank_check import check_corpus, main

NOTE = """---
title: Inference
domain: 3
task: "3.1"
---
# Inference

## Asynchronous inference

Asynchronous inference queues requests of up to 1 GB and answers within an hour.

## Real-time inference

Real-time endpoints accept at most 6 MB per request.
"""
OPTION = """      - text: {text}
        correct: {correct}
        why: {why}
        cite: notes/domain-3/3.1-inference.md#{heading}
"""
ITEM = """task: "3.1"
items:
  - id: 3.1-async-large-video
    type: single
    difficulty: 2
    skill: Choose an inference option from the payload size
    constraint: 300 MB requests, caller does not wait
    stem: A team uploads clips of up to 300 MB and checks for results later. Which option fits?
    options:
"""


def _corpus(root: Path) -> Path:
    for name in ("services.yaml", "aws_docs.yaml"):
        shutil.copy(DEFAULT_CORPUS_DIR / name, root / name)
    (root / "notes" / "domain-3").mkdir(parents=True)
    (root / "notes" / "domain-3" / "3.1-inference.md").write_text(NOTE)
    (root / "items").mkdir()
    options = [OPTION.format(text="An asynchronous endpoint", correct="true",
                             why="Asynchronous inference queues requests of up to 1 GB.",
                             heading="Asynchronous inference")]
    options += [OPTION.format(text=f"A real-time endpoint of size {n}", correct="false",
                              why="Real-time endpoints accept at most 6 MB per request.",
                              heading="Real-time inference") for n in ("S", "M", "L")]
    (root / "items" / "3.1.yaml").write_text(ITEM + "".join(options))
    return root


def test_a_valid_item_loads_and_passes_the_editorial_checks(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    assert [i.id for i in load_bank(corpus / "items").items] == ["3.1-async-large-video"]
    result = check_corpus(corpus, parts=("items",))
    assert result.problems == [] and result.stats["items"] == 1


def test_schema_errors_name_the_file_and_the_item(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    path = corpus / "items" / "3.1.yaml"
    path.write_text(path.read_text().replace("correct: true", "correct: false"))
    with pytest.raises(BankError, match=r"3\.1\.yaml: 3\.1-async-large-video: .*1 correct"):
        load_bank(corpus / "items")


def test_the_command_line_reports_the_shipped_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["items"])
    assert "items:" in capsys.readouterr().out and code in (0, 1)
