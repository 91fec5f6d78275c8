"""Issue 9: fuzzing the loaders and the chunker. Whatever bytes a file holds, loading it
either gives a Document or raises LoadError (the project's own error, with a report
status); chunking a loaded Document never raises and never yields an empty chunk.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import PDF_FIXTURES
from tutor.chunk import Chunker
from tutor.errors import LoadError
from tutor.load import load_file
from tutor.testing import HashEmbedder, whitespace_counter
from tutor.types import FileStatus

FUZZ = settings(max_examples=120, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])
STATUSES = {s.value for s in FileStatus}
CHUNKERS = [Chunker(whitespace_counter, max_tokens=40, overlap=8),
            Chunker(HashEmbedder().count_tokens, max_tokens=32, overlap=0)]

# Pieces of the syntax the loaders care about, so examples reach their branches.
MD_PIECES = st.sampled_from([
    "---\n", "title: x\n", "task: 9.9\n", "domain: [1]\n", "services: {a: 1}\n", "# ", "## ",
    "###### ", "```\n", "~~~", "<!-- ", " -->", "<a name=\"x\"></a>", "[link](http://x)",
    "![img](http://x/y.png)", "\\*", "**", "\n\n", "\n", " ", "\u200b", "\x00", "\ufeff", "\r\n",
    "<div style=\"display:none\">", "</div>", "<script>", "</script>", "<h1>", "</h1>",
    "<p hidden>",
    "&amp;", "\ud7ff", "\U0001f600", "- item\n", "1. step\n", "Sentence. Another one! ",
])
MARKUP = st.lists(st.one_of(MD_PIECES, st.text(max_size=30)), max_size=40).map("".join)


def _load(data: bytes, suffix: str):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz{suffix}"
        path.write_bytes(data)
        try:
            doc = load_file(path, path.name, max_bytes=2**20)
        except LoadError as exc:
            failure = exc
        else:
            failure = None
    if failure is not None:
        assert failure.status in STATUSES
        assert str(failure)
        return None
    for chunker in CHUNKERS:
        chunks = chunker.chunk(doc)
        assert all(c.text.strip() for c in chunks)
        assert len({c.id for c in chunks}) == len(chunks)
    return doc


@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from([".md", ".txt", ".html", ".pdf"]))
def test_random_bytes(data: bytes, suffix: str) -> None:
    _load(data, suffix)


@FUZZ
@given(text=MARKUP, suffix=st.sampled_from([".md", ".html", ".txt"]),
       encoding=st.sampled_from(["utf-8", "utf-16", "utf-8-sig", "cp1252", "latin-1"]))
def test_markup_in_any_encoding(text: str, suffix: str, encoding: str) -> None:
    data = text.encode(encoding, errors="replace")
    doc = _load(data, suffix)
    if doc is not None:
        assert not any("\x00" in s.text or "\u200b" in s.text for s in doc.sections)


PDF_SEEDS = {n: (PDF_FIXTURES / n).read_bytes() for n in ("crazyones.pdf", "multilang.pdf")
             if (PDF_FIXTURES / n).is_file()} or {"minimal": b"%PDF-1.4\n%%EOF\n"}


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(sorted(PDF_SEEDS)), data=st.data())
def test_mutated_real_pdfs(seed: str, data: st.DataObject) -> None:
    """Real PDFs with bytes overwritten, inserted or cut off."""
    buf = bytearray(PDF_SEEDS[seed])
    for _ in range(data.draw(st.integers(1, 6))):
        if not buf:
            break
        op = data.draw(st.sampled_from(["flip", "insert", "cut", "zero"]))
        at = data.draw(st.integers(0, len(buf) - 1))
        if op == "flip":
            buf[at] = data.draw(st.integers(0, 255))
        elif op == "insert":
            buf[at:at] = data.draw(st.binary(min_size=1, max_size=64))
        elif op == "zero":
            buf[at:at + 256] = bytes(len(buf[at:at + 256]))
        else:
            del buf[at:]
    _load(bytes(buf), ".pdf")


@FUZZ
@given(st.text(max_size=3000))
def test_chunker_on_any_text(text: str) -> None:
    from tutor.types import Document, Section

    doc = Document(source="t.md", title="T", sections=[Section(heading_path=["T"], text=text)])
    for chunker in CHUNKERS:
        chunks = chunker.chunk(doc)
        assert all(c.text.strip() for c in chunks)
        if text.strip():
            # Nothing visible is dropped: every word of the section is in some chunk.
            words = set(text.split())
            assert words <= {w for c in chunks for w in c.text.split()}
