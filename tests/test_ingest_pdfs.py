"""Issue 2 / issue 9 cases 2 and 3: the real PDFs in ../shared/pdf-fixtures.

Encrypted files with a user password are refused with a message to remove it; one with an
empty user password opens; image-only files get `no_text` with a hint to OCR; nothing empty
or unreadable is ever indexed, and the rest of the folder ingests normally.
"""

from __future__ import annotations

import pytest

from tests.conftest import PDF_FIXTURES
from tests.fixtures.relkit import assert_consistent, index_state

pytestmark = pytest.mark.skipif(not PDF_FIXTURES.is_dir(), reason="../shared/pdf-fixtures missing")

EXPECTED = {
    "GeoBase_NHNC1_Data_Model_UML_EN.pdf": "ok",
    "Seige_of_Vicksburg_Sample_OCR.pdf": "ok",
    "crazyones.pdf": "ok",
    "example.pdf": "ok",
    "multilang.pdf": "ok",
    "pdflatex-outline.pdf": "ok",
    "r6-empty-password.pdf": "ok",
    "r2-user-password.pdf": "encrypted",
    "r4-aes-user-password.pdf": "encrypted",
    "r6-user-password.pdf": "encrypted",
    "imagemagick-images.pdf": "no_text",
    "git.pdf": "no_text",  # its pages are pictures of text: there is no text layer
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_fixture_gets_its_status(name: str) -> None:
    from tutor.errors import LoadError
    from tutor.load import load_file

    path = PDF_FIXTURES / name
    if EXPECTED[name] == "ok":
        doc = load_file(path, name)
        assert doc.sections and all(s.text.strip() for s in doc.sections)
        assert all(s.page is not None and s.page >= 1 for s in doc.sections)
        return
    with pytest.raises(LoadError) as err:
        load_file(path, name)
    assert err.value.status == EXPECTED[name]
    message = str(err.value).lower()
    if EXPECTED[name] == "encrypted":
        assert "password" in message and "remove" in message
    else:
        assert "ocr" in message


def test_pdf_folder_ingest_with_real_model(settings, minilm) -> None:
    """The whole folder, as a user would drop it: real MiniLM, real Chroma."""
    from ingest.job import run_ingest
    from tutor.index.generations import read_chunks

    report = run_ingest([PDF_FIXTURES], settings, embedder=minilm)
    by_path = {f.path: f for f in report.files}
    for name, status in EXPECTED.items():
        assert by_path[name].status.value == status, (name, by_path[name].message)
        if status == "ok":
            assert by_path[name].chunks > 0
        else:
            assert by_path[name].chunks == 0 and by_path[name].message
    # The README and licence text beside the PDFs are ingested or reported, never lost.
    assert by_path["LICENSE-pypdf"].status.value == "unsupported"
    assert by_path["README.md"].status.value == "ok"

    state = index_state(settings)
    assert_consistent(state)
    refused = {n for n, s in EXPECTED.items() if s != "ok"}
    assert not refused & set(state["sources"])
    chunks = read_chunks(settings, state["generation"])
    assert all(c.text.strip() for c in chunks)
    pdf_chunks = [c for c in chunks if c.source.endswith(".pdf")]
    assert {c.source for c in pdf_chunks} == {n for n, s in EXPECTED.items() if s == "ok"}
    assert all(c.page is not None for c in pdf_chunks)
    pages = {c.page for c in pdf_chunks if c.source == "pdflatex-outline.pdf"}
    assert len(pages) > 1  # multi-page documents keep their page numbers
