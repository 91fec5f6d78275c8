"""Learners (admins, team mode): per-task accuracy across the team, without names."""

from __future__ import annotations

import streamlit as st

from tutor.progress.overview import team_overview
from ui import auth, resources
from ui.errors import show_error


def main() -> None:
    st.title("Learners")
    settings = resources.page_settings()
    if settings is None:
        return
    if not auth.admin_only(settings, "see the learner overview"):
        return
    try:
        ov = team_overview(settings, auth.current_user())
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message (ui/errors.py)
        show_error(exc, "reading the team's progress")
        return
    st.caption(f"{ov.learners} learners have answered practice questions. Names are left "
               "out: learners are numbered by overall accuracy.")
    if not ov.tasks:
        st.info("No learner has answered a question yet.")
        return
    st.subheader("By task statement")
    st.dataframe([{"Task": t.task, "Name": t.name, "Learners": t.learners,
                   "Attempts": t.attempts, "Accuracy": f"{100 * t.accuracy:.0f}%",
                   "Median learner": f"{100 * t.median_accuracy:.0f}%"} for t in ov.tasks],
                 hide_index=True, width="stretch")
    st.subheader("By learner and task")
    st.dataframe([{"Learner": r.learner, "Task": r.task, "Attempts": r.attempts,
                   "Accuracy": f"{100 * r.accuracy:.0f}%"} for r in ov.rows],
                 hide_index=True, width="stretch")


main()
