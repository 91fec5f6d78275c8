"""`tutor quiz` / `tutor progress`: the --json shape, option checks, an interactive run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tutor.cli.quiz as cli
from tests.quiz_data import real_corpus
from tutor.cli import app
from tutor.types import QuizItem

DOC = Path(__file__).resolve().parents[1] / "README.md"
runner = CliRunner()


@pytest.fixture
def home(tutor_home: Path) -> Path:
    """conftest.py points TUTOR_HOME at a fresh folder for every test."""
    return tutor_home


@pytest.fixture
def corpus(monkeypatch: pytest.MonkeyPatch):
    catalog, chunks = real_corpus()
    monkeypatch.setattr(cli, "quiz_chunks", lambda settings: list(chunks))
    return catalog, chunks


SHAPE = {"version", "source", "selection", "requested", "count", "generated", "notice",
         "items", "gate"}


def test_bank_quiz_json_shape(home: Path) -> None:
    """The default source is the authored bank: options in authored order with letters A-D,
    each with its own explanation and citation; no index is needed."""
    result = runner.invoke(app, ["quiz", "--task", "2.2", "--count", "6", "--json", "--seed", "1"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == SHAPE and data["source"] == "bank"
    assert (data["count"], data["generated"], data["notice"]) == (6, 0, None)
    assert data["gate"]["checked"] == data["gate"]["passed"] >= 6
    for raw in data["items"]:
        raw.pop("review")
        item = QuizItem.model_validate(raw)
        assert item.generator == "bank" and item.task == "2.2" and not item.generated
        assert [o.key for o in item.options] == list("ABCDEF"[: len(item.options)])
        numbers = {c.n for c in item.citations}
        assert all(o.explanation and o.cite in numbers for o in item.options)
        assert all(c.chunk_id.startswith(("notes/", "aws:")) for c in item.citations)


def test_unknown_source_is_refused(home: Path) -> None:
    result = runner.invoke(app, ["quiz", "--source", "magic", "--json"])
    assert result.exit_code == 2 and "Unknown question source" in result.output


def test_offline_quiz_json_shape(home: Path, corpus) -> None:
    args = ["quiz", "--task", "4.1", "--count", "5", "--json", "--seed", "3", "--source",
            "offline"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == SHAPE and data["source"] == "offline" and data["generated"] == 5
    assert data["version"] == 1 and data["requested"] == 5 and data["count"] == 5
    assert data["selection"] == {"domain": None, "task": "4.1", "tasks": ["4.1"]}
    assert set(data["gate"]) == {"checked", "passed", "dropped"}
    assert data["gate"]["passed"] >= 5
    for raw in data["items"]:
        assert raw.pop("review") is False
        item = QuizItem.model_validate(raw)
        assert item.task == "4.1" and item.citations and item.generator == "offline"
        assert set(raw["citations"][0]) >= {"n", "chunk_id", "source", "title", "quote"}


def test_the_json_document_is_described_in_the_readme() -> None:
    text = DOC.read_text(encoding="utf-8")
    for key in ("version", "source", "selection", "requested", "count", "generated", "notice",
                "items", "gate", "review", "options", "correct", "explanation", "cite",
                "citations", "order", "pairs", "flags", "case", "skill", "generator"):
        assert re.search(rf"`{key}`|\"{key}\"", text), key


def test_domain_and_task_are_exclusive_and_checked(home: Path) -> None:
    both = runner.invoke(app, ["quiz", "--domain", "1", "--task", "1.1", "--json"])
    assert both.exit_code == 2
    unknown = runner.invoke(app, ["quiz", "--task", "5.1", "--json"])
    assert unknown.exit_code == 2 and "Unknown task" in unknown.output
    assert runner.invoke(app, ["quiz", "--domain", "5"]).exit_code == 2


def test_interactive_answers_are_graded_and_saved(home: Path, corpus) -> None:
    preview = json.loads(runner.invoke(
        app, ["quiz", "--task", "3.1", "--count", "2", "--json", "--seed", "5"]).output)
    wrong = []
    for item in preview["items"]:
        keys = [o["key"] for o in item["options"]]
        right = [o["key"] for o in item["options"] if o["correct"]] or keys[:1]
        wrong.append(next(k for k in keys if k not in right) if item["type"] != "matching"
                     else " ".join(f"{k}1" for k in keys))
    answers = "\n".join(["Z", *wrong]) + "\n"
    result = runner.invoke(app, ["quiz", "--task", "3.1", "--count", "2", "--seed", "5",
                                          "--no-review"], input=answers)
    assert result.exit_code == 0, result.output
    assert "Answer with the letters" in result.output  # the bad letter was re-asked
    assert result.output.count("Not quite.") == 2 and "Score: 0/2" in result.output

    progress = json.loads(runner.invoke(app, ["progress", "--json"]).output)
    assert progress["domains"][2]["attempts"] == 2 and progress["domains"][2]["correct"] == 0
    assert progress["weak_areas"][0]["task"] == "3.1"
    assert progress["review"]["1"] == 2 and progress["review"]["due"] == 0

    text = runner.invoke(app, ["progress"]).output
    assert "3.1 Select deployment infrastructure" in text and "0/2" in text
