"""Markdown -> Document: YAML front-matter (title, exam tags, url), sections by ATX heading."""

from __future__ import annotations

import re
from typing import Any

import yaml

from tutor.load import normalize as nz
from tutor.types import Document, Section

FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)
HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
# Images (whose alt text may itself contain brackets) carry no text worth quoting.
# Link targets may hold one level of parentheses (wiki/Foo_(bar), javascript:f('x')).
_TARGET = r"\((?:[^()\n]|\([^()\n]*\))*\)"
_IMAGE = re.compile(r"!\[(?:[^\[\]]|\[[^\]]*\])*\]" + _TARGET)
_LINK = re.compile(r"\[([^\]]+)\]" + _TARGET)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_TASK = re.compile(r"^[1-4]\.[1-3]$")


def front_matter(text: str, warnings: list[str]) -> tuple[dict[str, Any], str]:
    """(front-matter mapping, body); an unreadable block is dropped with a warning."""
    m = FRONT.match(text)
    if not m:
        return {}, text
    try:
        data = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError:
        warnings.append("front-matter is not valid YAML and was ignored")
        return {}, text[m.end():]
    if not isinstance(data, dict):
        warnings.append("front-matter is not a mapping and was ignored")
        return {}, text[m.end():]
    return data, text[m.end():]


def _tags(front: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    """Exam tags a document declares; invalid ones are dropped with a warning, not fatal."""
    out: dict[str, Any] = {}
    domain, task = front.get("domain"), front.get("task")
    if task is not None:
        task = str(task)
        if _TASK.match(task):
            out["task"] = task
            out["domain"] = int(task[0])
        else:
            warnings.append(f"front-matter task '{task}' is not a task statement like 3.1")
    if domain is not None and "domain" not in out:
        try:
            d = int(domain)
        except (TypeError, ValueError):
            d = 0
        if 1 <= d <= 4:
            out["domain"] = d
        else:
            warnings.append(f"front-matter domain '{domain}' is not 1-4")
    services = front.get("services") or []
    if isinstance(services, list):
        out["services"] = [str(s) for s in services]
    if front.get("url"):
        url = nz.web_url(front["url"])
        if url:
            out["url"] = url
        else:
            warnings.append("front-matter url is not an http(s) address and was ignored")
    return out


def _inline(text: str) -> str:
    """Markdown inline syntax to the plain text a reader sees."""
    text = _IMAGE.sub("", text)
    text = _LINK.sub(lambda m: m.group(1), text)
    text = _TAG.sub("", text)
    return nz.unescape_markdown(text)


def split_markdown(body: str) -> tuple[str | None, list[Section]]:
    """Split Markdown into sections by ATX headings; return (first H1, sections)."""
    sections: list[Section] = []
    path: list[tuple[int, str]] = []
    anchor: str | None = None
    buf: list[str] = []
    h1: str | None = None
    in_fence = False

    def flush() -> None:
        text = nz.tidy("\n".join(buf))
        if text:
            sections.append(
                Section(heading_path=[h for _, h in path], text=text, anchor=anchor)
            )
        buf.clear()

    for line in body.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
            buf.append(line)
            continue
        m = None if in_fence else HEADING.match(line)
        if not m:
            buf.append(_inline(line) if not in_fence else line)
            continue
        flush()
        level = len(m.group(1))
        heading, anchor = nz.pop_anchor(m.group(2))
        heading = _inline(heading).strip()
        if level == 1 and h1 is None:
            h1 = heading
        path = [(lvl, h) for lvl, h in path if lvl < level]
        path.append((level, heading))
    flush()
    return h1, sections


def from_markdown(text: str, source: str, warnings: list[str]) -> Document:
    """A Markdown file's Document: front-matter title and tags, hidden comments removed."""
    front, body = front_matter(text, warnings)
    body = nz.strip_html_comments(body, warnings)
    h1, sections = split_markdown(body)
    title = str(front.get("title") or h1 or nz.stem_title(source))
    return Document(source=source, title=title, sections=sections, warnings=warnings,
                    **_tags(front, warnings))
