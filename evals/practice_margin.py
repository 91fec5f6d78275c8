"""Calibrates the evidence margin of pasted practice questions (``tutor.answer.practice``) on
the project's own item bank: every single-answer item of ``corpus/items`` is pasted as a
learner would (stem, then options A-D) and answered; for each margin threshold the report
gives how often an option is named and how often the named option is the key.

    python -m evals.practice_margin            # over the index in TUTOR_HOME
"""

from __future__ import annotations

import json
import sys
from typing import Any

from tutor.answer.practice import item_vectors, weigh
from tutor.answer.scoring import pool
from tutor.quiz.bank import load_bank
from tutor.text import letters

THRESHOLDS = (0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.15, 0.2)


def pasted(stem: str, options: list[str]) -> str:
    """An item as a learner pastes it into the chat."""
    keys = letters(len(options))
    return " ".join(stem.split()) + "\n" + "\n".join(
        f"{key}. {' '.join(o.split())}" for key, o in zip(keys, options, strict=True))


def calibrate(tutor: Any) -> dict[str, Any]:
    """(margin, named option is the key) per single-answer bank item, and per threshold the
    share of items named and the share of named items that are right."""
    extractive = tutor.extractive
    rows = []
    for item in load_bank().items:
        if item.type != "single":
            continue
        text = pasted(item.stem, [o.text for o in item.options])
        state = tutor._retrieve_step({"question": text, "history": [], "filters": None})
        q = extractive.analyse(text)
        scored = pool(q, state["hits"], extractive.embedder, state["vector"],
                      max_hits=extractive.max_hits)
        _, verdict = weigh(q, scored, item_vectors(q, extractive.embedder), margin=0.0)
        key = letters(len(item.options))[item.keys[0]]
        rows.append({"id": item.id, "margin": verdict.margin, "right": verdict.best == key})
    table = []
    for t in THRESHOLDS:
        named = [r for r in rows if r["margin"] >= t]
        table.append({"threshold": t, "named_rate": len(named) / max(1, len(rows)),
                      "right_when_named": sum(r["right"] for r in named) / max(1, len(named))})
    return {"items": len(rows), "by_threshold": table, "rows": rows}


def main() -> int:
    from tutor.service import Tutor

    report = calibrate(Tutor())
    json.dump({k: v for k, v in report.items() if k != "rows"}, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
