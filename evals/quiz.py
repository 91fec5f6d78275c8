"""Quiz eval: how many generated items pass the quality gate, and how good the shown ones are.

For each exam domain the offline generator's candidate stream (the same one a practice
session draws from, ``per_domain * CANDIDATES_PER_ITEM`` candidates) is run through the gate
to measure pass rates by domain and task. The items a learner would get
(``build_quiz(domain=d, count=per_domain)``) are then checked for:

- key support: every key is named in a passage the item cites, read from the corpus by chunk
  id (an independent check of the whole passage, not of the quote the gate looks at);
- duplicates: an item whose stem-and-options words overlap an earlier item of the same type
  by Jaccard >= ``DUPLICATE_JACCARD``;
- option-length balance: longest over shortest option, and how often a key is the longest
  option (compared with the rate a random position would give).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from evals import metrics
from evals.context import run_context
from tutor.catalog import Catalog, load_catalog
from tutor.config import Settings
from tutor.exam import DOMAINS, TASKS
from tutor.quiz import build_quiz, check_item, generate
from tutor.quiz.note_text import content_words
from tutor.quiz.session import CANDIDATES_PER_ITEM
from tutor.types import Chunk, QuizItem

DUPLICATE_JACCARD = 0.8
UNEVEN_RATIO = 2.0  # options whose longest is over twice the shortest read as unbalanced
KEYED_TYPES = ("single", "multiple", "cloze")  # types whose options include marked keys


def _named(catalog: Catalog, text: str, passages: str) -> bool:
    service = catalog.by_name(text)
    if service is not None:
        return catalog.mentions_service(passages, service.id)
    return metrics.contains(passages, text)


def key_supported(item: QuizItem, catalog: Catalog, chunks: dict[str, Chunk]) -> bool:
    """Whether the passages the item cites name every key: the correct options (single,
    multiple, cloze), every matched entry (matching), or the item's topic (ordering,
    true/false). A citation whose chunk is not in the corpus supports nothing."""
    cited = [chunks.get(c.chunk_id) for c in item.citations]
    if not cited or any(c is None for c in cited):
        return False
    passages = "\n".join(c.text for c in cited if c is not None)
    if item.type in KEYED_TYPES:
        keys = [o.text for o in item.options if o.correct]
        return bool(keys) and all(_named(catalog, k, passages) for k in keys)
    if item.type == "matching":
        return all(_named(catalog, o.text, passages) for o in item.options)
    if item.topic and item.topic in catalog.by_id:
        return catalog.mentions_service(passages, item.topic)
    return metrics.contains(passages, item.topic or item.stem)


def duplicates(items: Sequence[QuizItem]) -> set[int]:
    """Positions of items that repeat an earlier item of the same type: the same id, or stem
    and option words overlapping by at least ``DUPLICATE_JACCARD``."""
    found: set[int] = set()
    by_type: dict[str, list[int]] = {}
    for pos, item in enumerate(items):
        by_type.setdefault(item.type, []).append(pos)
    for positions in by_type.values():
        group = [items[p] for p in positions]
        sigs = [content_words(" ".join([i.stem, *(o.text for o in i.options), *i.pairs.values()]))
                for i in group]
        repeats = set(metrics.duplicate_positions(sigs, DUPLICATE_JACCARD))
        repeats |= {n for n, i in enumerate(group) if i.id in {g.id for g in group[:n]}}
        found |= {positions[n] for n in repeats}
    return found


def balance(items: Sequence[QuizItem]) -> dict[str, float]:
    """Option-length figures over items whose options are answers (not steps or truth values)."""
    with_options = [i for i in items if i.type not in ("true_false", "ordering") and i.options]
    ratios = [metrics.length_ratio([o.text for o in i.options]) for i in with_options]
    keyed = [i for i in with_options if i.type in KEYED_TYPES]
    longest = [metrics.key_is_longest([o.text for o in i.options], [o.correct for o in i.options])
               for i in keyed]
    chance = metrics.mean([i.answer_count / len(i.options) for i in keyed])
    return {
        "option_length_ratio_mean": metrics.mean(ratios),
        "option_length_ratio_max": max(ratios, default=0.0),
        "uneven_option_rate": metrics.rate(r > UNEVEN_RATIO for r in ratios),
        "key_longest_rate": metrics.rate(longest),
        "key_longest_chance": chance,
        "key_longest_excess": metrics.rate(longest) - chance,
    }


def _gate_table(records: Sequence[tuple[QuizItem, list[str]]], attr: str) -> dict[str, Any]:
    table: dict[str, dict[str, Any]] = {}
    for item, reasons in records:
        key = str(getattr(item, attr))
        row = table.setdefault(key, {"checked": 0, "passed": 0, "dropped": Counter()})
        row["checked"] += 1
        row["passed"] += not reasons
        row["dropped"].update(set(reasons))
    return {k: {"checked": v["checked"], "passed": v["passed"],
                "pass_rate": v["passed"] / v["checked"], "dropped": dict(v["dropped"])}
            for k, v in sorted(table.items())}


def run_quiz(settings: Settings, *, per_domain: int = 10, seed: int = 0,
             chunks: Sequence[Chunk] | None = None, catalog: Catalog | None = None,
             progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Generate, gate and check items for the four domains; return the report.

    ``chunks`` defaults to what the quiz uses: the study-note chunks of the serving index
    (tutor.quiz.corpus.quiz_chunks, EmptyIndexError without one). Callers that pass their
    own chunks need no index; the report then records none.
    """
    from tutor.quiz.corpus import quiz_chunks

    context = run_context(settings, {"generator": "offline"}, require_index=False)
    catalog = catalog or load_catalog()
    chunks = list(chunks) if chunks is not None else quiz_chunks(settings)
    by_id = {c.id: c for c in chunks}
    records: list[tuple[QuizItem, list[str]]] = []
    items: list[QuizItem] = []
    for domain in sorted(DOMAINS):
        candidates = generate(catalog, chunks, domain=domain,
                              count=per_domain * CANDIDATES_PER_ITEM, seed=seed)
        records += [(c, check_item(c, catalog, by_id)) for c in candidates]
        items += build_quiz(catalog, chunks, domain=domain, count=per_domain, seed=seed).items
        if progress is not None:
            progress(1)
    supported = [key_supported(i, catalog, by_id) for i in items]
    dups = duplicates(items)
    gate_passed = sum(not r for _, r in records)
    result = {
        "gate_pass_rate": gate_passed / len(records) if records else 0.0,
        "key_support_rate": metrics.rate(supported),
        "duplicate_rate": len(dups) / len(items) if items else 0.0,
        "fill_rate": len(items) / (per_domain * len(DOMAINS)),
        **balance(items),
    }
    return {
        "kind": "quiz",
        "dataset": {"name": "generated", "questions": len(items),
                    "chunks": len(chunks), "catalog_entries": len(catalog.services)},
        "params": {"per_domain": per_domain, "seed": seed, "generator": "offline",
                   "candidates_per_domain": per_domain * CANDIDATES_PER_ITEM},
        "context": context,
        "metrics": result,
        "counts": {"candidates": len(records), "gate_passed": gate_passed,
                   "items": len(items), "duplicates": len(dups),
                   "unsupported": supported.count(False),
                   "types": dict(Counter(i.type for i in items))},
        "breakdown": {"by_domain": _gate_table(records, "domain"),
                      "by_task": {t: row for t, row in _gate_table(records, "task").items()
                                  if t in TASKS}},
        "items": [{**i.model_dump(mode="json"), "key_supported": supported[n],
                   "duplicate": n in dups} for n, i in enumerate(items)],
    }
