"""pypdf's private encryption API, which tutor/load/pdf.py relies on to tell a file that opens
without a password from one whose owner password only is empty. pyproject.toml pins pypdf to
the tested minor series; this test fails first if an upgrade moves the API."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from tests.conftest import PDF_FIXTURES
from tutor.load.pdf import opens_without_password

pytestmark = pytest.mark.skipif(not PDF_FIXTURES.is_dir(), reason="../shared/pdf-fixtures missing")


@pytest.mark.parametrize("name, opens", [
    ("r2-user-password.pdf", False),     # RC4, AlgV4
    ("r4-aes-user-password.pdf", False),  # AES-128, AlgV4
    ("r6-user-password.pdf", False),     # AES-256, AlgV5
    ("r6-empty-password.pdf", True),
    ("crazyones.pdf", True),             # not encrypted at all
])
def test_the_user_password_check(name: str, opens: bool) -> None:
    assert opens_without_password(PdfReader(str(PDF_FIXTURES / name))) is opens
