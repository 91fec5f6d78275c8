"""PDF -> Document through pypdf, one section per page. The only module importing pypdf."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from tutor import normalize as nz
from tutor.errors import LoadError
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
MAX_STREAM_TOKENS = 250_000
MAX_XFORM_CALLS = 1_000
OPS_BASE = 100_000
OPS_PER_BYTE = 2.0
SECONDS_BASE = 30.0
SECONDS_PER_MB = 5.0
_LIMITS = {
    "zlib_maximum_output_length": MAX_STREAM_BYTES,
    "lzw_maximum_output_length": MAX_STREAM_BYTES,
    "run_length_maximum_output_length": MAX_STREAM_BYTES,
    "brotli_maximum_output_length": MAX_STREAM_BYTES,
    "array_based_stream_maximum_output_length": MAX_STREAM_BYTES,
    "stream_parsing_work_maximum_count": MAX_STREAM_TOKENS,
    "xform_maximum_invocations_per_extraction": MAX_XFORM_CALLS,
}


class _OverBudget(Exception):
    """Raised from inside pypdf's text extraction when the file's budget is spent."""


class _Budget:
    """Content operators and seconds left for extracting one file's text."""

    def __init__(self, size: int):
        self.ops_left = OPS_BASE + int(OPS_PER_BYTE * size)
        self.deadline = time.monotonic() + SECONDS_BASE + SECONDS_PER_MB * size / 2**20

    def visit(self, *_: object) -> None:
        self.ops_left -= 1
        if self.ops_left < 0 or (self.ops_left % 1024 == 0 and self.late()):
            raise _OverBudget

    def late(self) -> bool:
        return time.monotonic() > self.deadline


def _content_key(page: object) -> tuple | None:
    """Identity of a page's content stream(s); pages that share one give the same key."""
    from pypdf.generic import IndirectObject

    try:
        raw = page.raw_get("/Contents")  # type: ignore[attr-defined]
    except (KeyError, AttributeError):
        return None
    refs = raw if isinstance(raw, list) else [raw]
    key = tuple((r.idnum, r.generation) for r in refs if isinstance(r, IndirectObject))
    return key if key and len(key) == len(refs) else None


def _limits():  # noqa: ANN202 - a context manager
    """pypdf's configuration with the limits above; a no-op on pypdf versions without it."""
    import contextlib
    import dataclasses

    try:
        from pypdf import Configuration, apply_configuration
    except ImportError:
        return contextlib.nullcontext()
    known = {f.name for f in dataclasses.fields(Configuration)}
    return apply_configuration(**{k: v for k, v in _LIMITS.items() if k in known})


def _limit_errors() -> tuple[type[BaseException], ...]:
    from pypdf import errors

    limit = getattr(errors, "LimitReachedError", None)
    return (_OverBudget, limit) if limit is not None else (_OverBudget,)


def load_pdf(path: Path, source: str, *, max_pages: int = 2000) -> Document:
    """Read a PDF page by page. Raises LoadError(encrypted|corrupt|no_text|too_large).

    A file that expands beyond the decompression and parsing limits above (a
    decompression bomb) is refused as ``too_large``; a few over-limit pages in an
    otherwise normal file are skipped with a warning.
    """
    with _limits():
        return _load_pdf(path, source, max_pages)


def _load_pdf(path: Path, source: str, max_pages: int) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PyPdfError

    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except (FileNotDecryptedError, NotImplementedError) as exc:
                raise _encrypted() from exc
            if not ok or not _opens_without_password(reader):
                raise _encrypted()
        n_pages = len(reader.pages)
    except LoadError:
        raise
    except _limit_errors() as exc:
        raise _bomb() from exc
    except (PyPdfError, ValueError, KeyError, TypeError, OSError,
            AttributeError, IndexError, RecursionError) as exc:
        raise LoadError(f"not a readable PDF ({type(exc).__name__}: {exc})", "corrupt") from exc
    if n_pages == 0:
        raise LoadError("the PDF has no pages", "corrupt")
    if n_pages > max_pages:
        raise LoadError(f"the PDF has {n_pages} pages, over the {max_pages}-page limit", "too_large")

    title = _title(reader) or nz.tidy(Path(source).stem.replace("_", " ").replace("-", " "))
    warnings: list[str] = []
    sections: list[Section] = []
    failed = limited = repeated = 0
    budget = _Budget(path.stat().st_size)
    over_limit = _limit_errors()
    seen: set[tuple] = set()
    for number, page in enumerate(reader.pages, start=1):
        # Many pages pointing at one content stream cost nothing on disk and everything to
        # read; their text would only repeat the first such page's.
        key = _content_key(page)
        if key is not None and key in seen:
            repeated += 1
            continue
        if key is not None:
            seen.add(key)
        try:
            if budget.late():
                raise _OverBudget
            raw = page.extract_text(visitor_operand_before=budget.visit) or ""
        except _OverBudget as exc:
            raise _bomb() from exc
        except over_limit:
            # One page over the per-stream limits (a huge vector drawing, say) is skipped;
            # the file-wide budget above still bounds what all such pages can cost.
            limited += 1
            continue
        except Exception:  # noqa: BLE001 - pypdf raises many types on damaged pages; skip the page
            failed += 1
            continue
        text = nz.tidy(nz.clean(raw[:MAX_CHARS_PER_PAGE], warnings))
        if text:
            sections.append(Section(heading_path=[title], text=text, page=number))
    if failed:
        warnings.append(f"{failed} page(s) could not be read and were skipped")
    if limited:
        warnings.append(f"{limited} page(s) exceed the size limits for one page and were skipped")
    if repeated and sections:
        warnings.append(f"{repeated} page(s) repeat an earlier page's content and were skipped")
    letters = sum(ch.isalnum() for s in sections for ch in s.text)
    if letters < MIN_LETTERS_PER_PAGE * n_pages and letters < 200:
        # A few stray labels ("Background") on image pages are not a text layer worth indexing.
        sections = []
    if not sections:
        if limited and failed + limited + repeated == n_pages:
            raise _bomb()
        if failed + limited + repeated == n_pages:
            raise LoadError("no page of the PDF could be read", "corrupt")
        raise LoadError(
            "the PDF has no text layer (scanned or image-only); run OCR on it first, "
            "for example with ocrmypdf, then ingest the result",
            "no_text",
        )
    return Document(source=source, title=title, sections=sections,
                    warnings=sorted(set(warnings)))


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


def _opens_without_password(reader: object) -> bool:
    """True when the empty string is the *user* password, i.e. a viewer opens it without asking.

    pypdf's decrypt("") also succeeds when the *owner* password is empty while a user
    password is set; such a file still asks every reader for a password, so it counts as
    encrypted here.
    """
    from pypdf._encryption import AlgV4, AlgV5

    enc = getattr(reader, "_encryption", None)
    if enc is None:
        return True
    try:
        if enc.V <= 4:
            key = AlgV4.verify_user_password(
                b"", enc.R, enc.Length, enc.values.O, enc.values.U, enc.P,
                enc.id1_entry, enc.EncryptMetadata,
            )
        else:
            key = AlgV5.verify_user_password(enc.R, b"", enc.values.U, enc.values.UE)
    except Exception:  # noqa: BLE001 - private API may change; trust decrypt() then
        return True
    return bool(key)


def _title(reader: object) -> str | None:
    try:
        meta = reader.metadata  # type: ignore[attr-defined]
        title = (meta.title or "").strip() if meta else ""
    except Exception:  # noqa: BLE001 - metadata of a damaged file is optional
        return None
    return title if 3 <= len(title) <= 200 else None
