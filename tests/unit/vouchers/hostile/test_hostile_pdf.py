"""PDFs that cannot be read end in a reason, not an exception from the PDF library."""

from __future__ import annotations

import time

import pytest

from klientportal.vouchers.pdf_text import PdfTextError, extract_text, read_pdf_voucher


@pytest.fixture
def timed():
    start = time.perf_counter()
    yield
    assert time.perf_counter() - start < 5.0


def test_not_a_pdf(timed) -> None:
    with pytest.raises(PdfTextError) as caught:
        extract_text(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    assert caught.value.reason == "not-pdf"


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n" + bytes(range(256)) * 50,
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
        b"%PDF-1.4\n",
    ],
)
def test_garbage_behind_a_pdf_header(data: bytes, timed) -> None:
    with pytest.raises(PdfTextError) as caught:
        read_pdf_voucher(data)
    assert caught.value.reason in {"pdf-unreadable", "pdf-no-text"}


def test_truncated_pdf(norwegian_invoice_pdf: bytes, timed) -> None:
    with pytest.raises(PdfTextError) as caught:
        read_pdf_voucher(norwegian_invoice_pdf[: len(norwegian_invoice_pdf) // 3])
    assert caught.value.reason in {"pdf-unreadable", "pdf-no-text"}
