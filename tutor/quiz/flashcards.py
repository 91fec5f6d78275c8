"""Flashcards: the facts behind the exam's scenarios, reviewed on a Leitner schedule.

Three kinds, all read from ``corpus/`` (no index needed):

- ``concept``: the concept cards of ``corpus/cards/`` (a learner's question, a cited answer);
- ``service``: one per catalog entry: what it is for (``corpus/services.yaml``);
- ``sentence``: the key sentence of each study-note section (the one that opens it, naming its
  subject and when to choose it), with the subject blanked out. These take the place of the
  fill-in-the-blank and true/false questions Practice used to ask: the exam has neither.

Every card reviewed once is scheduled (``review.next_flashcard``) in the progress store; a
review session takes due cards first, most overdue first, then cards never reviewed.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from tutor.catalog import DEFAULT_CORPUS_DIR, Catalog, Mention, load_catalog
from tutor.exam import TASKS
from tutor.load.markdown import front_matter
from tutor.quiz.bank import load_cards
from tutor.quiz.bank_check import note_sections
from tutor.quiz.note_text import sentences, strip_source_notes
from tutor.quiz.plan import selection_tasks
from tutor.quiz.review import ReviewCard

CardKind = Literal["concept", "service", "sentence"]
BLANK = "_____"
SUBJECT_WORDS = 4  # a key sentence names its subject within its first few words
# trap lists state misconceptions on purpose; their sentences are not facts to learn
TRAP_HEADING = re.compile(r"\b(traps?|pitfalls?|mistakes?|misconceptions?|myths?|gotchas?)\b", re.I)
_PRONOUN_START = re.compile(
    r"^(It|Its|This|That|These|Those|They|Both|Such|Here|There|The same|The other|Another|"
    r"Also|However|Instead|Otherwise|Then)\b")
# a sentence pointing back at its neighbours cannot stand alone
_BACK_REFERENCE = re.compile(
    r"\b(these|those|above|below|following|former|latter|the same)\b|^(\w+\s+){0,2}it\b", re.I)


class Flashcard(BaseModel):
    """One card: a prompt, its answer, where it comes from and what it covers."""

    id: str = Field(description="Stable: the concept card's id, service:<id> or sentence:<hash>.")
    kind: CardKind
    front: str
    back: str
    tasks: list[str] = Field(default_factory=list, description="Task statements it serves.")
    tags: list[str] = Field(default_factory=list)
    source: str = Field(description="The cite, note section or catalog entry it comes from.")

    @property
    def domains(self) -> set[int]:
        return {int(t[0]) for t in self.tasks}


def usable_sentence(sentence: str) -> bool:
    """Whether a note sentence can stand alone: complete, self-contained, of moderate length."""
    words = sentence.split()
    return (8 <= len(words) <= 45 and sentence.endswith(".")
            and not _PRONOUN_START.match(sentence)
            and not words[0].lower().endswith("ing")  # "Treating X as Y." is a fragment
            and not _BACK_REFERENCE.search(sentence) and BLANK not in sentence
            and "?" not in sentence and not sentence.startswith(("-", "*")))


def _embedded(sentence: str, mention: Mention) -> bool:
    """True when the mention is glued to a capitalised neighbour, i.e. part of a longer proper
    name ("Application Auto Scaling") that must not be cut out. The sentence's first word is
    capitalised anyway, so it is no evidence."""
    prev = re.search(r"(\S+) $", sentence[: mention.start])
    glued_prev = (prev is not None and prev.start() > 0 and prev.group(1)[0].isupper()
                  and not prev.group(1).endswith((".", ":", ";", ",", ")")))
    return glued_prev or re.match(r" ([A-Z])", sentence[mention.end:]) is not None


def _sentence_card(catalog: Catalog, sentence: str, task: str, where: str,
                   heading: str) -> Flashcard | None:
    mentions = catalog.mentions(sentence)
    # the sentence must be about the entry it names first: named within its first words
    if (not mentions or len(sentence[: mentions[0].start].split()) > SUBJECT_WORDS
            or any(_embedded(sentence, m) for m in mentions)):
        return None
    subject = catalog.get(mentions[0].service_id)
    blanked = sentence
    for m in reversed([m for m in mentions if m.service_id == subject.id]):
        blanked = blanked[: m.start] + BLANK + blanked[m.end:]
    # the heading gives context unless it names the answer
    context = "" if catalog.mentions_service(heading, subject.id) else f"{heading}: "
    digest = hashlib.sha256(sentence.encode()).hexdigest()[:12]
    return Flashcard(id=f"sentence:{digest}", kind="sentence",
                     front=f"{context}Which AWS service or feature fills the blank? {blanked}",
                     back=f"{subject.label}. {sentence}", tasks=[task], tags=[subject.id],
                     source=where)


def sentence_cards(notes: Path, catalog: Catalog) -> list[Flashcard]:
    """The key sentence of each section of the task notes, as a fill-the-blank card."""
    cards: list[Flashcard] = []
    for path in sorted(notes.glob("domain-*/*.md")):
        task = str(front_matter(path.read_text(encoding="utf-8"), [])[0].get("task", ""))
        if task not in TASKS:
            continue
        rel = path.relative_to(notes).as_posix()
        for heading, text in note_sections(path).items():
            body = strip_source_notes("\n".join(text.split("\n")[1:]))
            first = next(iter(sentences(body)), "")
            if TRAP_HEADING.search(heading) or not usable_sentence(first):
                continue
            card = _sentence_card(catalog, first, task, f"notes/{rel}#{heading}", heading)
            if card is not None and card.id not in {c.id for c in cards}:
                cards.append(card)
    return cards


def service_cards(catalog: Catalog) -> list[Flashcard]:
    return [Flashcard(id=f"service:{s.id}", kind="service", front=f"What is {s.label} for?",
                      back=s.purpose, tasks=list(s.tasks), tags=[s.id, s.category],
                      source=f"catalog:{s.id}")
            for s in catalog.services if s.purpose and s.tasks]


@lru_cache(maxsize=2)
def load_flashcards(corpus: Path = DEFAULT_CORPUS_DIR) -> tuple[Flashcard, ...]:
    """Every flashcard: concept cards, catalog entries, note key sentences (in that order).
    Read once per process; raises BankError or CatalogError when a source file is invalid."""
    catalog = load_catalog(corpus / "services.yaml")
    concept = [Flashcard(id=c.id, kind="concept", front=c.front, back=" ".join(c.back.split()),
                         tasks=[c.task], tags=c.tags, source=str(c.cite))
               for c in load_cards(corpus / "cards")]
    return (*concept, *service_cards(catalog), *sentence_cards(corpus / "notes", catalog))


def select(cards: tuple[Flashcard, ...] | list[Flashcard], domain: int | None = None,
           task: str | None = None) -> list[Flashcard]:
    """The cards serving a domain or a task statement (all cards when neither is given)."""
    if domain is None and task is None:
        return list(cards)
    wanted = set(selection_tasks(domain, task))
    return [c for c in cards if wanted & set(c.tasks)]


def review_queue(cards: list[Flashcard], states: Mapping[str, ReviewCard], count: int,
                 now: datetime | None = None, seed: int | None = None) -> list[Flashcard]:
    """Up to ``count`` cards to review now: due ones (most overdue first), then new ones in a
    shuffled order that mixes the three kinds. Cards scheduled for later are left out."""
    moment = now or datetime.now(UTC)
    due = sorted((c for c in cards if c.id in states and states[c.id].due <= moment),
                 key=lambda c: (states[c.id].due, c.id))
    new = [c for c in cards if c.id not in states]
    random.Random(seed).shuffle(new)
    return (due + new)[:count]
