"""Widgets for answering a quiz item and showing its explanation (Practice and Mock exam).

Each item type gets the input that fits it: a radio for one answer, checkboxes for several,
one select box per step for ordering, one per option for matching. The value returned is in
the shape ``tutor.quiz.grade`` expects, or None while the answer is incomplete.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st

from tutor.exam import TASKS
from tutor.quiz.grade import GradeResult, match_targets
from tutor.quiz.plaintext import TYPE_LABELS
from tutor.types import QuizItem
from ui.text import escape, markdown
from ui.widgets import citations

SINGLE_CHOICE = ("single", "cloze", "true_false")


def item_header(item: QuizItem, number: int | None = None, total: int | None = None) -> None:
    where = f"Question {number} of {total} · " if number and total else ""
    st.caption(escape(f"{where}{TYPE_LABELS.get(item.type, item.type)} · Task {item.task}: "
                      f"{TASKS.get(item.task, '')}"))
    st.markdown(markdown(item.stem))
    if "negative_stem" in item.flags:
        st.caption("This question asks for the option that does NOT apply.")


def answer_input(item: QuizItem, key: str, given: Any = None, disabled: bool = False) -> Any:
    """Render the inputs for ``item`` and return the answer, or None while incomplete.

    ``key`` prefixes every widget key, so the same item can be shown in several places;
    ``given`` pre-fills an earlier answer (for the mock exam's back-and-forth).
    """
    texts = {o.key: o.text for o in item.options}
    keys = [o.key for o in item.options]

    def label(k: str) -> str:  # select boxes show plain text
        return f"{k}. {texts[k]}"

    def md_label(k: str) -> str:  # widget labels and radio options are Markdown
        return f"{k}\\. {escape(texts[k])}"

    if item.type in SINGLE_CHOICE:
        index = keys.index(given) if isinstance(given, str) and given in keys else None
        return st.radio("Your answer", keys, index=index, format_func=md_label, key=f"{key}:one",
                        disabled=disabled)
    if item.type == "multiple":
        st.caption(f"Choose {item.answer_count}.")
        chosen = set(given or []) if isinstance(given, Sequence) else set()
        picked = [k for k in keys if st.checkbox(md_label(k), value=k in chosen,
                                                  key=f"{key}:many:{k}", disabled=disabled)]
        return picked or None
    if item.type == "ordering":
        st.caption("Put the steps in order: choose the step that comes first, then the next.")
        before = list(given) if isinstance(given, Sequence) and not isinstance(given, str) else []
        order = []
        for pos in range(len(keys)):
            default = before[pos] if pos < len(before) and before[pos] in keys else None
            order.append(st.selectbox(f"Step {pos + 1}", keys, format_func=label,
                                      index=None if default is None else keys.index(default),
                                      key=f"{key}:step:{pos}", placeholder="Choose a step",
                                      disabled=disabled))
        if any(o is None for o in order) or len(set(order)) != len(order):
            return None
        return order
    if item.type == "matching":
        targets = match_targets(item)
        before = dict(given) if isinstance(given, Mapping) else {}
        st.caption("Match each option to its description.")
        pairs: dict[str, str] = {}
        for k in keys:
            default = before.get(k)
            choice = st.selectbox(md_label(k), targets,
                                  index=targets.index(default) if default in targets else None,
                                  key=f"{key}:match:{k}", placeholder="Choose a description",
                                  disabled=disabled)
            if choice is not None:
                pairs[k] = choice
        return pairs if len(pairs) == len(keys) else None
    st.warning(escape(f"Questions of type {item.type!r} cannot be shown here."))
    return None


def expected_text(item: QuizItem) -> str:
    """The key, in words."""
    texts = {o.key: o.text for o in item.options}
    if item.type == "ordering":
        return "Correct order: " + " → ".join(f"{k}. {texts[k]}" for k in item.order)
    if item.type == "matching":
        return "Correct pairs: " + "; ".join(f"{k}. {texts[k]} → {v}"
                                             for k, v in sorted(item.pairs.items()))
    return "Answer: " + ", ".join(f"{k}. {texts[k]}" for k in item.correct_keys)


def explanation(item: QuizItem, result: GradeResult | None = None) -> None:
    """The verdict (when graded), the key, why each option is right or wrong, and sources."""
    if result is not None:
        if result.correct:
            st.success("Correct.")
        else:
            st.error("Not quite.")
    st.markdown(escape(expected_text(item)))
    if item.explanation:
        st.markdown(markdown(item.explanation))
    if item.type not in ("ordering", "matching"):
        for o in item.options:
            if o.explanation:
                mark = "✓" if o.correct else "✗"
                st.markdown(f"{mark} **{escape(o.key)}**\\. {markdown(o.explanation)}")
    citations(item.citations)
