"""Text a reader of the rendered page never sees: HTML comments and hidden elements.

Shared by the Markdown and HTML loaders, so both remove the same things. Every scan here runs
in linear time: comments are found with ``str.find``, and the one tag pattern cannot
backtrack (possessive quantifiers, and no character class that can run past the next "<"),
so a file of "<!--" or "<a" repeated costs no more than any other file of its size.
"""

from __future__ import annotations

import re

# A start or end tag; the attributes are everything up to the next ">" that is not past a "<".
TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*+)([^<>]*+)>")
_STYLE = re.compile(r"""\bstyle\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)
_FONT_COLOR = re.compile(r"""\bcolor\s*=\s*["']?([#\w]+)""", re.I)
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
_NAMED = {"white": "#ffffff", "black": "#000000", "snow": "#fffafa", "ivory": "#fffff0",
          "whitesmoke": "#f5f5f5", "ghostwhite": "#f8f8ff", "mintcream": "#f5fffa",
          "azure": "#f0ffff", "seashell": "#fff5ee", "floralwhite": "#fffaf0"}
# The page behind text that sets no background of its own.
PAGE_BACKGROUND = "#ffffff"


def _colour(value: str | None) -> str | None:
    """A CSS colour as #rrggbb ("transparent" for fully transparent), or None if unknown."""
    if not value:
        return None
    v = value.strip().lower().split()[0] if value.strip() else ""
    if v in ("transparent",):
        return "transparent"
    if v in _NAMED:
        return _NAMED[v]
    if re.fullmatch(r"#[0-9a-f]{3,4}", v):
        return "#" + "".join(c * 2 for c in v[1:4])
    if re.fullmatch(r"#[0-9a-f]{6}(?:[0-9a-f]{2})?", v):
        return "transparent" if v[7:9] == "00" else v[:7]
    if v.startswith(("rgb(", "rgba(")):
        parts = _NUMBER.findall(value)
        if len(parts) >= 3:
            if len(parts) >= 4 and float(parts[3]) == 0:
                return "transparent"
            return "#" + "".join(f"{min(255, max(0, int(float(p)))):02x}" for p in parts[:3])
    return None


def _size(value: str) -> float | None:
    m = _NUMBER.match(value.strip())
    return float(m.group(0)) if m else None


def hidden_style(style: str) -> bool:
    """Whether an inline CSS ``style`` makes an element's text invisible: not displayed,
    transparent, zero-sized, or drawn in the colour of its background."""
    decl: dict[str, str] = {}
    for part in style.split(";"):
        name, _, value = part.partition(":")
        decl[name.strip().lower()] = value.replace("!important", "").strip().lower()
    if decl.get("display") == "none" or decl.get("visibility") in ("hidden", "collapse"):
        return True
    opacity = _size(decl.get("opacity", ""))
    if opacity is not None:
        if decl["opacity"].endswith("%"):
            opacity /= 100
        if opacity <= 0.05:
            return True
    size = decl.get("font-size", "")
    number = _size(size)
    if number is not None and (number <= 0 or (number < 2 and size.endswith(("px", "pt")))):
        return True
    height = _size(decl.get("height", decl.get("max-height", "")))
    if height is not None and height <= 0 and decl.get("overflow") == "hidden":
        return True
    colour = _colour(decl.get("color"))
    background = _colour(decl.get("background-color") or decl.get("background"))
    return colour == "transparent" or (
        colour is not None and colour == (background or PAGE_BACKGROUND))


def hidden_tag(name: str, attrs: str) -> bool:
    """Whether a start tag with these attributes hides its content."""
    if re.search(r"(?:^|\s)hidden(?:\s|=|$)", attrs, re.I):
        return True
    m = _STYLE.search(attrs)
    if m and hidden_style(next(g for g in m.groups() if g is not None)):
        return True
    if name.lower() == "font":
        colour = _FONT_COLOR.search(attrs)
        return colour is not None and _colour(colour.group(1)) == PAGE_BACKGROUND
    return False


def strip_comments(text: str) -> tuple[str, int]:
    """``text`` without HTML comments, and how many held text. An unclosed comment hides
    everything after it, as it does in a browser."""
    out: list[str] = []
    found = pos = 0
    while (start := text.find("<!--", pos)) >= 0:
        end = text.find("-->", start + 4)
        out.append(text[pos:start])
        body = text[start + 4:end if end >= 0 else len(text)]
        found += bool(body.strip())
        if end < 0:
            return "".join(out), found
        pos = end + 3
    out.append(text[pos:])
    return "".join(out), found


def remove_hidden_elements(text: str) -> tuple[str, int]:
    """``text`` (Markdown or HTML source) without the elements that hide their content, the
    content included, and how many were removed. An element left unclosed hides the rest."""
    out: list[str] = []
    removed = pos = 0
    while (m := TAG.search(text, pos)) is not None:
        closing, name, attrs = m.group(1), m.group(2).lower(), m.group(3)
        if closing or not hidden_tag(name, attrs):
            out.append(text[pos:m.end()])
            pos = m.end()
            continue
        removed += 1
        out.append(text[pos:m.start()])
        if name in VOID or attrs.rstrip().endswith("/"):
            pos = m.end()
            continue
        pos = _matching_end(text, m.end(), name)
    out.append(text[pos:])
    return "".join(out), removed


def _matching_end(text: str, start: int, name: str) -> int:
    """Where the element opened just before ``start`` ends (after its end tag), or the end."""
    depth = 1
    pos = start
    while (m := TAG.search(text, pos)) is not None:
        pos = m.end()
        if m.group(2).lower() != name or m.group(3).rstrip().endswith("/"):
            continue
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return pos
    return len(text)
