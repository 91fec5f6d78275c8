"""Item-bank entries as the QuizItems Practice and the mock exam show.

Options of single and multiple items keep their authored order and letters A, B, C ... (the
exam shows options as written, and the bank balances where the key sits). Ordering items list
their steps in the correct order, so their display order is shuffled, by the item id so it is
the same every time and never the answer itself; matching descriptions are shuffled by
``grade.match_targets``. Every option carries its own explanation and the number of the
citation behind it; citations point at a note section (its text read from ``corpus/notes``) or
at an AWS documentation page (its text read from the fetched copy under ``docs_dir`` when
there is one, otherwise just its link).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tutor.answer.guard import sanitize_text
from tutor.catalog import DEFAULT_CORPUS_DIR
from tutor.quiz.bank import Bank, BankItem, CaseStudy, Cite, load_bank
from tutor.quiz.bank_check import Resolver
from tutor.quiz.note_text import content_words, plain_text, sentences, strip_source_notes
from tutor.text import letters
from tutor.types import CaseRef, Citation, QuizItem, QuizOption

BANK = "bank"
_TITLE = re.compile(r"^title:[ \t]*(.+)$", re.M)


class CiteTexts:
    """Citations for bank cites: where they point, the passage, and its best sentence."""

    def __init__(self, corpus: Path = DEFAULT_CORPUS_DIR, docs_dir: Path | None = None):
        self.corpus = corpus
        self.resolver = Resolver(corpus, docs_dir)
        self._titles: dict[str, str] = {}
        self._passages: dict[str, tuple[str, list[tuple[str, set[str]]]]] = {}

    def _note_title(self, path: str) -> str:
        if path not in self._titles:
            head = (self.corpus / "notes" / path).read_text(encoding="utf-8")[:2000]
            found = _TITLE.search(head.split("\n---", 1)[0])
            self._titles[path] = found[1].strip().strip("\"'") if found else path
        return self._titles[path]

    def _passage(self, cite: Cite) -> tuple[str, list[tuple[str, set[str]]]]:
        """The cited text as plain text, and its sentences with their content words."""
        key = str(cite)
        if key not in self._passages:
            text = self.resolver.text(cite) or ""
            passage = sanitize_text(strip_source_notes(plain_text(text)).strip())[0]
            self._passages[key] = (passage, [(s, content_words(s)) for s in sentences(passage)])
        return self._passages[key]

    def citation(self, cite: Cite, n: int, why: str) -> Citation:
        """Citation ``n`` for ``cite``; its quote is the passage sentence closest to ``why``."""
        passage, candidates = self._passage(cite)
        wanted = content_words(why)
        quote = max(candidates, key=lambda c: len(c[1] & wanted), default=("", set()))[0]
        if cite.kind == "note":
            return Citation(n=n, chunk_id=str(cite), source=cite.path,
                            title=self._note_title(cite.path), heading=cite.heading or "",
                            quote=quote, passage=passage)
        guide, url = self.resolver.guides.get(cite.path, ("AWS documentation", None))
        return Citation(n=n, chunk_id=str(cite), source=f"aws:{cite.path}", title=guide,
                        heading=Path(cite.path).stem, url=url, quote=quote, passage=passage)


def _display_order(item: BankItem) -> list[int]:
    """Authored positions in the order they are shown: as written, except ordering steps,
    which are shuffled (by id, never left in the correct order)."""
    positions = list(range(len(item.options)))
    if item.type != "ordering":
        return positions
    shuffled = positions[:]
    random.Random(item.id).shuffle(shuffled)
    if shuffled == positions:
        shuffled = shuffled[1:] + shuffled[:1]
    return shuffled


def to_quiz_item(item: BankItem, cites: CiteTexts, case: CaseStudy | None = None) -> QuizItem:
    """The learner-facing form of one bank item (see the module docstring)."""
    citations: list[Citation] = []
    number: dict[str, int] = {}
    for opt in item.options:
        key = str(opt.cite)
        if key not in number:
            number[key] = len(citations) + 1
            citations.append(cites.citation(opt.cite, number[key], opt.why))
    shown = _display_order(item)
    keys = letters(len(shown))
    letter_of = {pos: keys[n] for n, pos in enumerate(shown)}
    options = [QuizOption(key=letter_of[pos], text=item.options[pos].text,
                          correct=item.options[pos].correct,
                          explanation=item.options[pos].why,
                          cite=number[str(item.options[pos].cite)]) for pos in shown]
    if item.type in ("single", "multiple"):
        explanation = " ".join(item.options[k].why for k in item.keys)
    else:
        explanation = " ".join(o.why for o in item.options)
    return QuizItem(
        id=item.id, type=item.type, domain=item.domain, task=item.task, stem=item.stem.strip(),
        options=options, answer_count=len(item.keys) if item.type == "multiple" else (
            1 if item.type == "single" else len(options)),
        order=[letter_of[pos] for pos in range(len(shown))] if item.type == "ordering" else [],
        pairs={letter_of[pos]: o.match or "" for pos, o in enumerate(item.options)}
        if item.type == "matching" else {},
        explanation=explanation, citations=citations, generator=BANK, skill=item.skill,
        case=None if case is None else CaseRef(id=case.id, title=case.title,
                                               scenario=" ".join(case.scenario.split())),
    )


@dataclass
class BankDeck:
    """The whole bank as QuizItems, with its case studies kept as sets."""

    items: dict[str, QuizItem]
    cases: dict[str, list[str]]  # case id -> its item ids, in order

    def units(self, tasks: list[str] | None = None) -> list[list[QuizItem]]:
        """Standalone items one by one and each case study as one set, restricted to
        ``tasks`` (a case keeps only its items of those tasks), in bank order."""
        wanted = set(tasks) if tasks is not None else None
        out: list[list[QuizItem]] = []
        seen_cases: set[str] = set()
        for item in self.items.values():
            if item.case is None:
                group = [item]
            elif item.case.id in seen_cases:
                continue
            else:
                seen_cases.add(item.case.id)
                group = [self.items[i] for i in self.cases[item.case.id]]
            group = [i for i in group if wanted is None or i.task in wanted]
            if group:
                out.append(group)
        return out


def build_deck(bank: Bank, cites: CiteTexts) -> BankDeck:
    studies = {c.id: c for c in bank.cases}
    items = {i.id: to_quiz_item(i, cites, studies.get(i.case or "")) for i in bank.items}
    return BankDeck(items=items, cases={c.id: [i.id for i in c.items] for c in bank.cases})


@lru_cache(maxsize=4)
def load_deck(corpus: Path = DEFAULT_CORPUS_DIR, docs_dir: Path | None = None) -> BankDeck:
    """The shipped bank as QuizItems, read and converted once per process (a BankError names
    the first invalid item). Callers must not modify what it returns."""
    return build_deck(load_bank(corpus / "items"), CiteTexts(corpus, docs_dir))
