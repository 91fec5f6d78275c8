"""Showing text that came from documents, models or learners without letting it act as markup.

Every widget that shows such text goes through one of two functions here. Document and model
text goes through ``markdown`` (``tutor.display.safe_markdown``: no raw HTML, no images, links
only to allowed hosts), then has its dollar signs escaped, because Streamlit would otherwise
read text between two of them as a LaTeX formula. Short labels (captions, titles, source
labels, button labels, file names) and text typed by the learner go through ``escape``, so
they show exactly as written: every Markdown character is escaped, and a word that GitHub's
autolinker would turn into a link (a URL, a ``www.`` name, an e-mail address; it finds them
after escapes are resolved, so escaping is not enough) is shown as inline code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlparse

from tutor.display import DEFAULT_HOSTS, safe_markdown
from tutor.text import without_invisible

# Every ASCII punctuation mark that Markdown or Streamlit's extensions give a meaning to;
# CommonMark treats a backslash before any ASCII punctuation as a literal character.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:&=^\"'])")
_DOLLAR = re.compile(r"(?<!\\)\$")
_MARKER = re.compile(r"\\\[(\d{1,3})\\\]")
_SPACE = re.compile(r"(\s+)")
_TICKS = re.compile(r"`+")


def _linkable(word: str) -> bool:
    """Whether GitHub's autolinker could make a link of (part of) ``word``."""
    lower = word.lower()
    return "://" in lower or "www." in lower or "@" in lower or lower.startswith(
        ("mailto:", "xmpp:"))


def _code(word: str) -> str:
    """``word`` as an inline code span, which no renderer links or formats."""
    fence = "`" * (max((len(t) for t in _TICKS.findall(word)), default=0) + 1)
    pad = " " if word.startswith("`") or word.endswith("`") else ""
    return f"{fence}{pad}{word}{pad}{fence}"


def escape(text: str) -> str:
    """``text`` as Markdown that displays it literally; newlines are kept, invisible and
    text-direction characters dropped, and linkable words shown as code (see above)."""
    words = _SPACE.split(without_invisible(text or ""))
    return "".join(w if i % 2 else (_code(w) if _linkable(w) else _SPECIAL.sub(r"\\\1", w))
                   for i, w in enumerate(words))


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
