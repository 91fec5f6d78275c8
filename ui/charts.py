"""Altair charts for the Progress and Mock exam pages. Presentation only: each function takes
rows the library produced and returns a chart; no numbers are computed that the library
could not also report."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from tutor.exam import DOMAINS, TASKS

PERCENT = alt.Axis(format=".0%", title="Accuracy")


def attempts_frame(attempts: Sequence[Any]) -> pd.DataFrame:
    """One row per stored attempt (tutor.progress.Attempt), with day, domain and task labels."""
    return pd.DataFrame(
        {
            "day": [a.at.date().isoformat() for a in attempts],
            "domain": [f"{a.domain}. {DOMAINS.get(a.domain, '')}" for a in attempts],
            "task": [a.task for a in attempts],
            "task_name": [f"{a.task} {TASKS.get(a.task, '')}" for a in attempts],
            "correct": [int(a.correct) for a in attempts],
            "mode": [a.mode for a in attempts],
        }
    )


def accuracy_over_time(frame: pd.DataFrame, by: str = "domain") -> alt.Chart:
    """Share of correct answers per day, one line per domain (``by="domain"``) or per task
    statement (``by="task_name"``)."""
    title = "Domain" if by == "domain" else "Task statement"
    daily = (frame.groupby(["day", by], as_index=False)
             .agg(accuracy=("correct", "mean"), attempts=("correct", "size")))
    return (
        alt.Chart(daily)
        .mark_line(point=True)
        .encode(
            x=alt.X("day:T", title="Day"),
            y=alt.Y("accuracy:Q", axis=PERCENT, scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(f"{by}:N", title=title),
            tooltip=["day:T", f"{by}:N", alt.Tooltip("accuracy:Q", format=".0%"), "attempts:Q"],
        )
        .properties(height=280)
    )


def accuracy_by_task(frame: pd.DataFrame) -> alt.Chart:
    """Share of correct answers per task statement over all attempts."""
    per_task = (frame.groupby(["task", "task_name", "domain"], as_index=False)
                .agg(accuracy=("correct", "mean"), attempts=("correct", "size")))
    return (
        alt.Chart(per_task)
        .mark_bar()
        .encode(
            x=alt.X("task:N", title="Task statement", sort=list(TASKS)),
            y=alt.Y("accuracy:Q", axis=PERCENT, scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("domain:N", title="Domain"),
            tooltip=["task_name:N", alt.Tooltip("accuracy:Q", format=".0%"), "attempts:Q"],
        )
        .properties(height=280)
    )


def domain_results(rows: Sequence[dict[str, Any]]) -> alt.Chart:
    """Mock-exam percent correct per domain (rows with Domain, Percent, Correct, Questions)."""
    return (
        alt.Chart(pd.DataFrame(list(rows)))
        .mark_bar()
        .encode(
            x=alt.X("Percent:Q", scale=alt.Scale(domain=[0, 100]), title="Correct (%)"),
            y=alt.Y("Domain:N", title=None),
            tooltip=["Domain:N", "Correct:Q", "Questions:Q", "Percent:Q"],
        )
        .properties(height=180)
    )
