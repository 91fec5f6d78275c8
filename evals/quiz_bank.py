"""Item-bank eval (``tutor eval quiz --source bank``): is the authored bank exam-shaped,
grounded and answerable from the notes?

- schema: share of authored items that validate on their own (``bank.check_schema``);
- gate: share of items, as Practice shows them, that pass the quality gate;
- citations: share of options whose cite resolves to a note section (or a listed AWS page),
  and share whose cited text holds the explanation's key terms (``bank_check.support_problem``:
  every figure and code name, and at least half of the catalog names); AWS pages are checked
  only where a local copy of the docs is given, and the count of unchecked ones is reported;
- shape: items per task, the type mix, case studies, where the key of single-answer items
  sits and how often it is the longest option, and items sharing constraint and key;
- answerability: for each item, hybrid retrieval over the indexed notes with the item's stem
  plus its key must rank the key's cited section in the top ``k``. For case-study items the
  stem is the question without the shared scenario; the rate with the scenario prepended is
  reported too (``answerable_rate_with_scenario``), not gated: a scenario describes a whole
  system and pulls retrieval towards its other questions' sections.

The key's cited section: for a single-answer item, the section its key cites; for a
multiple-response item, the section most of its keys cite; for ordering and matching items,
where every option is part of the key, the section most of the options cite. Ties go to the
earliest option. A retrieved chunk is in the section when it comes from the cited note and
the cited heading is on its heading path (subsections belong to their section). An item whose
key cites an AWS page cannot be found in the notes and counts as a miss.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evals import metrics
from evals.context import run_context, tutor_models
from tutor.catalog import DEFAULT_CORPUS_DIR, load_catalog
from tutor.config import Settings
from tutor.exam import TASKS
from tutor.quiz.bank import Bank, BankItem, Cite, check_schema, load_bank
from tutor.quiz.bank_check import Resolver, support_problem
from tutor.quiz.bank_items import CiteTexts, build_deck
from tutor.quiz.gate import check_item
from tutor.quiz.note_text import normalise
from tutor.text import letters

if TYPE_CHECKING:
    from tutor.service import Tutor

TYPES = ("single", "multiple", "ordering", "matching")


def key_section(item: BankItem) -> Cite:
    """The key's cited section (see the module docstring)."""
    options = ([item.options[k] for k in item.keys] if item.type in ("single", "multiple")
               else item.options)
    counts = Counter(str(o.cite) for o in options)
    best = max(counts.values())
    return next(o.cite for o in options if counts[str(o.cite)] == best)


def key_text(item: BankItem) -> str:
    if item.type in ("single", "multiple"):
        return " ".join(item.options[k].text for k in item.keys)
    if item.type == "matching":
        return " ".join(f"{o.text}: {o.match}" for o in item.options)
    return " ".join(o.text for o in item.options)  # ordering: the steps in order


def _citations(bank: Bank, resolver: Resolver) -> dict[str, Any]:
    catalog = load_catalog(resolver.corpus / "services.yaml")
    options = resolved = supported = unchecked = 0
    problems: list[str] = []
    scenario = {c.id: c.scenario for c in bank.cases}
    for item in bank.items:
        stem = f"{scenario.get(item.case or '', '')}\n{item.stem}"
        for key, opt in zip(letters(len(item.options)), item.options, strict=True):
            options += 1
            cited = resolver.text(opt.cite)
            if cited is None:
                problems.append(f"{item.id} option {key}: cite {opt.cite} does not resolve")
                continue
            resolved += 1
            unchecked += cited == ""
            if why := support_problem(opt.why, cited, catalog, f"{stem}\n{opt.text}"):
                problems.append(f"{item.id} option {key}: {why} ({opt.cite})")
            else:
                supported += 1
    return {"options": options, "resolved": resolved, "supported": supported,
            "unchecked_aws_pages": unchecked, "problems": problems}


def _shape(bank: Bank) -> dict[str, Any]:
    items = bank.items
    singles = [i for i in items if i.type == "single"]
    keys = Counter(letters(4)[i.keys[0]] for i in singles)
    longest = [len(i.options[i.keys[0]].text) > max(len(o.text) for n, o in enumerate(i.options)
                                                   if n != i.keys[0]) for i in singles]
    types = Counter(i.type for i in items)
    signatures = Counter((normalise(i.constraint),
                          " | ".join(sorted(normalise(i.options[k].text) for k in i.keys)))
                         for i in items if i.type in ("single", "multiple"))
    per_task = {t: len(bank.by_task(t)) for t in TASKS}
    letter_share = {k: keys[k] / (len(singles) or 1) for k in letters(4)}
    return {
        "per_task": per_task,
        "metrics": {
            "items": len(items),
            "min_items_per_task": min(per_task.values()),
            **{f"share_{t}": types[t] / (len(items) or 1) for t in TYPES},
            "case_studies": len(bank.cases),
            "case_studies_two_domains": sum(len({i.domain for i in c.items}) >= 2
                                            for c in bank.cases),
            "key_letter_min": min(letter_share.values()),
            "key_letter_max": max(letter_share.values()),
            "key_longest_rate": metrics.rate(longest),
            "duplicate_constraint_key": sum(n - 1 for n in signatures.values()),
        },
        "key_letters": letter_share,
    }


def _rank(tutor: Tutor, query: str, cite: Cite, k: int) -> int | None:
    """Where the first chunk of the cited note section comes in the top ``k``, or None."""
    if cite.kind != "note":
        return None
    hits = tutor.retriever.search(" ".join(query.split()), k=k, mode="hybrid")
    return next((h.rank for h in hits if h.chunk.source == cite.path
                 and cite.heading in h.chunk.heading_path), None)


def _answerability(tutor: Tutor, bank: Bank, k: int,
                   progress: Callable[[int], None] | None) -> list[dict[str, Any]]:
    scenario = {c.id: c.scenario for c in bank.cases}
    rows = []
    for item in bank.items:
        cite = key_section(item)
        query = f"{item.stem} {key_text(item)}"
        rank = _rank(tutor, query, cite, k)
        with_scenario = (_rank(tutor, f"{scenario[item.case]} {query}", cite, k)
                         if item.case else rank)
        rows.append({"id": item.id, "task": item.task, "type": item.type,
                     "key_section": str(cite), "rank": rank,
                     "rank_with_scenario": with_scenario})
        if progress is not None:
            progress(1)
    return rows


def run_quiz_bank(settings: Settings, tutor: Tutor, *, corpus: Path = DEFAULT_CORPUS_DIR,
                  aws_docs: Path | None = None, k: int = 5,
                  progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Check the bank and measure its answerability over ``tutor``'s index; the report."""
    schema = check_schema(corpus / "items")
    bank = load_bank(corpus / "items")
    resolver = Resolver(corpus, aws_docs)
    deck = build_deck(bank, CiteTexts(corpus, aws_docs))
    catalog = load_catalog(corpus / "services.yaml")
    gate = {i.id: check_item(i, catalog) for i in deck.items.values()}
    cites = _citations(bank, resolver)
    shape = _shape(bank)
    rows = _answerability(tutor, bank, k, progress)
    found = [r["rank"] is not None for r in rows]
    by_task: dict[str, dict[str, Any]] = {}
    for r in rows:
        row = by_task.setdefault(r["task"], {"items": 0, "answerable": 0})
        row["items"] += 1
        row["answerable"] += r["rank"] is not None
    return {
        "kind": "quiz_bank",
        "dataset": {"name": "bank", "questions": len(bank.items), "cases": len(bank.cases),
                    "aws_docs": str(aws_docs) if aws_docs else None},
        "params": {"source": "bank", "k": k, "mode": "hybrid"},
        "context": run_context(settings, tutor_models(tutor)),
        "metrics": {
            "schema_valid_rate": schema.valid / (schema.entries or 1),
            "gate_pass_rate": metrics.rate(not r for r in gate.values()),
            "cite_resolved_rate": cites["resolved"] / (cites["options"] or 1),
            "cite_supported_rate": cites["supported"] / (cites["options"] or 1),
            **shape["metrics"],
            "answerable_rate": metrics.rate(found),
            "answerable_rate_with_scenario": metrics.rate(r["rank_with_scenario"] is not None
                                                          for r in rows),
        },
        "counts": {"entries": schema.entries, "options": cites["options"],
                   "unchecked_aws_pages": cites["unchecked_aws_pages"],
                   "key_cites_aws": sum(r["key_section"].startswith("aws:") for r in rows),
                   "gate_dropped": dict(Counter(x for r in gate.values() for x in r))},
        "breakdown": {"per_task": shape["per_task"], "key_letters": shape["key_letters"],
                      "answerable_by_task": {t: {**v, "rate": v["answerable"] / v["items"]}
                                             for t, v in sorted(by_task.items())}},
        "problems": schema.problems + cites["problems"]
        + [f"{i}: gate {r}" for i, r in gate.items() if r],
        "items": rows,
    }
