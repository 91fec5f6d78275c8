"""PDF -> Document through pypdf, one section per page. The only module importing pypdf."""

from __future__ import annotations

import logging
from pathlib import Path

from tutor import normalize as nz
from tutor.errors import LoadError
from tutor.types import Document, Section

# pypdf logs every recoverable oddity of a damaged file at WARNING; the report carries the outcome.
logging.getLogger("pypdf").setLevel(logging.ERROR)

MAX_CHARS_PER_PAGE = 200_000
MIN_LETTERS_PER_PAGE = 20


def load_pdf(path: Path, source: str, *, max_pages: int = 2000) -> Document:
    """Read a PDF page by page. Raises LoadError(encrypted|corrupt|no_text|too_large)."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError, PdfStreamError

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
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, OSError,
            AttributeError, IndexError, RecursionError) as exc:
        raise LoadError(f"not a readable PDF ({type(exc).__name__}: {exc})", "corrupt") from exc
    if n_pages == 0:
        raise LoadError("the PDF has no pages", "corrupt")
    if n_pages > max_pages:
        raise LoadError(f"the PDF has {n_pages} pages, over the {max_pages}-page limit", "too_large")

    title = _title(reader) or nz.tidy(Path(source).stem.replace("_", " ").replace("-", " "))
    warnings: list[str] = []
    sections: list[Section] = []
    failed = 0
    for number, page in enumerate(reader.pages, start=1):
        try:
            raw = page.extract_text() or ""
        except Exception:  # noqa: BLE001 - pypdf raises many types on damaged pages; skip the page
            failed += 1
            continue
        text = nz.tidy(nz.clean(raw[:MAX_CHARS_PER_PAGE], warnings))
        if text:
            sections.append(Section(heading_path=[title], text=text, page=number))
    if failed:
        warnings.append(f"{failed} page(s) could not be read and were skipped")
    letters = sum(ch.isalnum() for s in sections for ch in s.text)
    if letters < MIN_LETTERS_PER_PAGE * n_pages and letters < 200:
        # A few stray labels ("Background") on image pages are not a text layer worth indexing.
        sections = []
    if not sections:
        if failed == n_pages:
            raise LoadError("no page of the PDF could be read", "corrupt")
        raise LoadError(
            "the PDF has no text layer (scanned or image-only); run OCR on it first, "
            "for example with ocrmypdf, then ingest the result",
            "no_text",
        )
    return Document(source=source, title=title, sections=sections,
                    warnings=sorted(set(warnings)))


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
