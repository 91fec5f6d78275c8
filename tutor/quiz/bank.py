"""The authored content in ``corpus/``: the practice item bank (``items/T.yaml``) and the
concept cards (``cards/T.yaml``). Loading validates the schema and raises ``BankError`` naming
the file and item. ``python -m tutor.quiz.bank [items|cards] [--aws-docs DIR]`` runs the
editorial checks of ``tutor.quiz.bank_check`` and prints the problems and statistics.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tutor import yaml_text
from tutor.catalog import DEFAULT_CORPUS_DIR
from tutor.errors import TutorError
from tutor.exam import TASKS

ItemType = Literal["single", "multiple", "ordering", "matching"]
_ID = r"^(?:case-)?[1-4]\.[1-3]-[a-z0-9][a-z0-9-]*$"
_SELECT_WORDS = {2: "TWO", 3: "THREE"}
_Model = TypeVar("_Model", bound=BaseModel)
_NOTE_CITE = re.compile(r"^notes/(?P<path>[^#]+\.md)#(?P<heading>.+)$")
_DOC_CITE = re.compile(r"^aws:(?P<path>[a-z0-9-]+/[^#\s]+\.md)$")
class BankError(TutorError):
    """An authored content file does not match its schema."""


class Cite(BaseModel):
    """Where a card or an option's explanation is supported: a note section or an AWS page."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["note", "doc"]
    path: str = Field(description="Note path under corpus/notes, or guide/slug.md of a page.")
    heading: str | None = Field(None, description="Note section heading (notes only).")

    @classmethod
    def parse(cls, text: str) -> Cite:
        text = text.strip()
        if m := _NOTE_CITE.match(text):
            return cls(kind="note", path=m["path"], heading=m["heading"].strip())
        if m := _DOC_CITE.match(text):
            return cls(kind="doc", path=m["path"])
        raise ValueError(f"cite {text!r} is neither 'notes/<path>.md#<heading>' nor "
                         "'aws:<guide>/<slug>.md'")

    def __str__(self) -> str:
        return f"notes/{self.path}#{self.heading}" if self.kind == "note" else f"aws:{self.path}"


def _cite(value: object) -> object:
    return Cite.parse(value) if isinstance(value, str) else value


class BankOption(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    correct: bool = False
    match: str | None = Field(None, description="Matching items: the description it pairs with.")
    why: str = Field(min_length=10, description="Why it is right, or the constraint it fails.")
    cite: Cite

    _cite = field_validator("cite", mode="before")(_cite)


class BankItem(BaseModel):
    """One authored practice item."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_ID)
    type: ItemType
    task: str = Field("", description="Set from the file when the item does not state it.")
    difficulty: int = Field(ge=1, le=3)
    skill: str = Field(min_length=5)
    constraint: str = Field(min_length=5)
    stem: str = Field(min_length=30)
    select: int | None = None
    options: list[BankOption]
    case: str | None = Field(None, description="Id of the case study the item belongs to.")

    @property
    def domain(self) -> int:
        return int(self.task[0])

    @property
    def keys(self) -> list[int]:
        return [i for i, o in enumerate(self.options) if o.correct]

    @model_validator(mode="after")
    def _shape(self) -> BankItem:
        n, correct = len(self.options), len(self.keys)
        if self.task not in TASKS:
            raise ValueError(f"task {self.task!r} is not an exam task statement")
        if self.type == "single" and (n != 4 or correct != 1):
            raise ValueError(f"single items have 4 options and 1 correct (got {n}, {correct})")
        if self.type == "multiple":
            if self.select not in _SELECT_WORDS or not 5 <= n <= 6 or correct != self.select:
                raise ValueError("multiple items have 5-6 options, select 2 or 3, and exactly "
                                 f"that many correct (got {n} options, select {self.select}, "
                                 f"{correct} correct)")
            ending = f"(Select {_SELECT_WORDS[self.select]}.)"
            if not self.stem.rstrip().endswith(ending):
                raise ValueError(f"a select-{self.select} stem ends with {ending!r}")
        elif self.select is not None:
            raise ValueError("only multiple items have 'select'")
        most = 6 if self.type == "ordering" else 5
        if self.type in ("ordering", "matching") and (not 3 <= n <= most or correct):
            raise ValueError(f"{self.type} items have 3-{most} options and none marked correct")
        if (self.type == "matching") != all(o.match for o in self.options):
            raise ValueError("every option of a matching item (and only those) has 'match'")
        texts = [o.text.strip().lower() for o in self.options]
        if len(set(texts)) != n:
            raise ValueError("two options have the same text")
        return self


class CaseStudy(BaseModel):
    """A scenario shared by three or four items."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^case-[1-4]\.[1-3]-[a-z0-9-]+$")
    title: str = Field(min_length=5)
    scenario: str
    items: list[BankItem]

    @model_validator(mode="after")
    def _shape(self) -> CaseStudy:
        words = len(self.scenario.split())
        if not 120 <= words <= 250:
            raise ValueError(f"the scenario has {words} words; 120-250 are allowed")
        if not 3 <= len(self.items) <= 4:
            raise ValueError(f"a case study has 3 or 4 items (got {len(self.items)})")
        return self


class Card(BaseModel):
    """A concept card: a learner's question and a short, cited answer."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_ID)
    task: str = ""
    front: str = Field(min_length=10)
    back: str = Field(min_length=20)
    tags: list[str] = Field(default_factory=list)
    cite: Cite

    _cite = field_validator("cite", mode="before")(_cite)

    @field_validator("back")
    @classmethod
    def _sentences(cls, value: str) -> str:
        count = len(re.findall(r"[.!?](?:\s|$)", value.strip()))
        if not 1 <= count <= 3:
            raise ValueError(f"a card back has 1-3 sentences (found {count})")
        return value


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = yaml_text.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise BankError(f"{path.name}: cannot be read as YAML: {exc}") from exc
    if not isinstance(raw, dict) or str(raw.get("task")) not in TASKS:
        raise BankError(f"{path.name}: top level must be a mapping with a quoted task, e.g. "
                        "task: \"3.1\"")
    if path.stem != raw["task"]:
        raise BankError(f"{path.name}: the file of task {raw['task']} is named {raw['task']}.yaml")
    return raw


def _validate(model: type[_Model], raw: object, where: str) -> _Model:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'item'}: {e['msg']}"
                             for e in exc.errors())
        raise BankError(f"{where}: {problems}") from exc


def _with_task(raw: Any, task: str) -> Any:
    return {"task": task, **raw} if isinstance(raw, dict) and "task" not in raw else raw


def _label(path: Path, raw: object, n: int) -> str:
    ident = raw.get("id") if isinstance(raw, dict) else None
    return f"{path.name}: {ident or f'entry {n + 1}'}"


@dataclass
class Bank:
    """Every authored item, standalone and in case studies."""

    items: list[BankItem] = field(default_factory=list)
    cases: list[CaseStudy] = field(default_factory=list)

    def by_task(self, task: str) -> list[BankItem]:
        return [i for i in self.items if i.task == task]


def load_bank(folder: Path | None = None) -> Bank:
    """Read ``corpus/items/*.yaml``; raise BankError naming the first invalid item."""
    folder = folder or DEFAULT_CORPUS_DIR / "items"
    bank = Bank()
    for path in sorted(folder.glob("*.yaml")):
        raw = _read(path)
        for n, item in enumerate(raw.get("items") or []):
            bank.items.append(_validate(BankItem, _with_task(item, raw["task"]),
                                        _label(path, item, n)))
        for n, case in enumerate(raw.get("cases") or []):
            if isinstance(case, dict):
                case = {**case, "items": [{**_with_task(i, raw["task"]), "case": case.get("id")}
                                          if isinstance(i, dict) else i
                                          for i in case.get("items") or []]}
            study = _validate(CaseStudy, case, _label(path, case, n))
            bank.cases.append(study)
            bank.items.extend(study.items)
    dupes = [k for k, v in Counter(i.id for i in bank.items).items() if v > 1]
    if dupes:
        raise BankError(f"item ids used twice: {dupes}")
    return bank


@dataclass
class SchemaCheck:
    """How many authored items there are and how many of them validate."""

    entries: int = 0
    valid: int = 0
    problems: list[str] = field(default_factory=list)


def check_schema(folder: Path | None = None) -> SchemaCheck:
    """Validate every item of ``items/*.yaml`` on its own (``load_bank`` stops at the first
    problem), case-study items included; an unreadable file counts as one invalid entry."""
    folder = folder or DEFAULT_CORPUS_DIR / "items"
    out = SchemaCheck()
    for path in sorted(folder.glob("*.yaml")):
        try:
            raw = _read(path)
        except BankError as exc:
            out.entries += 1
            out.problems.append(str(exc))
            continue
        entries = [(item, raw["task"], None) for item in raw.get("items") or []]
        for case in raw.get("cases") or []:
            items = case.get("items") if isinstance(case, dict) else None
            entries += [(item, raw["task"], case.get("id")) for item in items or []]
        for n, (item, task, case_id) in enumerate(entries):
            out.entries += 1
            data = {**_with_task(item, task), "case": case_id} if isinstance(item, dict) else item
            try:
                _validate(BankItem, data, _label(path, item, n))
                out.valid += 1
            except BankError as exc:
                out.problems.append(str(exc))
    return out


def card_from_dict(raw: object, task: str, where: str) -> Card:
    """One card as written in a file of ``task``; BankError naming ``where`` when invalid."""
    return _validate(Card, _with_task(raw, task), where)


def load_cards(folder: Path | None = None) -> list[Card]:
    """Read ``corpus/cards/*.yaml``; raise BankError naming the first invalid card."""
    folder = folder or DEFAULT_CORPUS_DIR / "cards"
    cards: list[Card] = []
    for path in sorted(folder.glob("*.yaml")):
        raw = _read(path)
        for n, card in enumerate(raw.get("cards") or []):
            cards.append(card_from_dict(card, raw["task"], _label(path, card, n)))
    dupes = [k for k, v in Counter(c.id for c in cards).items() if v > 1]
    if dupes:
        raise BankError(f"card ids used twice: {dupes}")
    return cards


if __name__ == "__main__":
    from tutor.quiz.bank_check import main

    raise SystemExit(main())
