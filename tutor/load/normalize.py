"""Text clean-up shared by every loader: decoding, Unicode normalisation, hidden-text
detection, titles from file names and safe URLs."""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

from tutor.load.hidden import strip_comments
from tutor.text import strip_invisible

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~\"'])")
_HTML_ANCHOR = re.compile(r"<a\s+name=\"([^\"]+)\"\s*>\s*</a>", re.I)
_BLANKS = re.compile(r"\n{3,}")
_WEB_URL = re.compile(r"https?://[^\s/]+", re.I)


_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE,
         codecs.BOM_UTF16_BE)
# Control bytes that no text file holds. Tab, newline, form feed and carriage return are text,
# and so are ESC and BEL: a captured terminal log is full of colour and title sequences (they
# are removed later, by normalize).
_CONTROL_BYTES = bytes([*range(7), 8, 11, *range(14, 27), *range(28, 32), 127])
SAMPLE = 1 << 16
MAX_NUL_SHARE = 0.01
MAX_CONTROL_SHARE = 0.05
MIN_BAD_BYTES = 8  # a short note with a stray NUL is text with a flaw, not binary
# Bytes that are not UTF-8: Latin-1 or Windows-1252 text has a few (accented letters), random
# or compressed data about half. Text in any alphabet also has spaces and line breaks between
# its words (Russian in Windows-1251 is almost all non-UTF-8 bytes, yet text); noise has ~2%.
MAX_UNDECODABLE_SHARE = 0.25
MIN_SPACE_SHARE = 0.05
_SPACES = b" \t\n\r"


def _utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" when ``data`` looks like mostly-ASCII UTF-16 with no BOM:
    NUL bytes in nearly every other position and almost nowhere else."""
    sample = data[:SAMPLE]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.3 * half and even < 0.01 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.01 * half:
        return "utf-16-be"
    return None


def looks_binary(data: bytes) -> bool:
    """Whether ``data`` is binary rather than text, judged on its first ``SAMPLE`` bytes: more
    NUL bytes or control bytes than text in any encoding ``decode`` reads would hold (a stray
    NUL or two is text with a flaw), or a large share of bytes that are not UTF-8 with hardly
    a space or line break among them."""
    if data.startswith(_BOMS) or _utf16_without_bom(data):
        return False
    sample = data[:SAMPLE]
    if not sample:
        return False
    nuls = sample.count(0)
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if (nuls >= MIN_BAD_BYTES and nuls / len(sample) > MAX_NUL_SHARE) or (
            controls >= MIN_BAD_BYTES and controls / len(sample) > MAX_CONTROL_SHARE):
        return True
    undecodable = sample.decode("utf-8", errors="replace").count("\ufffd")
    spaces = len(sample) - len(sample.translate(None, _SPACES))
    return (undecodable >= MIN_BAD_BYTES and undecodable / len(sample) > MAX_UNDECODABLE_SHARE
            and spaces / len(sample) < MIN_SPACE_SHARE)


def decode(data: bytes) -> tuple[str, list[str]]:
    """Decode bytes to text, trying BOMs, UTF-16 without a BOM, UTF-8, then cp1252; report
    lossy decodes as warnings."""
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
    utf16 = _utf16_without_bom(data)
    if utf16:
        text = data.decode(utf16, errors="replace")
        if "\ufffd" in text:
            warnings.append(f"some bytes were not valid {utf16} and were replaced")
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
    """Normalise text for indexing: NFKC, no NULs or control characters, no invisible ones.

    Invisible characters (zero-width, text-direction controls, Unicode tags; see
    ``tutor.text.INVISIBLE``) and control characters are removed rather than kept because a
    reader cannot see them, yet they change what the encoder, BM25 and a model see.
    """
    if warnings is None:
        warnings = []
    if "\x00" in text:
        warnings.append("NUL bytes removed")
        text = text.replace("\x00", "")
    text, counts = strip_invisible(text)
    warnings += [f"hidden text: {n} {name} removed" for name, n in counts.items()]
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    return text


def strip_html_comments(text: str, warnings: list[str]) -> str:
    """Remove HTML comments: a reader never sees them, so they must not reach a model either."""
    text, found = strip_comments(text)
    if found:
        warnings.append(f"hidden text: {found} HTML comment(s) removed")
    return text


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
