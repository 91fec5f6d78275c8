"""HTML -> Document through BeautifulSoup: visible text only, sections by h1-h6."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment

from tutor.load import normalize as nz
from tutor.load.hidden import hidden_tag
from tutor.load.markdown import parse_heading
from tutor.types import Document, Section

# A "<" that starts no complete tag, comment or declaration. Python's HTML parser rescans from
# each such "<" to the end of the input (quadratic: 100 KB of '<a name="' took 16 s), so they
# are escaped before parsing, in one linear pass: no class below can run past the next "<".
# Quotes inside a tag must pair up before its ">", or the parser scans ahead for them.
_STRAY_LT = re.compile(
    r"""<(?!/?[A-Za-z][A-Za-z0-9-]*+(?:[^<>"']++|"[^"<>]*+"|'[^'<>]*+')*+>|[!?][^<>]*+>)""")
_INVISIBLE = ["script", "style", "noscript", "template", "iframe", "object", "svg"]
_BLOCKS = ["p", "li", "div", "tr", "pre", "section", "article", "dd", "dt"]


def from_html(text: str, source: str, warnings: list[str]) -> Document:
    """The page's visible text; hidden elements and comments are removed with a warning."""
    text = _STRAY_LT.sub("&lt;", nz.strip_html_comments(text, warnings))
    soup = BeautifulSoup(text, "html.parser")
    for c in soup.find_all(string=lambda s: isinstance(s, Comment)):
        c.extract()
    hidden = 0
    for tag in soup(_INVISIBLE):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.decomposed or not (tag.has_attr("style") or tag.has_attr("hidden")
                                  or tag.name == "font"):
            continue
        attrs = " ".join(f'{k}="{" ".join(v) if isinstance(v, list) else v}"'
                         for k, v in tag.attrs.items())
        if hidden_tag(tag.name, attrs):
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
        m = parse_heading(line)
        if not m:
            buf.append(line)
            continue
        flush()
        level, heading = m
        if level == 1 and h1 is None:
            h1 = heading
        path = [(lvl, h) for lvl, h in path if lvl < level] + [(level, heading)]
    flush()
    return h1, sections
