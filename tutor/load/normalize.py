"""Text clean-up shared by every loader: decoding, Unicode normalisation, hidden-text
detection, titles from file names and safe URLs."""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

# Characters that render as nothing; attackers use them to hide text from a human reader.
ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"), None)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~\"'])")
_HTML_ANCHOR = re.compile(r"<a\s+name=\"([^\"]+)\"\s*>\s*</a>", re.I)
_HTML_COMMENT = re.compile(r"<!--(.*?)-->", re.S)
_BLANKS = re.compile(r"\n{3,}")
_WEB_URL = re.compile(r"https?://[^\s/]+", re.I)


def decode(data: bytes) -> tuple[str, list[str]]:
    """Decode bytes to text, trying BOMs, UTF-8, then cp1252; report lossy decodes as warnings."""
    warnings: list[str] = []
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            text = data.decode(enc, errors="replace")
            if "\ufffd" in text:
                warnings.append(f"some bytes were not valid {enc} and were replaced")
            return text, warnings
    try:
        return data.decode("utf-8"), warnings
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
        warnings.append("not UTF-8: decoded as Windows-1252")
        return text, warnings
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        warnings.append(
            "not UTF-8 or Windows-1252: decoded as Latin-1, some characters may be wrong")
        return text, warnings


def clean(text: str, warnings: list[str] | None = None) -> str:
    """Normalise text for indexing: NFC, no NULs or control characters, no zero-width characters.

    Zero-width characters and control characters are removed rather than kept because they
    are invisible to a reader yet change what the encoder and BM25 see.
    """
    if warnings is None:
        warnings = []
    if "\x00" in text:
        warnings.append("NUL bytes removed")
        text = text.replace("\x00", "")
    stripped = text.translate(ZERO_WIDTH)
    if len(stripped) != len(text):
        warnings.append(f"hidden text: {len(text) - len(stripped)} zero-width characters removed")
    text = unicodedata.normalize("NFKC", stripped)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    return text


def strip_html_comments(text: str, warnings: list[str]) -> str:
    """Remove HTML comments: a reader never sees them, so they must not reach a model either."""
    found = [c.strip() for c in _HTML_COMMENT.findall(text) if c.strip()]
    if found:
        warnings.append(f"hidden text: {len(found)} HTML comment(s) removed")
    return _HTML_COMMENT.sub("", text)


def unescape_markdown(text: str) -> str:
    """Turn '\\.' style Markdown escapes (common in AWS docs) back into plain characters."""
    return _MD_ESCAPE.sub(r"\1", text)


def pop_anchor(heading: str) -> tuple[str, str | None]:
    """Split '<a name="x"></a>' off a heading, returning the clean heading and the anchor."""
    m = _HTML_ANCHOR.search(heading)
    if not m:
        return heading.strip(), None
    return _HTML_ANCHOR.sub("", heading).strip(), m.group(1)


def tidy(text: str) -> str:
    """Collapse runs of blank lines and trailing spaces."""
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _BLANKS.sub("\n\n", text).strip()


def stem_title(source: str) -> str:
    """A title made from a file name, for documents that state none."""
    return Path(source).stem.replace("-", " ").replace("_", " ").strip() or source


def web_url(value: object) -> str | None:
    """``value`` when it is an absolute http(s) URL; a document cannot point citations at
    ``javascript:``, ``file:`` or other schemes."""
    url = str(value or "").strip()
    return url if _WEB_URL.match(url) else None
