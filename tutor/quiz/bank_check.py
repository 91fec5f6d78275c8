"""Editorial checks of the authored item bank and concept cards (``tutor.quiz.bank``):
citations resolve and support the explanations, key positions and type mix are balanced,
no two items or cards say the same thing. ``python -m tutor.quiz.bank`` prints them.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tutor import yaml_text
from tutor.catalog import DEFAULT_CORPUS_DIR, Catalog, load_catalog
from tutor.exam import TASKS
from tutor.quiz.bank import Bank, BankError, Card, Cite, load_bank, load_cards
from tutor.text import letters, words

_CODE = re.compile(r"`([^`]+)`")
_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?![\w.])")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


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
        manifest = yaml_text.safe_load((corpus / "aws_docs.yaml").read_text(encoding="utf-8"))
        self.pages = {p["path"] for g in manifest["guides"] for p in g["pages"]}
        # page path -> (guide title, page URL), for showing a cited page to a learner
        self.guides = {p["path"]: (g["title"], g["url_base"] + Path(p["path"]).stem + ".html")
                       for g in manifest["guides"] for p in g["pages"]}
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
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text.replace("`", ""))  # 1,800 reads as 1800
    return " ".join(words(text))


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
        for key, opt in zip(letters(len(item.options)), item.options, strict=True):
            where = f"{item.id} option {key}"
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
    keys = Counter(letters(4)[i.keys[0]] for i in singles)
    longest = sum(1 for i in singles
                  if len(i.options[i.keys[0]].text) > max(len(o.text) for n, o in
                                                          enumerate(i.options) if n != i.keys[0]))
    types = Counter(i.type for i in bank.items)
    total = len(bank.items) or 1
    out.stats.update(items=len(bank.items), cases=len(bank.cases),
                     per_task={t: len(bank.by_task(t)) for t in TASKS},
                     type_share={t: round(c / total, 3) for t, c in types.items()},
                     key_letters={k: round(v / (len(singles) or 1), 3)
                                  for k, v in sorted(keys.items())},
                     key_longest_rate=round(longest / (len(singles) or 1), 3))


def _check_cards(cards: list[Card], res: Resolver, catalog: Catalog, out: CorpusCheck) -> None:
    shingled = [(c.id, set(words(f"{c.front} {c.back}"))) for c in cards]
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
