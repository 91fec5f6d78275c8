"""file -> Document by file type; failures raise LoadError carrying a report status."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from tutor import prompts
from tutor.errors import LoadError
from tutor.load import normalize as nz
from tutor.load.markdown import from_markdown
from tutor.types import Document, Section

MARKDOWN = {".md", ".markdown", ".mdx"}
TEXT = {".txt", ".text", ".rst"}
HTML = {".html", ".htm", ".xhtml"}
PDF = {".pdf"}
CARDS = {".yaml", ".yml"}  # concept-card files only; other YAML is reported unsupported
SUPPORTED = MARKDOWN | TEXT | HTML | PDF | CARDS


def read_regular(path: Path) -> bytes:
    """The bytes of ``path`` if it is a regular file, else LoadError (``unsupported``).

    The file is opened without blocking and checked on the open descriptor: opening a FIFO
    for reading otherwise waits for a writer, and a file can be swapped for one between a
    check by name and the read. OSError when the file cannot be read."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise LoadError(prompts.NOT_REGULAR_FILE, "unsupported")
        return fh.read()


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
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise LoadError(prompts.NOT_REGULAR_FILE, "unsupported")
    size = info.st_size
    if size == 0:
        raise LoadError("the file is empty", "empty")
    if size > max_bytes:
        raise LoadError(
            f"the file is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:.0f} MB limit",
            "too_large",
        )
    meta = meta or {}
    if suffix in PDF:
        # pypdf (and the cryptography it loads) is imported only when a PDF comes along.
        from tutor.load.pdf import load_pdf

        doc = load_pdf(path, source, max_pages=max_pdf_pages)
    else:
        data = read_regular(path)
        if nz.looks_binary(data):
            raise LoadError("the file holds binary data, not text; check that it really is "
                            f"a {suffix} file", "corrupt")
        text, warnings = nz.decode(data)
        text = nz.clean(text, warnings)
        if suffix in HTML:
            # BeautifulSoup too: the app lists SUPPORTED (tutor.library) but serves no HTML.
            from tutor.load.html import from_html

            doc = from_html(text, source, warnings)
        elif suffix in MARKDOWN:
            doc = from_markdown(text, source, warnings)
        elif suffix in CARDS:
            # The card schema lives with the item bank (tutor.quiz), which itself reads
            # normalised text; importing it here, when a card file comes along, avoids a cycle.
            from tutor.load.cards import from_cards

            doc = from_cards(text, source)
        else:
            doc = Document(source=source, title=nz.stem_title(source), warnings=warnings,
                           sections=[Section(heading_path=[], text=nz.tidy(text))])
    if meta.get("url") and not doc.url:
        doc.url = nz.web_url(meta["url"])
    if meta.get("title") and doc.title == nz.stem_title(source):
        doc.title = meta["title"]
    if not any(s.text.strip() for s in doc.sections):
        raise LoadError("the file has no text", "empty")
    return doc
