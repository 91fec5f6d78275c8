"""PDF -> Document through pypdf, one section per page. The only module importing pypdf."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from pypdf import PageObject, PdfReader, apply_configuration

# Private API, on purpose: pypdf's decrypt("") tries the owner password first, so it cannot
# tell "no password at all" from "empty owner password, user password set" (a file every
# viewer asks a password for). Only the user-password check can. pyproject.toml pins pypdf
# to the tested minor series, and tests/test_load_pdf_private.py fails if this API moves.
from pypdf._encryption import AlgV4, AlgV5
from pypdf.errors import FileNotDecryptedError, LimitReachedError, PyPdfError
from pypdf.generic import IndirectObject

from tutor.errors import LoadError
from tutor.load import normalize as nz
from tutor.load.files import read_regular
from tutor.types import Document, Section

# pypdf logs every recoverable oddity of a damaged file at WARNING; the report carries the outcome.
logging.getLogger("pypdf").setLevel(logging.ERROR)

MAX_CHARS_PER_PAGE = 200_000
MIN_LETTERS_PER_PAGE = 20
# Decompression-bomb defences. pypdf's own defaults (75 MB per stream, 2 M tokens per
# content stream) still let a file of a few KB cost minutes of parsing and hundreds of MB,
# so reading runs under tighter per-stream limits, and text extraction has a budget for the
# whole file: a number of content operators that grows with the file's size on disk (the
# PDFs in ../shared/pdf-fixtures use 0.05 per byte; glyph-by-glyph output can reach about 1)
# and, as a backstop against anything the counts miss, a wall-clock allowance.
MAX_STREAM_BYTES = 32 * 2**20
LIMITS: dict[str, int] = {
    "zlib_maximum_output_length": MAX_STREAM_BYTES,
    "lzw_maximum_output_length": MAX_STREAM_BYTES,
    "run_length_maximum_output_length": MAX_STREAM_BYTES,
    "brotli_maximum_output_length": MAX_STREAM_BYTES,
    "array_based_stream_maximum_output_length": MAX_STREAM_BYTES,
    "stream_parsing_work_maximum_count": 250_000,
    "xform_maximum_invocations_per_extraction": 1_000,
}
OPS_BASE = 100_000
OPS_PER_BYTE = 2.0
SECONDS_BASE = 30.0
SECONDS_PER_MB = 5.0
# What pypdf raises on a file it cannot parse (besides its own errors).
_DAMAGED = (PyPdfError, ValueError, KeyError, TypeError, OSError, AttributeError, IndexError,
            RecursionError)


class _OverBudgetError(Exception):
    """Raised from inside pypdf's text extraction when the file's budget is spent."""


class _Budget:
    """Content operators and seconds left for extracting one file's text."""

    def __init__(self, size: int):
        self.ops_left = OPS_BASE + int(OPS_PER_BYTE * size)
        self.deadline = time.monotonic() + SECONDS_BASE + SECONDS_PER_MB * size / 2**20

    def visit(self, *_: object) -> None:
        self.ops_left -= 1
        if self.ops_left < 0 or (self.ops_left % 1024 == 0 and self.late()):
            raise _OverBudgetError

    def late(self) -> bool:
        return time.monotonic() > self.deadline


@dataclass
class _Pages:
    """The text pages of one file and how many pages were left out, by reason."""

    sections: list[Section] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failed: int = 0
    limited: int = 0
    repeated: int = 0

    @property
    def skipped(self) -> int:
        return self.failed + self.limited + self.repeated


def load_pdf(path: Path, source: str, *, max_pages: int = 2000) -> Document:
    """Read a PDF page by page. Raises LoadError(encrypted|corrupt|no_text|too_large).

    A file that expands beyond the decompression and parsing limits above (a
    decompression bomb) is refused as ``too_large``; a few over-limit pages in an
    otherwise normal file are skipped with a warning.
    """
    with apply_configuration(None, **LIMITS):
        reader = _open(path)
        n_pages = len(reader.pages)
        if n_pages == 0:
            raise LoadError("the PDF has no pages", "corrupt")
        if n_pages > max_pages:
            raise LoadError(f"the PDF has {n_pages} pages, over the {max_pages}-page limit",
                            "too_large")
        title = _title(reader) or nz.stem_title(source)
        pages = _extract(reader, title, _Budget(path.stat().st_size))
    _check_text(pages, n_pages)
    return Document(source=source, title=title, sections=pages.sections,
                    warnings=sorted(set(pages.warnings)))


def _open(path: Path) -> PdfReader:
    """The reader of a PDF that opens without a password, or LoadError."""
    try:
        # pypdf reads the whole file into memory anyway; read_regular never blocks on a FIFO
        reader = PdfReader(BytesIO(read_regular(path)), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except (FileNotDecryptedError, NotImplementedError) as exc:
                raise _encrypted() from exc
            if not ok or not opens_without_password(reader):
                raise _encrypted()
        len(reader.pages)  # reading the page tree is where a damaged file usually fails
    except LoadError:
        raise
    except (_OverBudgetError, LimitReachedError) as exc:
        raise _bomb() from exc
    except _DAMAGED as exc:
        raise LoadError(f"not a readable PDF ({type(exc).__name__}: {exc})", "corrupt") from exc
    return reader


def _extract(reader: PdfReader, title: str, budget: _Budget) -> _Pages:
    """Text of every page, within the file's budget; unreadable pages are counted, not fatal."""
    out = _Pages()
    seen: set[tuple[tuple[int, int], ...]] = set()
    for number, page in enumerate(reader.pages, start=1):
        # Many pages pointing at one content stream cost nothing on disk and everything to
        # read; their text would only repeat the first such page's.
        key = _content_key(page)
        if key is not None and key in seen:
            out.repeated += 1
            continue
        if key is not None:
            seen.add(key)
        try:
            if budget.late():
                raise _OverBudgetError
            raw = page.extract_text(visitor_operand_before=budget.visit) or ""
        except _OverBudgetError as exc:
            raise _bomb() from exc
        except LimitReachedError:
            # One page over the per-stream limits (a huge vector drawing, say) is skipped;
            # the file-wide budget above still bounds what all such pages can cost.
            out.limited += 1
            continue
        except Exception:  # noqa: BLE001 - pypdf raises many types on damaged pages; skip the page
            out.failed += 1
            continue
        text = nz.tidy(nz.clean(raw[:MAX_CHARS_PER_PAGE], out.warnings))
        if text:
            out.sections.append(Section(heading_path=[title], text=text, page=number))
    return out


def _check_text(pages: _Pages, n_pages: int) -> None:
    """Warnings for skipped pages; LoadError when no text layer worth indexing is left."""
    if pages.failed:
        pages.warnings.append(f"{pages.failed} page(s) could not be read and were skipped")
    if pages.limited:
        pages.warnings.append(
            f"{pages.limited} page(s) exceed the size limits for one page and were skipped")
    if pages.repeated and pages.sections:
        pages.warnings.append(
            f"{pages.repeated} page(s) repeat an earlier page's content and were skipped")
    letters = sum(ch.isalnum() for s in pages.sections for ch in s.text)
    if letters < MIN_LETTERS_PER_PAGE * n_pages and letters < 200:
        # A few stray labels ("Background") on image pages are not a text layer worth indexing.
        pages.sections = []
    if pages.sections:
        return
    if pages.limited and pages.skipped == n_pages:
        raise _bomb()
    if pages.skipped == n_pages:
        raise LoadError("no page of the PDF could be read", "corrupt")
    raise LoadError(
        "the PDF has no text layer (scanned or image-only); run OCR on it first, "
        "for example with ocrmypdf, then ingest the result",
        "no_text",
    )


def _content_key(page: PageObject) -> tuple[tuple[int, int], ...] | None:
    """Identity of a page's content stream(s); pages that share one give the same key."""
    try:
        raw = page.raw_get("/Contents")
    except (KeyError, AttributeError):
        return None
    refs = raw if isinstance(raw, list) else [raw]
    key = tuple((r.idnum, r.generation) for r in refs if isinstance(r, IndirectObject))
    return key if key and len(key) == len(refs) else None


def _bomb() -> LoadError:
    return LoadError(
        "the PDF expands far beyond its size on disk when read (a possible decompression "
        "bomb); reading stopped at the safety limits and nothing from it was indexed",
        "too_large",
    )


def _encrypted() -> LoadError:
    return LoadError(
        "the PDF is password-protected; remove the password (for example: "
        "qpdf --decrypt --password=PASSWORD in.pdf out.pdf) and ingest it again",
        "encrypted",
    )


def opens_without_password(reader: PdfReader) -> bool:
    """True when the empty string is the *user* password, i.e. a viewer opens it without asking.

    pypdf's decrypt("") also succeeds when the *owner* password is empty while a user
    password is set; such a file still asks every reader for a password, so it counts as
    encrypted here. Uses pypdf's private encryption API (see the import above).
    """
    enc = reader._encryption
    if enc is None:
        return True
    if enc.V <= 4:
        key = AlgV4.verify_user_password(
            b"", enc.R, enc.Length, enc.values.O, enc.values.U, enc.P,
            enc.id1_entry, enc.EncryptMetadata,
        )
    else:
        key = AlgV5.verify_user_password(enc.R, b"", enc.values.U, enc.values.UE)
    return bool(key)


def _title(reader: PdfReader) -> str | None:
    try:
        meta = reader.metadata
        title = (meta.title or "").strip() if meta else ""
    except Exception:  # noqa: BLE001 - metadata of a damaged file is optional
        return None
    return title if 3 <= len(title) <= 200 else None
