"""Display pieces shared by several pages."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

import streamlit as st

from tutor.display import allowed_hosts, host_allowed
from tutor.types import Citation
from ui.safe_text import answer_markdown, escape, markdown, quote_markdown, safe_url

STREAM_REDRAW_S = 0.05  # how often a streaming answer is redrawn at most


def source_label(c: Citation) -> str:
    """'[n] Title › Heading, page p' as escaped Markdown (expander labels are Markdown); for a
    concept card, '[n] Concept card › its question'."""
    where = " › ".join(p for p in ("Concept card" if c.cites_source else c.title, c.heading)
                       if p)
    page = f", page {c.page}" if c.page else ""
    return f"\\[{c.n}\\] {escape(where + page)}"


def citations(cites: Sequence[Citation], extra_hosts: Iterable[str] = ()) -> None:
    """An expandable source per citation: where it is, the quoted passage and its link.
    Passages may link to the AWS docs and ``extra_hosts`` (settings.link_hosts) only; a
    source whose own URL is on another host shows the URL as text, not as a button."""
    hosts = allowed_hosts(extra_hosts)
    for c in cites:
        page = f", page {c.page}" if c.page else ""
        with st.expander(source_label(c)):
            st.caption(escape(f"Source: {c.source}{page}"))
            st.markdown(quote_markdown(c.quote or c.passage, hosts))
            if c.passage and c.passage.strip() != (c.quote or "").strip():
                st.caption("Whole passage")
                st.markdown(markdown(c.passage, hosts))
            if c.cites_source:
                card_source(c, hosts)
            url = safe_url(c.url)
            if url and host_allowed(url, hosts):
                st.link_button("Open the source page", url)
            elif c.url:
                st.caption("Address: " + escape(c.url))


def card_source(c: Citation, hosts: Iterable[str]) -> None:
    """Where a concept card comes from: the note section it cites, and that section's text
    when the index holds it."""
    where = " › ".join(p for p in (c.cites_source, c.cites_heading) if p)
    st.caption(escape(f"The card cites the notes: {where}"))
    if c.cites_passage:
        st.markdown(markdown(c.cites_passage, hosts))


def stream_markdown(pieces: Iterable[str], hosts: Iterable[str]) -> str:
    """Draw streamed answer text as it arrives, each time as a whole through the same safe
    renderer as the finished answer (pieces escaped one by one could still join into a URL
    that the browser's autolinker links); returns the whole text."""
    box = st.empty()
    hosts = list(hosts)
    text, drawn = "", 0.0
    for piece in pieces:
        text += piece
        if time.monotonic() - drawn >= STREAM_REDRAW_S:
            box.markdown(answer_markdown(text, hosts))
            drawn = time.monotonic()
    box.markdown(answer_markdown(text, hosts))
    return text
