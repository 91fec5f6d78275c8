"""The authored content in ``corpus/``: the practice item bank (``items/T.yaml``) and the
concept cards (``cards/T.yaml``). Loading validates the schema and raises ``BankError`` naming
the file and item; ``check_corpus`` runs the editorial checks (citations resolve and support
the explanation, key positions, type mix) that ``python -m tutor.quiz.bank`` prints.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tutor.catalog import DEFAULT_CORPUS_DIR, TASKS, Catalog, load_catalog
from tutor.errors import TutorError

ItemType = Literal["single", "multiple", "ordering", "matching"]
_ID = r"^(?:case-)?[1-4]\.[1-3]-[a-z0-9][a-z0-9-]*$"
_SELECT_WORDS = {2: "TWO", 3: "THREE"}
_NOTE_CITE = re.compile(r"^notes/(?P<path>[^#]+\.md)#(?P<heading>.+)$")
_DOC_CITE = re.compile(r"^aws:(?P<path>[a-z0-9-]+/[^#\s]+\.md)$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_WORDS = re.compile(r"[a-z0-9]+")
_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?![\w.])")
_CODE = re.compile(r"`([^`]+)`")


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
        if self.type in ("ordering", "matching"):
            if not 3 <= n <= (6 if self.type == "ordering" else 5) or correct:
                raise ValueError(f"{self.type} items have 3-{6 if self.type == 'ordering' else 5}"
                                 " options and none marked correct")
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


def _read(path: Path) -> dict:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise BankError(f"{path.name}: cannot be read as YAML: {exc}") from exc
    if not isinstance(raw, dict) or str(raw.get("task")) not in TASKS:
        raise BankError(f"{path.name}: top level must be a mapping with a quoted task, e.g. "
                        "task: \"3.1\"")
    if path.stem != raw["task"]:
        raise BankError(f"{path.name}: the file of task {raw['task']} is named {raw['task']}.yaml")
    return raw


def _validate(model: type[BaseModel], raw: object, where: str) -> BaseModel:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'item'}: {e['msg']}"
                             for e in exc.errors())
        raise BankError(f"{where}: {problems}") from exc


def _with_task(raw: object, task: str) -> object:
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
                                        _label(path, item, n)))  # type: ignore[arg-type]
        for n, case in enumerate(raw.get("cases") or []):
            if isinstance(case, dict):
                case = {**case, "items": [{**_with_task(i, raw["task"]), "case": case.get("id")}
                                          if isinstance(i, dict) else i
                                          for i in case.get("items") or []]}
            study = _validate(CaseStudy, case, _label(path, case, n))
            bank.cases.append(study)  # type: ignore[arg-type]
            bank.items.extend(study.items)  # type: ignore[attr-defined]
    dupes = [k for k, v in Counter(i.id for i in bank.items).items() if v > 1]
    if dupes:
        raise BankError(f"item ids used twice: {dupes}")
    return bank


def load_cards(folder: Path | None = None) -> list[Card]:
    """Read ``corpus/cards/*.yaml``; raise BankError naming the first invalid card."""
    folder = folder or DEFAULT_CORPUS_DIR / "cards"
    cards: list[Card] = []
    for path in sorted(folder.glob("*.yaml")):
        raw = _read(path)
        for n, card in enumerate(raw.get("cards") or []):
            cards.append(_validate(Card, _with_task(card, raw["task"]),  # type: ignore[arg-type]
                                   _label(path, card, n)))
    dupes = [k for k, v in Counter(c.id for c in cards).items() if v > 1]
    if dupes:
        raise BankError(f"card ids used twice: {dupes}")
    return cards


# --- editorial checks ---------------------------------------------------------------------

def note_sections(path: Path) -> dict[str, str]:
    """Heading text -> the section's text (its subsections included) of a Markdown note."""
    lines = path.read_text(encoding="utf-8").split("\n")
    heads: list[tuple[int, int, str]] = []
    fenced = False
    for i, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and (m := _HEADING.match(line)):
            heads.append((i, len(m[1]), m[2].strip()))
    out: dict[str, str] = {}
    for n, (start, level, title) in enumerate(heads):
        end = next((s for s, lv, _ in heads[n + 1:] if lv <= level), len(lines))
        out.setdefault(title, "\n".join(lines[start:end]))
    return out


class Resolver:
    """Finds the text a Cite points at: note sections from the corpus, pages from a local
    copy of the AWS docs (when present) that the docs manifest lists."""

    def __init__(self, corpus: Path, aws_docs: Path | None) -> None:
        self.corpus, self.aws_docs = corpus, aws_docs
        manifest = yaml.safe_load((corpus / "aws_docs.yaml").read_text(encoding="utf-8"))
        self.pages = {p["path"] for g in manifest["guides"] for p in g["pages"]}
        self._notes: dict[str, dict[str, str]] = {}

    def text(self, cite: Cite) -> str | None:
        """The cited text, "" when it exists but cannot be read here, None when missing."""
        if cite.kind == "note":
            path = self.corpus / "notes" / cite.path
            if not path.is_file():
                return None
            sections = self._notes.setdefault(cite.path, note_sections(path))
            return sections.get(cite.heading or "")
        if cite.path not in self.pages:
            return None
        page = self.aws_docs / cite.path if self.aws_docs else None
        return page.read_text(encoding="utf-8", errors="replace") if page and page.is_file() else ""


def _norm(text: str) -> str:
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text.replace("`", "").lower())  # 1,800 = 1800
    return " ".join(_WORDS.findall(text))


def key_terms(text: str, catalog: Catalog, context: str = "") -> set[str]:
    """The terms an explanation rests on: catalog names, figures and code identifiers it
    mentions that the context (the stem) does not already give."""
    terms = {m.text for m in catalog.mentions(text)}
    terms |= {n.replace(",", "") for n in _NUMBER.findall(text) if len(n) > 1 or n != "0"}
    terms |= set(_CODE.findall(text))
    given = _norm(context)
    return {t for t in terms if _norm(t) and f" {_norm(t)} " not in f" {given} "}


def support_problem(why: str, cited: str, catalog: Catalog, context: str = "") -> str | None:
    """Why the cited text does not back the explanation, or None when it does: every figure
    and code name must occur in it, and at least half of all the key terms."""
    terms = key_terms(why, catalog, context)
    if not terms or not cited:
        return None
    body = f" {_norm(cited)} "
    missing = sorted(t for t in terms if f" {_norm(t)} " not in body)
    hard = [t for t in missing if _NUMBER.fullmatch(t) or t in _CODE.findall(why)]
    if hard or len(missing) * 2 > len(terms):
        return f"the cited text lacks {missing}"
    return None


@dataclass
class CorpusCheck:
    problems: list[str] = field(default_factory=list)
    stats: dict[str, object] = field(default_factory=dict)


def _check_items(bank: Bank, res: Resolver, catalog: Catalog, out: CorpusCheck) -> None:
    seen: dict[tuple[str, str], str] = {}
    for item in bank.items:
        stem = item.stem
        if item.case:
            study = next(c for c in bank.cases if c.id == item.case)
            stem = f"{study.scenario}\n{item.stem}"
        for n, opt in enumerate(item.options):
            where = f"{item.id} option {chr(65 + n)}"
            cited = res.text(opt.cite)
            if cited is None:
                out.problems.append(f"{where}: cite {opt.cite} does not resolve")
            elif why := support_problem(opt.why, cited, catalog, f"{stem}\n{opt.text}"):
                out.problems.append(f"{where}: {why} ({opt.cite})")
        if re.search(r"\b(all|none) of the (above|options)\b|\btrue or false\b", stem, re.I):
            out.problems.append(f"{item.id}: all/none-of-the-above or true/false wording")
        key = " | ".join(sorted(item.options[k].text.lower() for k in item.keys))
        sig = (_norm(item.constraint), key)
        if sig in seen and item.type in ("single", "multiple"):
            out.problems.append(f"{item.id}: same constraint and key as {seen[sig]}")
        seen.setdefault(sig, item.id)
    singles = [i for i in bank.items if i.type == "single"]
    letters = Counter("ABCD"[i.keys[0]] for i in singles)
    longest = sum(1 for i in singles
                  if len(i.options[i.keys[0]].text) > max(len(o.text) for n, o in
                                                          enumerate(i.options) if n != i.keys[0]))
    types = Counter(i.type for i in bank.items)
    total = len(bank.items) or 1
    out.stats.update(items=len(bank.items), cases=len(bank.cases),
                     per_task={t: len(bank.by_task(t)) for t in TASKS},
                     type_share={t: round(c / total, 3) for t, c in types.items()},
                     key_letters={k: round(v / (len(singles) or 1), 3)
                                  for k, v in sorted(letters.items())},
                     key_longest_rate=round(longest / (len(singles) or 1), 3))


def _check_cards(cards: list[Card], res: Resolver, catalog: Catalog, out: CorpusCheck) -> None:
    shingled = [(c.id, set(_WORDS.findall(f"{c.front} {c.back}".lower()))) for c in cards]
    for card in cards:
        cited = res.text(card.cite)
        if cited is None:
            out.problems.append(f"{card.id}: cite {card.cite} does not resolve")
        elif why := support_problem(card.back, cited, catalog, card.front):
            out.problems.append(f"{card.id}: {why} ({card.cite})")
    for n, (a, wa) in enumerate(shingled):
        for b, wb in shingled[n + 1:]:
            if wa and wb and len(wa & wb) / len(wa | wb) >= 0.8:
                out.problems.append(f"{a} and {b} are near-duplicates")
    out.stats["cards_per_task"] = {t: sum(c.task == t for c in cards) for t in TASKS}


def check_corpus(corpus: Path = DEFAULT_CORPUS_DIR, aws_docs: Path | None = None,
                 parts: Iterable[str] = ("items", "cards")) -> CorpusCheck:
    """Load the bank and the cards and run every editorial check."""
    out = CorpusCheck()
    res, catalog = Resolver(corpus, aws_docs), load_catalog(corpus / "services.yaml")
    try:
        if "items" in parts:
            _check_items(load_bank(corpus / "items"), res, catalog, out)
        if "cards" in parts:
            _check_cards(load_cards(corpus / "cards"), res, catalog, out)
    except BankError as exc:
        out.problems.append(str(exc))
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m tutor.quiz.bank [items|cards] [--aws-docs DIR]``: print problems and stats."""
    args = list(sys.argv[1:] if argv is None else argv)
    aws = Path(args.pop(args.index("--aws-docs") + 1)) if "--aws-docs" in args else None
    if "--aws-docs" in args:
        args.remove("--aws-docs")
    default_docs = DEFAULT_CORPUS_DIR.parent.parent / "shared" / "aws-docs"
    result = check_corpus(aws_docs=aws or (default_docs if default_docs.is_dir() else None),
                          parts=args or ("items", "cards"))
    for line in result.problems:
        print("PROBLEM", line)
    for key, value in result.stats.items():
        print(f"{key}: {value}")
    return 1 if result.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
