"""Model and document text made safe to display.

``safe_markdown`` returns Markdown that, rendered by any CommonMark renderer (raw HTML
allowed or not, GFM autolinks or not), shows no raw HTML, no images, and no link whose
target is outside the allowlist: the AWS documentation hosts and the configured
``link_hosts``, matched as whole host names (a document cannot add a host of its own). Links
to other hosts keep their text; bare URLs and e-mail addresses that would be linked are shown
as code so they are not clickable; images keep their alt text; invisible and text-direction
characters are dropped. Code is kept, except that a "<" that could open a tag becomes a
look-alike, since a renderer may pair backticks differently from this module.
``terminal_text`` strips escape sequences and every control character before printing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from tutor.text import without_invisible

DEFAULT_HOSTS = ("docs.aws.amazon.com", "aws.amazon.com")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# C1 controls too: some terminals read U+009B as CSI and U+009D as OSC.
_TERMINAL_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_PRIVATE = re.compile("[\ue000-\ue003]")
_FENCE_OPEN = re.compile(r"^(`{3,}|~{3,})(.*)$")
_BACKTICKS = re.compile(r"`+")
_IMAGE = re.compile(r"!\[((?:[^\[\]\\\n]|\\.)*)\](?:\(\s*[^)\n]*\)|\[[^\]\n]*\])?")
_LINK = re.compile(r"\[((?:[^\[\]\\\n]|\\.)+)\]\(\s*<?([^\s()<>\"'`]*)>?"
                   r"(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)")
_REF_LINK = re.compile(r"\[((?:[^\[\]\\\n]|\\.)+)\]\[[^\]\n]*\]")
# In code, a "<" that could open a tag becomes a look-alike, and a span that holds link or
# URL syntax is treated as prose: if a renderer pairs backticks differently from us, such
# text must still render inert.
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_LINKISH = re.compile(r"\]\(|\]\[|\]:|!\[|://|www\.", re.I)
_AUTOLINK = re.compile(r"<([a-zA-Z][a-zA-Z0-9+.\-]{1,31}:[^\s<>]*)>")
_BARE_URL = re.compile(r"(?:\b[a-zA-Z][a-zA-Z0-9+.\-]{1,31}://|\bwww\.)[^\s<>`\"'\]\[()]+", re.I)
# Only from the start of a run of address characters, so a long word is scanned once.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)+")
_SLOT = re.compile("\ue000(\\d+)\ue001")


def host_allowed(url: str, hosts: Iterable[str]) -> bool:
    """Whether ``url`` is an http(s) URL whose host is exactly one of ``hosts``.

    URLs with credentials, backslashes or non-ASCII hosts are refused: browsers and
    parsers disagree on where such hosts end.
    """
    url = url.strip()
    if "\\" in url or _CONTROL.search(url) or not url.isascii():
        return False
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return False
    if parts.scheme.lower() not in ("http", "https") or "@" in parts.netloc or not host:
        return False
    return host in {x.lower().strip(".") for x in hosts}


def allowed_hosts(extra: Iterable[str] = ()) -> list[str]:
    """The link allowlist: the AWS documentation hosts and ``extra`` (settings.link_hosts).
    Documents never add to it: a document's own URL is shown as text unless it is allowed."""
    return list(dict.fromkeys([*DEFAULT_HOSTS, *(h for h in extra if h)]))


def terminal_text(text: str) -> str:
    """``text`` without terminal escape sequences, control characters (C0 and C1; newlines
    and tabs kept) or invisible and text-direction characters, safe to print to a terminal."""
    text = _ANSI.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return without_invisible(_TERMINAL_CONTROL.sub("", text))


def _escape_brackets(text: str) -> str:
    """Backslash every [ and ] that is not already escaped, so no link or image can form."""
    out: list[str] = []
    slashes = 0
    for ch in text:
        if ch in "[]" and slashes % 2 == 0:
            out.append("\\")
        out.append(ch)
        slashes = slashes + 1 if ch == "\\" else 0
    return "".join(out)


def _code_spans(line: str) -> list[tuple[int, int]]:
    """(start, end) of the inline code spans in one line, found the way CommonMark does."""
    spans: list[tuple[int, int]] = []
    pos = 0
    while (m := _BACKTICKS.search(line, pos)) is not None:
        start = m.start()
        slashes = len(line[:start]) - len(line[:start].rstrip("\\"))
        run = m.group(0)
        if slashes % 2 == 1:  # an escaped backtick is literal; the rest of the run may open
            run = run[1:]
            start += 1
            if not run:
                pos = m.end()
                continue
        close = next((c for c in _BACKTICKS.finditer(line, m.end()) if len(c.group(0)) == len(run)),
                     None)
        if close is None:
            pos = m.end()
            continue
        spans.append((start, close.end()))
        pos = close.end()
    return spans


class _Prose:
    """Makes prose safe; allowed links are parked in numbered slots until the end."""

    def __init__(self, hosts: list[str]):
        self.hosts = hosts
        self.slots: list[str] = []

    def _park(self, markdown: str) -> str:
        self.slots.append(markdown)
        return f"\ue000{len(self.slots) - 1}\ue001"

    def _text(self, text: str) -> str:
        return _escape_brackets(text.replace("<", "&lt;"))

    def _link(self, m: re.Match[str]) -> str:
        label, url = m.group(1), m.group(2)
        if host_allowed(url, self.hosts):
            return self._park(f"[{self._text(label)}]({url})")
        return label

    def _url(self, m: re.Match[str]) -> str:
        # Trailing punctuation ends the sentence, not the URL (as GFM autolinks see it).
        url = m.group(0).rstrip(".,:;!?*_~")
        tail = m.group(0)[len(url):]
        if url.lower().startswith("www."):
            allowed = host_allowed("https://" + url, self.hosts)
        else:
            allowed = host_allowed(url, self.hosts)
        return self._park(url if allowed else f"`{url}`") + tail

    def __call__(self, text: str) -> str:
        text = _IMAGE.sub(lambda m: m.group(1), text)
        text = _LINK.sub(self._link, text)
        text = _REF_LINK.sub(lambda m: m.group(1), text)
        text = _AUTOLINK.sub(lambda m: self._park(
            f"<{m.group(1)}>" if host_allowed(m.group(1), self.hosts) else f"`{m.group(1)}`"), text)
        text = _BARE_URL.sub(self._url, text)
        text = _EMAIL.sub(lambda m: self._park(f"`{m.group(0)}`"), text)
        return self._text(text)

    def restore(self, text: str) -> str:
        return _SLOT.sub(lambda m: self.slots[int(m.group(1))], text)


def safe_markdown(text: str, hosts: Iterable[str] = DEFAULT_HOSTS) -> str:
    """``text`` as Markdown that is safe to render; see the module docstring for the contract."""
    text = _PRIVATE.sub("", _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")))
    text = without_invisible(text)
    prose = _Prose(list(hosts))
    out: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        if fence is not None:
            out.append(_TAG_START.sub("\uff1c", line))
            closer = line.rstrip(" \t")
            if (len(closer) - len(closer.lstrip(" ")) <= 3 and set(closer.lstrip(" ")) == {fence[0]}
                    and len(closer.lstrip(" ")) >= len(fence)):
                fence = None
            continue
        # Only fences at column 0: an indented one may sit in a list item that ends before
        # it closes, where a renderer would no longer treat the lines after it as code.
        opened = _FENCE_OPEN.match(line)
        if opened and not (opened.group(1)[0] == "`" and "`" in opened.group(2)):
            fence = opened.group(1)
            # The info string only names a language; anything fancier is dropped.
            out.append(fence + re.sub(r"[^\w.+# -]", "", opened.group(2)))
            continue
        pieces: list[str] = []
        pos = 0
        for start, end in _code_spans(line):
            span = line[start:end]
            span = prose(span) if _LINKISH.search(span) else _TAG_START.sub("\uff1c", span)
            pieces += [prose(line[pos:start]), span]
            pos = end
        pieces.append(prose(line[pos:]))
        out.append("".join(pieces))
    return prose.restore("\n".join(out))
