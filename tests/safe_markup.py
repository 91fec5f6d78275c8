"""What a string shown by the app could turn into in the browser.

Streamlit renders labels, captions, alerts and Markdown with a CommonMark renderer plus GitHub's
autolink extension, which links bare URLs, ``www.`` names and e-mail addresses found in the
text after escapes are resolved (so ``https\\://evil\\.example`` is linked too). ``problems``
renders a string with markdown-it (raw HTML switched on) and then looks for the same bare
links in the text outside links and code, the way that extension does.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from markdown_it import MarkdownIt

from tutor.display import DEFAULT_HOSTS, host_allowed

MARKDOWN_TAGS = {"p", "a", "code", "pre", "em", "strong", "ul", "ol", "li", "h1", "h2", "h3",
                 "h4", "h5", "h6", "blockquote", "hr", "br", "s", "del", "table", "thead",
                 "tbody", "tr", "th", "td"}
_BARE_URL = re.compile(r"(?:(?<=^)|(?<=[\s\W]))(?:https?://|www\.)[-.\w]+[^\s<]*", re.I)
_EMAIL = re.compile(r"[-.\w+]+@[-\w]+(?:\.[-\w]+)+")


class _Walk(HTMLParser):
    def __init__(self, hosts: tuple[str, ...]) -> None:
        super().__init__()
        self.hosts = hosts
        self.inert = 0  # depth inside <a> or <code>, where nothing more gets linked
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag not in MARKDOWN_TAGS:
            self.found.append(f"raw <{tag}>")
        if tag == "a":
            href = values.get("href") or ""
            if not host_allowed(href, self.hosts):
                self.found.append(f"link to {href}")
        if tag in ("a", "code", "pre"):
            self.inert += 1
        if any(k.startswith("on") or k in ("src", "style") for k in values):
            self.found.append(f"attributes {values}")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("a", "code", "pre"):
            self.inert = max(0, self.inert - 1)

    def handle_data(self, data: str) -> None:
        if self.inert:
            return
        for m in _BARE_URL.finditer(data):
            url = m.group(0)
            target = url if "://" in url else "https://" + url
            if not host_allowed(target.rstrip(".,:;!?*_~)"), self.hosts):
                self.found.append(f"autolink {url}")
        self.found += [f"autolinked e-mail {m.group(0)}" for m in _EMAIL.finditer(data)]


def problems(markdown: str, hosts: tuple[str, ...] = DEFAULT_HOSTS) -> list[str]:
    """Images, raw HTML, links and would-be autolinks to hosts outside ``hosts``."""
    walk = _Walk(hosts)
    walk.feed(MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
              .render(markdown))
    return walk.found


def ui_strings(at: object) -> list[str]:
    """Every Markdown-rendered string of an AppTest run: bodies, labels, help texts and the
    options of radios, found by walking the whole element tree."""
    from google.protobuf.json_format import MessageToDict

    out: list[str] = []

    def collect(value: object, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                collect(v, k)
        elif isinstance(value, list):
            for v in value:
                collect(v, key)
        elif isinstance(value, str) and key in ("body", "label", "help", "options", "caption",
                                                "placeholder", "text"):
            out.append(value)

    def walk(node: object) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            collect(MessageToDict(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)  # type: ignore[attr-defined]
    return out
