"""Widgets for answering a quiz item and showing its explanation (Practice and Mock exam).

Each item type gets the input that fits it: a radio for one answer, checkboxes for several,
one select box per step for ordering, one per option for matching. The value returned is in
the shape ``tutor.quiz.grade`` expects, or None while the answer is incomplete.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import streamlit as st

from tutor import prompts
from tutor.exam import TASKS
from tutor.quiz.feedback import Point, feedback
from tutor.quiz.grade import GradeResult, match_targets
from tutor.quiz.plaintext import GENERATOR_LABELS, TYPE_LABELS
from tutor.types import QuizItem
from ui import state
from ui.safe_text import escape, markdown, quote_markdown, safe_url
from ui.widgets import citations

SINGLE_CHOICE = ("single",)
CHAT_PAGE = "views/chat.py"


def item_header(item: QuizItem, number: int | None = None, total: int | None = None) -> None:
    where = f"Question {number} of {total} · " if number and total else ""
    made = f" · {GENERATOR_LABELS.get(item.generator, item.generator)}" if item.generated else ""
    st.caption(escape(f"{where}{TYPE_LABELS.get(item.type, item.type)} · Task {item.task}: "
                      f"{TASKS.get(item.task, '')}{made}"))
    if item.case is not None:
        with st.container(border=True):
            st.markdown(f"**Case study: {escape(item.case.title)}**")
            st.markdown(markdown(item.case.scenario))
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


def _point(p: Point, label: str) -> None:
    note = escape(f" ({p.note})" if p.note else "")
    st.markdown(f"**{escape(label)} {escape(p.option.key)}\\. {escape(p.option.text)}**{note}")
    st.markdown(markdown(p.option.explanation))
    c = p.citation
    if c is not None and p.option.cite is not None:
        where = " › ".join(x for x in (c.title, c.heading) if x)
        st.caption(f"\\[{c.n}\\] {escape(where)}")
        if p.quote:
            st.markdown(quote_markdown(p.quote))
        url = safe_url(c.url)
        if url:
            st.markdown(f"[Open the AWS page]({url})")


def teaching(item: QuizItem, result: GradeResult) -> None:
    """For a wrong answer: why the chosen option fails and why the key is right, each with
    the passage it cites."""
    fb = feedback(item, result)
    arranged = item.type in ("ordering", "matching")
    for p in fb.chosen:
        # steps and pairs are explained once, under the key, where their passages are shown
        _point(replace(p, citation=None) if arranged else p, "You chose")
    for p in fb.keys:
        _point(p, "The key:")


def explanation(item: QuizItem, result: GradeResult | None = None) -> None:
    """The verdict (when graded), the teaching points of a wrong answer, the key, why each
    option is right or wrong, and the sources."""
    if result is not None:
        if result.correct:
            st.success("Correct.")
        else:
            st.error("Not quite.")
            teaching(item, result)
    st.markdown(escape(expected_text(item)))
    per_option = any(o.cite is not None for o in item.options)
    if item.explanation and not per_option:
        st.markdown(markdown(item.explanation))
    if per_option or item.type not in ("ordering", "matching"):
        by_key = {o.key: o for o in item.options}
        shown = [by_key[k] for k in item.order] if item.type == "ordering" else item.options
        for o in shown:
            if o.explanation:
                mark = "✓" if o.correct or item.type in ("ordering", "matching") else "✗"
                cite = f" \\[{o.cite}\\]" if o.cite is not None else ""
                st.markdown(f"{mark} **{escape(o.key)}**\\. {markdown(o.explanation)}{cite}")
    citations(item.citations)


def given_text(item: QuizItem, given: Any) -> str:
    """An answer as the learner gave it, in words."""
    if isinstance(given, dict):
        return "; ".join(f"{k} → {v}" for k, v in sorted(given.items()))
    return ", ".join(given) if isinstance(given, list) else str(given)


def ask_question(item: QuizItem, given: Any, limit: int) -> str:
    """What "Ask the tutor about this" asks: the question, the answer given and the key,
    cut to fit ``limit`` characters."""
    texts = {o.key: o.text for o in item.options}
    options = "; ".join(f"{k}. {t}" for k, t in texts.items())
    answer = given_text(item, given) if given is not None else "nothing"
    key = expected_text(item)
    fixed = prompts.ASK_ABOUT_ITEM.format(stem="", options="", given=answer, key=key)
    room = max(limit - len(fixed), 40)
    stem = item.stem[: room // 2]
    return prompts.ASK_ABOUT_ITEM.format(stem=stem, options=options[: room - len(stem)],
                                         given=answer, key=key)


def ask_tutor_button(item: QuizItem, given: Any, key: str, limit: int) -> None:
    """"Ask the tutor about this": opens Chat with the question as its context."""
    if st.button("Ask the tutor about this", key=key, icon=":material/forum:"):
        state.hand_to_chat(item, ask_question(item, given, limit))
        st.switch_page(CHAT_PAGE)
