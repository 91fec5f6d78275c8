"""Showing text that came from documents, models or learners without letting it act as markup.

Document and model text goes through ``tutor.display.safe_markdown`` (no raw HTML, no images,
links only to allowed hosts) and then has its dollar signs escaped, because Streamlit would
otherwise read text between two of them as a LaTeX formula. Short labels and text typed by
the learner are escaped completely with ``escape``, so they show exactly as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlparse

from tutor.display import DEFAULT_HOSTS, safe_markdown

# Every ASCII punctuation mark that Markdown or Streamlit's extensions give a meaning to;
# CommonMark treats a backslash before any ASCII punctuation as a literal character.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:&=^\"'])")
_DOLLAR = re.compile(r"(?<!\\)\$")
_MARKER = re.compile(r"\\\[(\d{1,3})\\\]")


def escape(text: str) -> str:
    """``text`` as Markdown that displays it literally; newlines are kept.

    Safe on fragments too (a streamed piece): each character is escaped on its own, so
    pieces joined in any way cannot form a link or a tag.
    """
    return _SPECIAL.sub(r"\\\1", text or "")


def markdown(text: str, hosts: Iterable[str] = DEFAULT_HOSTS) -> str:
    """Document or model text as safe Markdown (formatting kept, links only to ``hosts``)."""
    return _DOLLAR.sub(r"\\$", safe_markdown(text or "", list(hosts)))


def answer_markdown(text: str, hosts: Iterable[str] = DEFAULT_HOSTS) -> str:
    """An answer as safe Markdown, with its [n] citation markers in bold so they stand out."""
    return _MARKER.sub(r"**\\[\1\\]**", markdown(text, hosts))


def quote_markdown(text: str, hosts: Iterable[str] = DEFAULT_HOSTS) -> str:
    """A quoted passage as a safe Markdown block quote."""
    return "\n".join("> " + markdown(line, hosts) for line in (text or "").splitlines()
                     if line.strip())


def safe_url(url: str | None) -> str | None:
    """The URL when it is an absolute http(s) link with a host, else None (never javascript:)."""
    if not url:
        return None
    parsed = urlparse(url.strip())
    if parsed.scheme in ("http", "https") and parsed.netloc:
        return url.strip()
    return None
