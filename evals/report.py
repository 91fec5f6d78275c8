"""Reports on disk: JSON (the record), Markdown (the summary) and, where it helps, a PNG.

A report is a plain dict with ``kind`` (retrieval | answers | quiz | quiz_bank), ``dataset``,
``params``, ``context`` (corpus, settings, models, git), ``metrics`` (numbers, nested at most
one level: retrieval nests by mode) and per-question or per-item detail.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from tutor.config import Settings
from tutor.errors import TutorError

FORMAT = 1
KINDS = ("retrieval", "answers", "quiz", "quiz_bank")
# metric names (last part of a flattened key) for which a smaller value is better
LOWER_IS_BETTER = ("latency_ms_mean", "latency_ms_p50", "latency_ms_p95", "not_found_rate",
                   "duplicate_rate", "uneven_option_rate", "option_length_ratio_mean",
                   "option_length_ratio_max", "key_longest_rate", "key_longest_excess",
                   "key_letter_max", "duplicate_constraint_key")


class ReportError(TutorError):
    """A report file is missing or is not an eval report."""


def lower_is_better(key: str) -> bool:
    return key.rsplit(".", 1)[-1] in LOWER_IS_BETTER


def flatten(metrics: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """Nested metrics as ``{"hybrid.hit@5": 0.9, ...}``; non-numbers are left out."""
    out: dict[str, float] = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[name] = float(value)
    return out


def default_path(settings: Settings, report: dict[str, Any]) -> Path:
    """Where a report goes without --out: $TUTOR_HOME/evals/<kind>-<dataset>-<time>.json."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    name = report["dataset"].get("name", report["kind"])
    return settings.home / "evals" / f"{report['kind']}-{name}-{stamp}.json"


def save(report: dict[str, Any], path: Path) -> Path:
    """Write the JSON report (a temporary file first, so a crash leaves no half report)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps({"format": FORMAT, **report}, indent=1, ensure_ascii=False,
                              default=str) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def load(path: Path | str) -> dict[str, Any]:
    """A report written by ``save``; ReportError names what is wrong."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ReportError(f"report {p} not found") from exc
    except (OSError, ValueError) as exc:
        raise ReportError(f"report {p} is not readable JSON ({exc})") from exc
    if not isinstance(data, dict) or data.get("kind") not in KINDS or "metrics" not in data:
        raise ReportError(f"{p} is not an eval report (no kind/metrics)")
    return data
