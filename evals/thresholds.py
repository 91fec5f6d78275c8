"""The CI gate's thresholds (evals/thresholds.toml) and the check against a report.

The file has one table per gated run; each key is a flattened metric name (see
``report.flatten``) with ``{ min = x }`` or ``{ max = y }``::

    [retrieval_notes]
    "hybrid.hit@5" = { min = 0.85 }
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from evals.report import flatten
from tutor.errors import TutorError

THRESHOLDS = Path(__file__).resolve().parent / "thresholds.toml"


class ThresholdError(TutorError):
    """The thresholds file is missing or malformed."""


def load_thresholds(path: Path = THRESHOLDS) -> dict[str, dict[str, dict[str, float]]]:
    """Every gated run's rules, validated: each rule has exactly one of min or max."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ThresholdError(f"cannot read thresholds {path}: {exc}") from exc
    for run, rules in data.items():
        if not isinstance(rules, dict):
            raise ThresholdError(f"{path}: [{run}] must be a table of metric rules")
        for metric, rule in rules.items():
            ok = (isinstance(rule, dict) and len(rule) == 1 and next(iter(rule)) in ("min", "max")
                  and isinstance(next(iter(rule.values())), (int, float)))
            if not ok:
                raise ThresholdError(
                    f"{path}: [{run}] {metric} needs {{ min = x }} or {{ max = x }}")
    return data


def check(report: dict[str, Any], rules: dict[str, dict[str, float]]) -> list[str]:
    """Messages for every rule the report breaks; a metric missing from the report breaks
    its rule (a renamed metric must not silently drop out of the gate)."""
    values = flatten(report["metrics"])
    failures: list[str] = []
    for metric, rule in rules.items():
        bound_kind, bound = next(iter(rule.items()))
        value = values.get(metric)
        if value is None:
            failures.append(f"{metric}: missing from the {report['kind']} report")
        elif bound_kind == "min" and value < bound:
            failures.append(f"{metric} = {value:.4f} is below the minimum {bound}")
        elif bound_kind == "max" and value > bound:
            failures.append(f"{metric} = {value:.4f} is above the maximum {bound}")
    return failures
