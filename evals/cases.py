"""Eval datasets (JSON Lines) as typed cases, with errors that name the file and line.

Retrieval lines: ``{"question": str, "gold": [source, ...]}``; answer lines:
``{"question": str, "must": [[alt, ...], ...]}``. Extra keys (``task``, ``service``, ``half``,
and for answers ``type``, ``entities``, ``options``, ``key``) are kept and used to break results
down; ``source_url`` records where a question came from.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tutor.errors import TutorError

DATASETS_DIR = Path(__file__).resolve().parent / "datasets"


class DatasetError(TutorError):
    """An eval dataset is missing, malformed, or does not fit the index it is run against."""


class RetrievalCase(BaseModel):
    """A question and the sources (paths relative to the ingested folder) that answer it."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1)
    gold: list[str] = Field(min_length=1)
    task: str | None = None
    service: str | None = None
    source_url: str | None = None
    half: Literal["A", "B"] | None = None  # tune on one half, report on both

    @field_validator("gold")
    @classmethod
    def _no_blank(cls, value: list[str]) -> list[str]:
        if any(not g.strip() for g in value):
            raise ValueError("gold sources must not be blank")
        return value


class AnswerCase(BaseModel):
    """A question and its must-groups: the answer passes when it contains one alternative
    of every group."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1)
    must: list[list[str]] = Field(min_length=1)
    task: str | None = None
    # question type (README, section answers.jsonl): definition, comparison, choose, procedure,
    # figure, troubleshooting, list or practice
    type: str | None = None
    # comparison: one group of alternatives per entity the question names
    entities: list[list[str]] | None = None
    # practice (a pasted exam-style item): the lettered options and the key's letter
    options: dict[str, str] | None = None
    key: str | None = None

    @field_validator("must")
    @classmethod
    def _groups(cls, value: list[list[str]]) -> list[list[str]]:
        if any(not group or any(not alt.strip() for alt in group) for group in value):
            raise ValueError("every must-group needs at least one non-blank alternative")
        return value


Case = TypeVar("Case", RetrievalCase, AnswerCase)


def resolve(path: Path | str) -> Path:
    """The dataset file: as given, else by name in evals/datasets (so a bare
    ``answers.jsonl`` works from any folder)."""
    p = Path(path)
    if p.is_file():
        return p
    bundled = DATASETS_DIR / p.name
    if not p.is_absolute() and bundled.is_file():
        return bundled
    raise DatasetError(f"dataset {path} not found (bundled sets are in {DATASETS_DIR})")


def load_cases(path: Path | str, model: type[Case]) -> list[Case]:
    """Every line of a JSONL dataset as ``model``; DatasetError on the first bad line or on
    a question asked twice (it would count double)."""
    p = resolve(path)
    cases: list[Case] = []
    seen: set[str] = set()
    with p.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                case = model.model_validate(json.loads(line))
            except (json.JSONDecodeError, ValidationError) as exc:
                raise DatasetError(f"{p}:{n}: not a valid {model.__name__}: {exc}") from exc
            key = " ".join(case.question.lower().split())
            if key in seen:
                raise DatasetError(f"{p}:{n}: the question is already in the dataset")
            seen.add(key)
            cases.append(case)
    if not cases:
        raise DatasetError(f"{p} holds no questions")
    return cases


def dataset_info(path: Path | str, count: int) -> dict[str, object]:
    """What a report records about its dataset: name, path, content hash and size."""
    p = resolve(path)
    return {"name": p.stem, "path": str(p), "sha256": hashlib.sha256(p.read_bytes()).hexdigest(),
            "questions": count}


def gold_not_indexed(cases: Iterable[RetrievalCase], indexed: set[str]) -> list[str]:
    """Gold sources the index does not hold, sorted; raises DatasetError when it holds none
    of them, which means the wrong folder (or nothing) was ingested."""
    gold = {g for c in cases for g in c.gold}
    missing = sorted(gold - indexed)
    if gold and len(missing) == len(gold):
        example = ", ".join(sorted(gold)[:2])
        raise DatasetError(
            f"the index holds none of the dataset's {len(gold)} gold sources (e.g. {example}); "
            "ingest the folder the dataset was written for, e.g. `tutor ingest corpus/notes`"
        )
    return missing
