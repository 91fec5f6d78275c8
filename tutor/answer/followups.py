"""Suggested follow-up questions for an answer, derived from what it cited.

No model is involved: the suggestions come from the service catalog and the cited sections,
so they are deterministic and always point at material the index holds.
"""

from __future__ import annotations

from itertools import zip_longest

from tutor import prompts
from tutor.catalog import Catalog
from tutor.types import Answer

DEFAULT_LIMIT = 3


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def suggest_followups(answer: Answer, catalog: Catalog, limit: int = DEFAULT_LIMIT) -> list[str]:
    """Up to ``limit`` distinct questions a learner could ask next; empty without citations.

    Three kinds, taken in turn: a comparison between a service the question names and one it is
    often confused with (preferring one the cited passages also name); a "when to use" question
    for a service the cited passages name but the question does not; the heading of a cited
    section the question does not already cover.
    """
    if not answer.citations or limit <= 0:
        return []
    asked = catalog.mentioned_ids(answer.question)
    cited = catalog.mentioned_ids(" ".join(c.passage or c.quote for c in answer.citations))
    compare: list[str] = []
    for sid in asked:
        service = catalog.by_id[sid]
        rivals = sorted((r for r in service.confused_with if r in catalog.by_id),
                        key=lambda r: r not in cited)  # stable sort: cited rivals first
        if rivals:
            other = catalog.by_id[rivals[0]]
            compare.append(prompts.FOLLOWUP_COMPARE.format(a=service.label, b=other.label))
    services = [prompts.FOLLOWUP_SERVICE.format(name=catalog.by_id[sid].label)
                for sid in cited if sid not in asked]
    question = _norm(answer.question)
    headings = []
    for c in answer.citations:
        heading = c.heading.split(" > ")[-1].strip() if c.heading else ""
        if heading and _norm(heading) not in question:
            headings.append(prompts.FOLLOWUP_HEADING.format(heading=heading))
    # Round-robin over the three kinds so one kind cannot crowd out the others.
    out: list[str] = []
    seen: set[str] = set()
    for group in zip_longest(compare, services, headings):
        for q in group:
            if q is not None and _norm(q) not in seen:
                seen.add(_norm(q))
                out.append(q)
    return out[:limit]
