"""Chat: ask a question, watch the answer stream in, open the numbered sources it cites.

A question enters the history the moment it is submitted (a widget callback, ui/state.py)
and is answered in place by the run that follows. If that run stops first (a newer
question, a page change, a rerun), the next run marks the turn interrupted and offers to
ask it again, so no question is ever lost.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import streamlit as st

from tutor import prompts
from tutor.answer.followups import suggest_followups
from tutor.display import allowed_hosts
from tutor.exam import DOMAINS
from tutor.library import library_overview
from tutor.types import Answer, Filters
from ui import resources, state
from ui.errors import library_link, message_for, show
from ui.safe_text import answer_markdown, escape, markdown
from ui.widgets import citations, stream_markdown


def show_handoff() -> None:
    """The practice question handed over by "Ask the tutor about this", shown once above the
    answer. It lives here, not with the quiz widgets: Chat must not import the quiz code."""
    context = state.take_item_context()
    if context is None:
        return
    item = context.item
    with st.container(border=True):
        st.caption(f"About practice question {escape(item.id)} · Task {item.task}")
        st.markdown(markdown(item.stem))
        st.markdown("  \n".join(f"{escape(o.key)}\\. {escape(o.text)}" for o in item.options))


def text_pieces(stream: Iterator[str | Answer], holder: dict[str, Any]) -> Iterator[str]:
    """The text pieces of ``Tutor.stream`` (drawn safely by ``stream_markdown``); the final
    Answer object is put in ``holder["answer"]`` instead of being written."""
    for piece in stream:
        if isinstance(piece, Answer):
            holder["answer"] = piece
        else:
            yield piece


def link_hosts(settings: Any) -> list[str]:
    """Hosts an answer may link to: the AWS docs and the configured link_hosts."""
    return allowed_hosts(settings.link_hosts)


def answer_details(answer: Answer, turn_no: int, followups: list[str], settings: Any) -> None:
    """Everything under the answer text: notice, backend, sources, follow-up buttons."""
    if answer.notice:
        st.warning(markdown(answer.notice))
    st.caption(f"Answered by: {escape(answer.backend)}"
               + (f" · searched for: {escape(answer.query)}" if answer.query else ""))
    citations(answer.citations, settings.link_hosts)
    if followups:
        st.caption("Ask next")
        cols = st.columns(len(followups))
        for j, (col, question) in enumerate(zip(cols, followups, strict=True)):
            col.button(escape(question), key=f"chat.followup.{turn_no}.{j}",
                        on_click=state.submit, args=(question,))


def show_turn(turn: state.Turn, turn_no: int, settings: Any) -> None:
    with st.chat_message("user"):
        st.markdown(escape(turn.question))
    with st.chat_message("assistant"):
        if turn.status == state.INTERRUPTED:
            st.info(prompts.UI_CHAT_INTERRUPTED)
            st.button("Ask again", key=f"chat.again.{turn_no}", on_click=state.ask_again,
                      args=(turn_no,), icon=":material/refresh:")
            return
        if turn.error is not None:
            show(turn.error_kind, turn.error)
            return
        if turn.answer is not None:
            st.markdown(answer_markdown(turn.text, link_hosts(settings)))
            answer_details(turn.answer, turn_no, turn.followups, settings)


def answer(turn: state.Turn, turn_no: int, filters: Filters, settings: Any,
           turns: list[state.Turn]) -> None:
    """Answer a submitted turn live (streaming), in its place in the history."""
    history = [(t.question, t.text) for t in turns[:turn_no] if t.answer is not None]
    with st.chat_message("user"):
        st.markdown(escape(turn.question))
    with st.chat_message("assistant"):
        try:
            tutor = resources.tutor(settings)
            warm = resources.warm_up(settings)
            if not warm.ready():  # only a question that beats the start-up warm-up waits here
                with st.spinner(prompts.UI_WARMING_UP):
                    warm.wait()
            _ = tutor.retriever.snapshot  # an empty or damaged index fails here, plainly
            holder: dict[str, Any] = {}
            stream_markdown(text_pieces(tutor.stream(turn.question, history=history,
                                                     filters=filters), holder),
                            link_hosts(settings))
            result: Answer = holder["answer"]
            turn.answer, turn.text, turn.status = result, result.text, state.ANSWERED
            turn.followups = suggest_followups(result, resources.catalog())
            answer_details(result, turn_no, turn.followups, settings)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message, never a trace
            turn.error_kind, turn.error = message_for(exc, "answering your question")
            turn.status = state.FAILED
            show(turn.error_kind, turn.error)
            library_link(exc)


def sidebar(settings: Any) -> Filters:
    """Filters, the New chat button and which backend answers."""
    with st.sidebar:
        st.subheader("Chat")
        domain = st.selectbox("Exam domain", [None, *sorted(DOMAINS)], key="chat.domain",
                              format_func=lambda d: "All domains" if d is None
                              else f"{d}. {DOMAINS[d]}")
        corpora = sorted(library_overview(settings).chunks_by_corpus)
        chosen = None
        if len(corpora) > 1:
            chosen = st.multiselect("Source sets", corpora, key="chat.corpus",
                                    placeholder="All sources") or None
        st.button("New chat", key="chat.new", on_click=state.new_chat,
                  icon=":material/add_comment:", width="stretch")
        provider = settings.llm_provider
        backend = ("offline extractive" if provider == "none"
                   else f"{provider} ({settings.llm_model or 'default'})")
        st.caption(escape(f"Answer backend: {backend}"))
    return Filters(domain=domain, corpus=chosen)


def main() -> None:
    st.title("Chat")
    settings = resources.page_settings()
    if settings is None:
        return
    filters = sidebar(settings)
    fresh = state.take_fresh()  # questions submitted since the last run; the rest are done
    turns = state.chat_turns()
    # One character of headroom: Streamlit silently cuts input at max_chars, so an over-long
    # paste arrives one character too long and the learner is told, instead of being cut off.
    # Drawn before the answers (it is pinned to the bottom anyway), so that it stays usable
    # while an answer streams.
    st.chat_input(prompts.UI_CHAT_PLACEHOLDER, max_chars=settings.max_question_chars + 1,
                  key="chat.input", on_submit=state.submit_typed, args=("chat.input",))
    if not turns:
        st.info(prompts.UI_CHAT_WELCOME)
    for i, turn in enumerate(turns):
        if i in fresh and turn.status == state.PENDING:
            show_handoff()  # a practice question sent here by "Ask the tutor about this"
            answer(turn, i, filters, settings, turns)
        else:
            show_turn(turn, i, settings)


main()
