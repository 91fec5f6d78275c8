"""Progress: accuracy by domain and task over time, weak areas, questions due for review."""

from __future__ import annotations

import streamlit as st

from tutor import prompts
from tutor.exam import DOMAINS
from ui import charts, resources
from ui.errors import show_error
from ui.safe_text import escape

PRACTICE_PAGE = "views/practice.py"


def main() -> None:
    st.title("Progress")
    try:
        settings = resources.settings()
        store = resources.progress_store(settings)
        attempts = store.attempts()
        totals = store.totals()
        weak = store.weak_areas()
        boxes = store.review_counts()
        due = store.due_items(limit=20)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message (ui/errors.py)
        show_error(exc, "reading your progress")
        return
    if not attempts:
        st.info(prompts.UI_PROGRESS_EMPTY)
        st.page_link(PRACTICE_PAGE, label="Go to Practice", icon=":material/quiz:")
        return

    cols = st.columns(len(DOMAINS))
    for col, d in zip(cols, sorted(DOMAINS), strict=True):
        n, right = totals.get(d, (0, 0))
        col.metric(f"Domain {d}", f"{100 * right / n:.0f}%" if n else "–",
                   help=DOMAINS[d], delta=f"{n} answered", delta_color="off",
                   delta_arrow="off")

    frame = charts.attempts_frame(attempts)
    st.subheader("Accuracy over time")
    by = st.segmented_control("Lines per", ["Domain", "Task statement"], default="Domain",
                              key="progress.by")
    st.altair_chart(charts.accuracy_over_time(frame, "task_name" if by == "Task statement"
                                              else "domain"), width="stretch")
    st.subheader("Accuracy by task statement")
    st.altair_chart(charts.accuracy_by_task(frame), width="stretch")

    st.subheader("Weak areas")
    st.caption("Weakest task statements first, over each task's most recent answers.")
    st.dataframe(
        [{"Task": w.task, "Name": w.name, "Recent correct": f"{w.recent_correct} / {w.recent}",
          "Accuracy": f"{100 * w.accuracy:.0f}%", "All attempts": w.attempts} for w in weak[:6]],
        hide_index=True, width="stretch",
    )

    st.subheader("Spaced review")
    cols = st.columns(6)
    cols[0].metric("Due now", boxes["due"])
    for b in range(1, 6):
        cols[b].metric(f"Box {b}", boxes[str(b)])
    if due:
        for item in due:
            st.markdown(f"- Task {escape(item.task)}: {escape(item.stem)}")
        st.page_link(PRACTICE_PAGE, label="Review them in Practice", icon=":material/quiz:")
    else:
        st.caption("Nothing is due for review right now.")


main()
