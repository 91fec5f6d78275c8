"""Differences between two reports of the same kind: every metric, and what changed in
the conditions (code, corpus, models, settings) that could explain them."""

from __future__ import annotations

from typing import Any

from evals.report import ReportError, flatten, lower_is_better

# differences below this are float round-off, not change
EPSILON = 1e-9


def metric_rows(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per metric in either report: values, B - A, and whether B is better, worse
    or the same (None when the metric is only in one report)."""
    fa, fb = flatten(a["metrics"]), flatten(b["metrics"])
    rows = []
    for key in list(dict.fromkeys([*fa, *fb])):
        va, vb = fa.get(key), fb.get(key)
        delta = None if va is None or vb is None else vb - va
        if delta is None:
            verdict = None
        elif abs(delta) <= EPSILON:
            verdict = "same"
        else:
            better = delta < 0 if lower_is_better(key) else delta > 0
            verdict = "better" if better else "worse"
        rows.append({"metric": key, "a": va, "b": vb, "delta": delta, "verdict": verdict})
    return rows


def _flat_dict(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in d.items():
        if isinstance(value, dict):
            out.update(_flat_dict(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def context_changes(a: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field, A value, B value) for each condition that differs: git revision, corpus,
    models, settings, dataset content and run parameters. Times are left out."""
    def view(r: dict[str, Any]) -> dict[str, Any]:
        ctx = r.get("context", {})
        corpus = {k: v for k, v in ctx.get("corpus", {}).items() if k != "created"}
        return _flat_dict({"git": ctx.get("git", {}), "corpus": corpus,
                           "models": ctx.get("models", {}), "settings": ctx.get("settings", {}),
                           "dataset": {"sha256": r.get("dataset", {}).get("sha256"),
                                       "questions": r.get("dataset", {}).get("questions")},
                           "params": r.get("params", {})})
    va, vb = view(a), view(b)
    return [(k, va.get(k), vb.get(k)) for k in sorted(set(va) | set(vb)) if va.get(k) != vb.get(k)]


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """The comparison of report B against baseline A; ReportError for different kinds."""
    if a["kind"] != b["kind"]:
        raise ReportError(f"cannot compare a {a['kind']} report with a {b['kind']} report")
    rows = metric_rows(a, b)
    tally: dict[str, int] = {}
    for r in rows:
        if r["verdict"]:
            tally[r["verdict"]] = tally.get(r["verdict"], 0) + 1
    same = a.get("dataset", {}).get("sha256") == b.get("dataset", {}).get("sha256")
    return {"kind": a["kind"], "metrics": rows, "tally": tally,
            "changes": context_changes(a, b), "same_dataset": same}
