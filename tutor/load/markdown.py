"""Markdown -> Document: YAML front-matter (title, exam tags, url), sections by ATX heading."""

from __future__ import annotations

import re
from typing import Any

import yaml

from tutor import yaml_text
from tutor.load import normalize as nz
from tutor.load.hidden import remove_hidden_elements
from tutor.types import Document, Section

FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)
# Every inline pattern runs in linear time: no character class can run past the next opening
# bracket or "<", and possessive quantifiers never backtrack, so a line of "![" or "[" repeated
# costs one pass (the patterns these replace took about an hour per MB of such text).
# Images (whose alt text may itself hold one level of brackets) carry no text worth quoting.
# Link targets may hold one level of parentheses (wiki/Foo_(bar), javascript:f('x')).
_TARGET = r"\((?:[^()\n]++|\([^()\n]*+\))*+\)"
_IMAGE = re.compile(r"!\[(?:[^\[\]\n]++|\[[^\[\]\n]*+\])*+\]" + _TARGET)
_LINK = re.compile(r"\[([^\[\]\n]++)\]" + _TARGET)
_TAG = re.compile(r"</?[a-zA-Z][^<>\n]*+>")
_TASK = re.compile(r"^[1-4]\.[1-3]$")


def front_matter(text: str, warnings: list[str]) -> tuple[dict[str, Any], str]:
    """(front-matter mapping, body); an unreadable block is dropped with a warning."""
    m = FRONT.match(text)
    if not m:
        return {}, text
    try:
        data = yaml_text.safe_load(m.group(1)) or {}
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


def parse_heading(line: str) -> tuple[int, str] | None:
    """(level, text) of an ATX heading line ("## Text ##"), else None. Scans by hand: the
    regex this replaces backtracked quadratically on a heading line of spaces."""
    level = len(line) - len(line.lstrip("#"))
    if not 1 <= level <= 6 or line[level:level + 1] not in (" ", "\t"):
        return None
    text = line[level:].strip(" \t")
    closed = text.rstrip("#")
    if closed != text and (not closed or closed[-1] in " \t"):
        text = closed.rstrip(" \t")
    return (level, text) if text else None


def fence_marker(line: str) -> tuple[str, int, str] | None:
    """(character, length, info string) when ``line`` opens or closes a code fence."""
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > 3 or stripped[:3] not in ("```", "~~~"):
        return None
    char = stripped[0]
    length = len(stripped) - len(stripped.lstrip(char))
    info = stripped[length:].strip()
    if char == "`" and "`" in info:
        return None
    return char, length, info


class _Fences:
    """Tracks whether a line is inside fenced code: a fence closes only with the character
    that opened it, at least as many times, and nothing after it (as CommonMark reads them)."""

    def __init__(self) -> None:
        self.open: tuple[str, int] | None = None

    def is_code(self, line: str) -> bool:
        """Whether ``line`` is a fence or code inside one; updates the state."""
        marker = fence_marker(line)
        if self.open is None:
            if marker is not None:
                self.open = (marker[0], marker[1])
                return True
            return False
        if marker is not None and marker[0] == self.open[0] and marker[1] >= self.open[1] \
                and not marker[2]:
            self.open = None
        return True


def remove_hidden(body: str, warnings: list[str]) -> str:
    """Hidden HTML elements removed with their content, outside fenced code (where HTML is an
    example to read, not markup)."""
    fences = _Fences()
    out: list[str] = []
    run: list[str] = []
    removed = 0

    def flush() -> None:
        nonlocal removed
        if run:
            text, n = remove_hidden_elements("\n".join(run))
            removed += n
            out.append(text)
            run.clear()

    for line in body.split("\n"):
        if fences.is_code(line):
            flush()
            out.append(line)
        else:
            run.append(line)
    flush()
    if removed:
        warnings.append(f"hidden text: {removed} invisible HTML element(s) removed")
    return "\n".join(out)


def split_markdown(body: str) -> tuple[str | None, list[Section]]:
    """Split Markdown into sections by ATX headings; return (first H1, sections)."""
    sections: list[Section] = []
    path: list[tuple[int, str]] = []
    anchor: str | None = None
    buf: list[str] = []
    h1: str | None = None
    fences = _Fences()

    def flush() -> None:
        text = nz.tidy("\n".join(buf))
        if text:
            sections.append(
                Section(heading_path=[h for _, h in path], text=text, anchor=anchor)
            )
        buf.clear()

    for line in body.split("\n"):
        if fences.is_code(line):
            buf.append(line)
            continue
        m = parse_heading(line)
        if not m:
            buf.append(_inline(line))
            continue
        flush()
        level = m[0]
        heading, anchor = nz.pop_anchor(m[1])
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
    body = remove_hidden(nz.strip_html_comments(body, warnings), warnings)
    h1, sections = split_markdown(body)
    title = str(front.get("title") or h1 or nz.stem_title(source))
    return Document(source=source, title=title, sections=sections, warnings=warnings,
                    **_tags(front, warnings))
