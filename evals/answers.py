"""Answer eval: does the tutor's answer contain what it must, and do its citations hold up.

Every question goes through ``Tutor.ask``, so the configured answer backend (extractive by
default, or a chat model) is what gets measured. Per answer:

- pass: it contains one alternative of every must-group (``metrics.passes``);
- citation validity: each citation's chunk is one of the passages retrieved for the question;
- citation precision: each cited passage contains at least one of the answer's key terms
  (the must alternatives the answer contains, ``metrics.key_terms``);
- quote fidelity: each citation's quote occurs in its passage;
- not found: the answer is the "not in my sources" reply;
- sentences: the answer's sentences (labels and markers removed), how many are fragments
  (raw table pipes, or no finite verb), how many pairs are near-duplicates;
- entity coverage (comparisons): which compared entities a sentence of the answer names
  (the fixed "do not describe X" note does not count);
- practice items: which option the answer names as best supported, and whether it is the key.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from typing import Any

from evals import metrics
from evals.cases import AnswerCase, dataset_info
from evals.context import run_context, tutor_models
from tutor import prompts

METRICS = ("pass_rate", "not_found_rate", "citation_validity", "citation_precision",
           "quote_fidelity", "cited_rate", "citations_mean", "entity_coverage", "fragment_rate",
           "redundancy", "sentences_mean", "practice_named_rate", "practice_named_correct",
           "card_lead_rate", "latency_ms_mean", "latency_ms_p50", "latency_ms_p95")
TYPES = ("definition", "comparison", "choose", "procedure", "figure", "troubleshooting", "list",
         "practice")
_NOTE = re.compile("^" + re.escape(prompts.ANSWER_NOT_COVERED.split("{")[0]))
_BEST = re.compile(re.escape(prompts.ANSWER_PRACTICE_BEST.split("{")[0]) + r"([A-F])\b")


def _retrieved(tutor: Any, answer: Any, question: str) -> list[Any]:
    """The passages the answer was written from. Answerers that do not hand their hits back
    are given the same search again (retrieval is deterministic for a fixed index)."""
    if answer.hits:
        return list(answer.hits)
    return tutor.search(answer.query or question)


def judge(case: AnswerCase, answer: Any, hits: Sequence[Any]) -> dict[str, Any]:
    """One answer scored against its case and the passages retrieved for it."""
    retrieved = {h.chunk.id: h.chunk for h in hits}
    terms = metrics.key_terms(answer.text, case.must)
    citations = []
    for c in answer.citations:
        chunk = retrieved.get(c.chunk_id)
        passage = c.passage or (chunk.text if chunk is not None else "")
        citations.append({
            "n": c.n, "source": c.source, "heading": c.heading, "chunk_id": c.chunk_id,
            "quote": c.quote, "valid": chunk is not None, "card": c.cites_source is not None,
            "quote_in_passage": metrics.quote_in_passage(c.quote, passage),
            "has_key_term": metrics.cites_key_term(passage, terms) if terms else None,
        })
    not_found = answer.status == "not_found" or answer.text.startswith(prompts.NOT_FOUND)
    sentences = [] if not_found else metrics.answer_sentences(answer.text)
    quoted = [x for x in sentences if not _NOTE.match(x)]
    named = _BEST.search(answer.text) if case.type == "practice" else None
    return {
        "question": case.question, "task": case.task, "type": case.type, "must": case.must,
        "sentences": len(sentences),
        "fragments": [x for x in sentences if metrics.is_fragment(x)],
        "redundant_pairs": metrics.near_duplicate_pairs(quoted),
        "entities_covered": metrics.entities_covered(quoted, case.entities or []),
        "named_option": named.group(1) if named else None, "key": case.key,
        "card_led": bool(answer.citations) and answer.citations[0].cites_source is not None,
        "answer": answer.text, "status": answer.status, "backend": answer.backend,
        "notice": answer.notice, "passed": metrics.passes(answer.text, case.must),
        "missing_groups": metrics.missing_groups(answer.text, case.must),
        "not_found": not_found, "key_terms": terms, "citations": citations,
        "retrieved": [{"source": h.chunk.source, "chunk_id": h.chunk.id} for h in hits],
    }


def summarise(rows: Sequence[dict[str, Any]], seconds: Sequence[float]) -> dict[str, float]:
    """Rates over questions; citation figures are micro-averaged over citations."""
    cites = [c for r in rows for c in r["citations"]]
    scored = [c["has_key_term"] for c in cites if c["has_key_term"] is not None]
    ms = [s * 1000 for s in seconds]
    answered = [r for r in rows if not r["not_found"]]
    entities = [e for r in rows for e in r.get("entities_covered", [])]
    practice = [r for r in rows if r.get("type") == "practice"]
    named = [r for r in practice if r.get("named_option")]
    return {
        "pass_rate": metrics.rate(r["passed"] for r in rows),
        "not_found_rate": metrics.rate(r["not_found"] for r in rows),
        "citation_validity": metrics.rate(c["valid"] for c in cites),
        "citation_precision": metrics.rate(scored),
        "quote_fidelity": metrics.rate(c["quote_in_passage"] for c in cites),
        "cited_rate": metrics.rate(bool(r["citations"]) for r in rows if not r["not_found"]),
        "citations_mean": metrics.mean([len(r["citations"]) for r in rows]),
        "entity_coverage": metrics.rate(entities) if entities else 1.0,
        "fragment_rate": (sum(len(r["fragments"]) for r in answered)
                          / max(1, sum(r["sentences"] for r in answered))),
        "redundancy": metrics.rate(r["redundant_pairs"] > 0 for r in answered),
        "sentences_mean": metrics.mean([r["sentences"] for r in answered]),
        "practice_named_rate": metrics.rate(bool(r["named_option"]) for r in practice),
        "practice_named_correct": metrics.rate(r["named_option"] == r["key"] for r in named),
        "card_lead_rate": metrics.rate(r["card_led"] for r in answered),
        "latency_ms_mean": metrics.mean(ms),
        "latency_ms_p50": metrics.percentile(ms, 50),
        "latency_ms_p95": metrics.percentile(ms, 95),
    }


def counts(rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """The denominators behind the rates, so a reader can judge how much a rate rests on."""
    cites = [c for r in rows for c in r["citations"]]
    return {"questions": len(rows), "passed": sum(r["passed"] for r in rows),
            "not_found": sum(r["not_found"] for r in rows), "citations": len(cites),
            "citations_scored_for_precision": sum(c["has_key_term"] is not None for c in cites)}


def by_task(rows: Sequence[dict[str, Any]], field: str = "task"
            ) -> dict[str, dict[str, float]]:
    """Pass and not-found rates per task statement (or per ``field``, e.g. "type")."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(r.get(field) or "?", []).append(r)
    return {task: {"questions": len(g), "pass_rate": metrics.rate(r["passed"] for r in g),
                   "not_found_rate": metrics.rate(r["not_found"] for r in g)}
            for task, g in sorted(groups.items())}


def run_answers(tutor: Any, cases: Sequence[AnswerCase], *, dataset: str,
                progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Ask every question and return the report (see the README, section Evals)."""
    context = run_context(tutor.settings, tutor_models(tutor))  # fails first on an empty index
    tutor.ask(cases[0].question)  # loads the model and opens the index outside the timings
    rows: list[dict[str, Any]] = []
    seconds: list[float] = []
    backends: dict[str, int] = {}
    for case in cases:
        start = time.perf_counter()
        answer = tutor.ask(case.question)
        seconds.append(time.perf_counter() - start)
        backends[answer.backend] = backends.get(answer.backend, 0) + 1
        rows.append(judge(case, answer, _retrieved(tutor, answer, case.question)))
        if progress is not None:
            progress(1)
    return {
        "kind": "answers",
        "dataset": dataset_info(dataset, len(cases)),
        "params": {"backends_used": backends},
        "context": context,
        "metrics": summarise(rows, seconds),
        "counts": counts(rows),
        "breakdown": {"by_task": by_task(rows), "by_type": by_task(rows, "type")},
        "questions": rows,
    }
