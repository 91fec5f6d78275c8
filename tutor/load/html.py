"""HTML -> Document through BeautifulSoup: visible text only, sections by h1-h6."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment

from tutor.load import normalize as nz
from tutor.load.markdown import HEADING
from tutor.types import Document, Section

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_INVISIBLE = ["script", "style", "noscript", "template", "iframe", "object", "svg"]
_BLOCKS = ["p", "li", "div", "tr", "pre", "section", "article", "dd", "dt"]


def from_html(text: str, source: str, warnings: list[str]) -> Document:
    """The page's visible text; hidden elements and comments are removed with a warning."""
    text = nz.strip_html_comments(text, warnings)
    soup = BeautifulSoup(text, "html.parser")
    for c in soup.find_all(string=lambda s: isinstance(s, Comment)):
        c.extract()
    hidden = 0
    for tag in soup(_INVISIBLE):
        tag.decompose()
    for tag in soup.find_all(style=_HIDDEN_STYLE):
        hidden += 1
        tag.decompose()
    for tag in soup.find_all(hidden=True):
        hidden += 1
        tag.decompose()
    if hidden:
        warnings.append(f"hidden text: {hidden} invisible HTML element(s) removed")
    title_tag = soup.find("title")
    page_title = title_tag.get_text(" ", strip=True) if title_tag else None
    if title_tag:
        title_tag.decompose()
    for level in range(1, 7):
        for h in soup.find_all(f"h{level}"):
            h.replace_with(f"\n\n{'#' * level} {h.get_text(' ', strip=True)}\n\n")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(_BLOCKS):
        block.insert_before("\n")
        block.insert_after("\n")
    plain = soup.get_text()
    plain = "\n".join(re.sub(r"[ \t]+", " ", ln).strip() for ln in plain.split("\n"))
    # HTML text is already unescaped; keep it from being read as Markdown escapes.
    h1, sections = _split_headings(plain)
    title = page_title or h1 or nz.stem_title(source)
    return Document(source=source, title=title, sections=sections, warnings=warnings)


def _split_headings(text: str) -> tuple[str | None, list[Section]]:
    sections: list[Section] = []
    path: list[tuple[int, str]] = []
    buf: list[str] = []
    h1 = None

    def flush() -> None:
        body = nz.tidy("\n".join(buf))
        if body:
            sections.append(Section(heading_path=[h for _, h in path], text=body))
        buf.clear()

    for line in text.split("\n"):
        m = HEADING.match(line)
        if not m:
            buf.append(line)
            continue
        flush()
        level, heading = len(m.group(1)), m.group(2).strip()
        if level == 1 and h1 is None:
            h1 = heading
        path = [(lvl, h) for lvl, h in path if lvl < level] + [(level, heading)]
    flush()
    return h1, sections
