"""The service catalog (corpus/services.yaml): AWS services, features and algorithms by exam task.

The catalog is the quiz generator's source of answers and distractors and the UI's glossary.
``Catalog.mentions`` finds which catalog entries a text names, by full name, name without the
"Amazon "/"AWS " prefix, or alias.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tutor import yaml_text
from tutor.errors import TutorError
from tutor.exam import TASKS

DEFAULT_CORPUS_DIR = Path(__file__).resolve().parents[1] / "corpus"
DEFAULT_CATALOG_PATH = DEFAULT_CORPUS_DIR / "services.yaml"
DEFAULT_NOTES_DIR = DEFAULT_CORPUS_DIR / "notes"

_BRACKETED = re.compile(r"^(.*?)\s*\(([^()]+)\)\s*$")
_PREFIX = re.compile(r"^(Amazon|AWS)\s+")
_NAME_WORD = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")  # case and inner hyphens kept


class CatalogError(TutorError):
    """The service catalog is missing or does not match its schema."""


class Service(BaseModel):
    """One catalog entry: an AWS service, feature or built-in algorithm."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    name: str
    aliases: list[str] = Field(default_factory=list)
    category: str
    purpose: str
    scenarios: list[str] = Field(default_factory=list)
    domains: list[int] = Field(default_factory=list)
    tasks: list[str] = Field(default_factory=list)
    confused_with: list[str] = Field(default_factory=list)
    docs: str | None = Field(None, description="docs.aws.amazon.com path, or a full URL.")

    @field_validator("docs")
    @classmethod
    def _docs_url(cls, value: str | None) -> str | None:
        # The catalog stores paths under docs.aws.amazon.com to stay short; expand them here.
        if value and not value.startswith(("http://", "https://")):
            return f"https://docs.aws.amazon.com/{value.lstrip('/')}"
        return value

    @field_validator("tasks", mode="before")
    @classmethod
    def _tasks_as_text(cls, value: object) -> object:
        # YAML reads an unquoted 1.1 as a float
        if isinstance(value, list):
            return [str(v) for v in value]
        return value

    @property
    def label(self) -> str:
        """The name shown on an option. A trailing bracket that abbreviates the name wins
        ("Amazon Simple Storage Service (Amazon S3)" -> "Amazon S3"); any other trailing
        bracket is context and is dropped ("Security groups (Amazon VPC)" -> "Security groups")."""
        m = _BRACKETED.match(self.name)
        if not m:
            return self.name
        base, inner = m.group(1).strip(), m.group(2).strip()
        short = _PREFIX.sub("", inner)
        abbreviation = (" " not in short and sum(c.isupper() or c.isdigit() for c in short) >= 2
                        and short[0].lower() == _PREFIX.sub("", base)[:1].lower())
        if not abbreviation:
            return base
        prefix = _PREFIX.match(base)
        return inner if _PREFIX.match(inner) or prefix is None else f"{prefix.group(0)}{inner}"

    @property
    def short_name(self) -> str:
        """The label without a leading 'Amazon ' or 'AWS '."""
        return _PREFIX.sub("", self.label)

    def names(self) -> list[str]:
        """Every surface form that refers to this entry, longest first."""
        m = _BRACKETED.match(self.name)
        base = m.group(1).strip() if m else self.name
        forms = {self.name, base, _PREFIX.sub("", base), self.label, self.short_name, *self.aliases}
        return sorted((f for f in forms if f.strip()), key=len, reverse=True)


@dataclass(frozen=True)
class Mention:
    """A span of text that names a catalog entry."""

    start: int
    end: int
    service_id: str
    text: str


class Catalog(BaseModel):
    """The whole catalog with lookups by id, name, category and task."""

    version: int = 1
    categories: dict[str, str] = Field(default_factory=dict)
    services: list[Service]

    @cached_property
    def by_id(self) -> dict[str, Service]:
        return {s.id: s for s in self.services}

    def get(self, service_id: str) -> Service:
        """The entry with this id; KeyError if there is none."""
        return self.by_id[service_id]

    def by_name(self, text: str) -> Service | None:
        """The entry whose full name (or short name, or alias) is exactly ``text``."""
        return self._name_index.get(text.strip().lower())

    def in_category(self, category: str) -> list[Service]:
        return [s for s in self.services if s.category == category]

    def for_task(self, task: str) -> list[Service]:
        return [s for s in self.services if task in s.tasks]

    @cached_property
    def _name_index(self) -> dict[str, Service]:
        index: dict[str, Service] = {}
        for service in self.services:
            for form in service.names():
                index.setdefault(form.lower(), service)
        return index

    @cached_property
    def _forms(self) -> tuple[dict[tuple[str, ...], Service], dict[str, list[int]]]:
        """Token sequences of every name form, and for each first token the sequence lengths
        that start with it, longest first."""
        forms: dict[tuple[str, ...], Service] = {}
        for form, service in self._name_index.items():
            key = tuple(t.lower() for t in _NAME_WORD.findall(form))
            if key:
                forms.setdefault(key, service)
        lengths: dict[str, set[int]] = {}
        for key in forms:
            lengths.setdefault(key[0], set()).add(len(key))
        return forms, {k: sorted(v, reverse=True) for k, v in lengths.items()}

    def mentions(self, text: str) -> list[Mention]:
        """Non-overlapping mentions of catalog entries in ``text``, longest form first.

        Matching is by whole words, ignoring case and punctuation between words. A one-word
        form made only of letters ("Glue", "Forecast") counts only when the text capitalises
        it, so the verb "translate" is not Amazon Translate.
        """
        forms, lengths = self._forms
        words = list(_NAME_WORD.finditer(text))
        lowered = [w.group(0).lower() for w in words]
        found: list[Mention] = []
        i = 0
        while i < len(words):
            hit = None
            for n in lengths.get(lowered[i], ()):
                if i + n > len(words):
                    continue
                service = forms.get(tuple(lowered[i : i + n]))
                if service is None:
                    continue
                surface = words[i].group(0)
                if n == 1 and surface.isalpha() and surface.islower():
                    continue
                hit = (n, service)
                break
            if hit is None:
                i += 1
                continue
            n, service = hit
            start, end = words[i].start(), words[i + n - 1].end()
            unclosed = text.count("(", start, end) > text.count(")", start, end)
            if unclosed and text[end : end + 1] == ")":
                end += 1  # "Amazon Simple Storage Service (Amazon S3)" keeps its bracket
            found.append(Mention(start, end, service.id, text[start:end]))
            i += n
        return found

    def mentioned_ids(self, text: str) -> list[str]:
        """Ids named in ``text``, first mention first, each once; catalog: links count too."""
        ids = [m.service_id for m in self.mentions(text)]
        ids += [i for i in re.findall(r"\(catalog:([a-z0-9-]+)\)", text) if i in self.by_id]
        return list(dict.fromkeys(ids))

    def mentions_service(self, text: str, service_id: str) -> bool:
        return service_id in self.mentioned_ids(text)

    def problems(self) -> list[str]:
        """Schema problems a loaded catalog may still have (dangling ids, bad tasks)."""
        out: list[str] = []
        seen: set[str] = set()
        for s in self.services:
            if s.id in seen:
                out.append(f"duplicate id {s.id}")
            seen.add(s.id)
            if self.categories and s.category not in self.categories:
                out.append(f"{s.id}: undeclared category {s.category}")
            for other in s.confused_with:
                if other not in self.by_id or other == s.id:
                    out.append(f"{s.id}: confused_with has unknown id {other}")
            for task in s.tasks:
                if task not in TASKS or int(task[0]) not in s.domains:
                    out.append(f"{s.id}: task {task} is not in its domains {s.domains}")
        return out


def load_catalog(path: Path | str | None = None) -> Catalog:
    """Read and validate the catalog YAML; raise CatalogError naming the problem."""
    target = Path(path) if path is not None else DEFAULT_CATALOG_PATH
    try:
        raw = yaml_text.safe_load(target.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CatalogError(f"Service catalog not found at {target}") from exc
    except yaml.YAMLError as exc:
        raise CatalogError(f"Service catalog {target} is not valid YAML: {exc}") from exc
    return catalog_from_dict(raw, origin=str(target))


def catalog_from_dict(raw: object, origin: str = "catalog") -> Catalog:
    """Build a Catalog from already-parsed data (tests use this with small fixtures)."""
    try:
        return Catalog.model_validate(raw)
    except ValidationError as exc:
        raise CatalogError(f"{origin} does not match the catalog schema: {exc}") from exc


def distractor_pool(catalog: Catalog, key: Service, exclude: Iterable[str] = ()) -> list[Service]:
    """Entries a candidate could confuse with ``key``: its confused_with list first, then the
    rest of its category, then entries that list ``key`` as confusable. Never ``key`` itself."""
    banned = {key.id, *exclude}
    ordered: list[str] = list(key.confused_with)
    ordered += [s.id for s in catalog.in_category(key.category)]
    ordered += [s.id for s in catalog.services if key.id in s.confused_with]
    return [catalog.by_id[i] for i in dict.fromkeys(ordered)
            if i in catalog.by_id and i not in banned]
