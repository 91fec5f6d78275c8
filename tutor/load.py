"""file -> Document. Markdown, plain text, HTML and PDF; failures raise LoadError with a status."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from tutor import normalize as nz
from tutor.errors import LoadError
from tutor.types import Document, Section

MARKDOWN = {".md", ".markdown", ".mdx"}
TEXT = {".txt", ".text", ".rst"}
HTML = {".html", ".htm", ".xhtml"}
PDF = {".pdf"}
SUPPORTED = MARKDOWN | TEXT | HTML | PDF

_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
# Images (whose alt text may itself contain brackets) carry no text worth quoting.
# Link targets may hold one level of parentheses (wiki/Foo_(bar), javascript:f('x')).
_TARGET = r"\((?:[^()\n]|\([^()\n]*\))*\)"
_IMAGE = re.compile(r"!\[(?:[^\[\]]|\[[^\]]*\])*\]" + _TARGET)
_LINK = re.compile(r"\[([^\]]+)\]" + _TARGET)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_TASK = re.compile(r"^[1-4]\.[1-3]$")


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED


def load_file(
    path: Path,
    source: str,
    *,
    max_bytes: int = 50 * 2**20,
    max_pdf_pages: int = 2000,
    meta: dict[str, Any] | None = None,
) -> Document:
    """Read one file into a Document.

    ``source`` is the name the chunks will carry (the path relative to the ingest root);
    ``meta`` may supply ``url`` and ``title`` from a manifest. Raises LoadError whose
    ``status`` is one of the ingest-report statuses.
    """
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise LoadError(f"unsupported file type '{suffix or path.name}'", "unsupported")
    size = path.stat().st_size
    if size == 0:
        raise LoadError("the file is empty", "empty")
    if size > max_bytes:
        raise LoadError(
            f"the file is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:.0f} MB limit",
            "too_large",
        )
    meta = meta or {}
    if suffix in PDF:
        from tutor.pdf import load_pdf

        doc = load_pdf(path, source, max_pages=max_pdf_pages)
    else:
        text, warnings = nz.decode(path.read_bytes())
        text = nz.clean(text, warnings)
        if suffix in HTML:
            doc = _from_html(text, source, warnings)
        elif suffix in MARKDOWN:
            doc = _from_markdown(text, source, warnings)
        else:
            doc = _from_plain(text, source, warnings)
    if meta.get("url") and not doc.url:
        doc.url = web_url(meta["url"])
    if meta.get("title") and doc.title == _stem_title(source):
        doc.title = meta["title"]
    if not any(s.text.strip() for s in doc.sections):
        raise LoadError("the file has no text", "empty")
    return doc


def _stem_title(source: str) -> str:
    return Path(source).stem.replace("-", " ").replace("_", " ").strip() or source


def _front_matter(text: str, warnings: list[str]) -> tuple[dict[str, Any], str]:
    m = _FRONT.match(text)
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
            if 1 <= d <= 4:
                out["domain"] = d
            else:
                raise ValueError
        except (TypeError, ValueError):
            warnings.append(f"front-matter domain '{domain}' is not 1-4")
    services = front.get("services") or []
    if isinstance(services, list):
        out["services"] = [str(s) for s in services]
    if front.get("url"):
        url = web_url(front["url"])
        if url:
            out["url"] = url
        else:
            warnings.append("front-matter url is not an http(s) address and was ignored")
    return out


def web_url(value: object) -> str | None:
    """``value`` when it is an absolute http(s) URL; a document cannot point citations at
    ``javascript:``, ``file:`` or other schemes."""
    url = str(value or "").strip()
    return url if re.match(r"https?://[^\s/]+", url, re.I) else None


def _inline(text: str) -> str:
    """Markdown inline syntax to the plain text a reader sees."""
    text = _IMAGE.sub("", text)
    text = _LINK.sub(lambda m: m.group(1), text)
    text = _TAG.sub("", text)
    return nz.unescape_markdown(text)


def split_markdown(body: str, title_hint: str | None = None) -> tuple[str | None, list[Section]]:
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
        m = None if in_fence else _HEADING.match(line)
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
    return h1 or title_hint, sections


def _from_markdown(text: str, source: str, warnings: list[str]) -> Document:
    front, body = _front_matter(text, warnings)
    body = nz.strip_html_comments(body, warnings)
    h1, sections = split_markdown(body)
    title = str(front.get("title") or h1 or _stem_title(source))
    return Document(source=source, title=title, sections=sections, warnings=warnings,
                    **_tags(front, warnings))


def _from_plain(text: str, source: str, warnings: list[str]) -> Document:
    title = _stem_title(source)
    return Document(source=source, title=title, warnings=warnings,
                    sections=[Section(heading_path=[], text=nz.tidy(text))])


def _from_html(text: str, source: str, warnings: list[str]) -> Document:
    from bs4 import BeautifulSoup, Comment

    text = nz.strip_html_comments(text, warnings)
    soup = BeautifulSoup(text, "html.parser")
    for c in soup.find_all(string=lambda s: isinstance(s, Comment)):
        c.extract()
    hidden = 0
    for tag in soup(["script", "style", "noscript", "template", "iframe", "object", "svg"]):
        tag.decompose()
    for tag in soup.find_all(style=re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)):
        hidden += 1
        tag.decompose()
    for tag in soup.find_all(attrs={"hidden": True}):
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
    for block in soup.find_all(["p", "li", "div", "tr", "pre", "section", "article", "dd", "dt"]):
        block.insert_before("\n")
        block.insert_after("\n")
    plain = soup.get_text()
    plain = "\n".join(re.sub(r"[ \t]+", " ", ln).strip() for ln in plain.split("\n"))
    # HTML text is already unescaped; keep it from being read as Markdown escapes.
    h1, sections = _split_plain_headings(plain)
    title = page_title or h1 or _stem_title(source)
    return Document(source=source, title=title, sections=sections, warnings=warnings)


def _split_plain_headings(text: str) -> tuple[str | None, list[Section]]:
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
        m = _HEADING.match(line)
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
