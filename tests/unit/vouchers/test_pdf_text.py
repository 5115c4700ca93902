"""Text layer extraction and the Norwegian invoice text interpreter."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from fpdf import FPDF

from klientportal.vouchers.checks import run_checks
from klientportal.vouchers.invoice_text import interpret_invoice_text
from klientportal.vouchers.limits import PdfLimits
from klientportal.vouchers.models import DocumentType, VoucherSource
from klientportal.vouchers.pdf_text import PdfTextError, count_pages, extract_text, read_pdf_voucher


def test_norwegian_invoice_fields(norwegian_invoice_pdf: bytes) -> None:
    voucher = read_pdf_voucher(norwegian_invoice_pdf)
    assert voucher.source is VoucherSource.PDF_TEXT
    assert voucher.document_type.value is DocumentType.INVOICE
    assert voucher.supplier_name.value == "Rørlegger Hansen AS"
    assert (voucher.supplier_orgnr.value, voucher.buyer_orgnr.value) == ("123456785", "987654325")
    assert voucher.invoice_number.value == "2024-117"
    assert (voucher.issue_date.value, voucher.due_date.value) == (date(2024, 3, 15), date(2024, 3, 29))
    assert (voucher.kid.value, voucher.bank_account.value) == ("1234567897", "86011117947")
    totals = voucher.totals
    assert (totals.tax_exclusive.value, totals.tax.value, totals.tax_inclusive.value, totals.payable.value) == (
        Decimal("10000.00"),
        Decimal("2500.00"),
        Decimal("12500.00"),
        Decimal("12500.00"),
    )
    assert all(r.ok for r in run_checks(voucher))


def test_confidences_are_below_one_and_reflect_check_digits(norwegian_invoice_pdf: bytes) -> None:
    voucher = read_pdf_voucher(norwegian_invoice_pdf)
    fields = [
        voucher.supplier_name,
        voucher.supplier_orgnr,
        voucher.kid,
        voucher.bank_account,
        voucher.due_date,
        voucher.totals.payable,
    ]
    assert all(0 < field.confidence < 1 for field in fields)
    wrong = interpret_invoice_text("KID: 1234567890\nKontonummer: 8601 11 17948\nOrg.nr 123 456 789")
    assert voucher.kid.confidence > wrong.kid.confidence
    assert voucher.bank_account.confidence > wrong.bank_account.confidence
    assert voucher.supplier_orgnr.confidence > wrong.supplier_orgnr.confidence


def test_interpreter_reads_labels_in_other_spellings() -> None:
    voucher = interpret_invoice_text(
        "Kreditnota\nKreditnota nr. K-55\nForfall: 1. april 2024\nNO 987 654 325 MVA\nBeløp å betale: NOK 1.250,50\n"
        "Sum inkl. mva\n1 250,50\nIBAN: NO93 8601 1117 947"
    )
    assert voucher.document_type.value is DocumentType.CREDIT_NOTE
    assert voucher.invoice_number.value == "K-55"
    assert voucher.due_date.value == date(2024, 4, 1)
    assert voucher.supplier_orgnr.value == "987654325"
    assert voucher.totals.payable.value == Decimal("1250.50")
    assert voucher.totals.tax_inclusive.value == Decimal("1250.50")
    assert voucher.bank_account.value == "NO9386011117947" and voucher.currency.value == "NOK"


def test_text_without_labels_yields_nothing_certain() -> None:
    voucher = interpret_invoice_text("Hei,\nher er bildene fra turen.")
    assert not any(f.found for f in (voucher.kid, voucher.bank_account, voucher.supplier_orgnr, voucher.totals.payable))
    assert voucher.supplier_name.confidence <= 0.3


def test_pages_and_page_limit(pdf) -> None:
    three = pdf(("Side",), pages=3)
    assert count_pages(three) == 3 and len(extract_text(three).pages) == 3
    with pytest.raises(PdfTextError) as caught:
        extract_text(three, limits=PdfLimits(max_pages=2))
    assert caught.value.reason == "pdf-too-many-pages"


def test_size_limit(norwegian_invoice_pdf: bytes) -> None:
    with pytest.raises(PdfTextError) as caught:
        extract_text(norwegian_invoice_pdf, limits=PdfLimits(max_bytes=100))
    assert caught.value.reason == "pdf-too-large"


def test_text_limit(pdf) -> None:
    text = extract_text(pdf(("x" * 80,) * 30, pages=3), limits=PdfLimits(max_text_chars=500))
    assert len(text.text) <= 500 + len(text.pages)


def _encrypted(user_password: str) -> bytes:
    document = FPDF()
    document.add_page()
    document.set_font("Helvetica", size=10)
    document.cell(0, 6, "Faktura KID: 1234567897")
    document.set_encryption(owner_password="eier", user_password=user_password)
    return bytes(document.output())


def test_owner_only_encryption_is_readable() -> None:
    assert "1234567897" in extract_text(_encrypted("")).text


def test_password_protected_pdf_is_refused() -> None:
    with pytest.raises(PdfTextError) as caught:
        extract_text(_encrypted("hemmelig"))
    assert caught.value.reason == "pdf-encrypted"


def test_scanned_pdf_without_text_goes_to_ocr() -> None:
    document = FPDF()
    document.add_page()
    with pytest.raises(PdfTextError) as caught:
        read_pdf_voucher(bytes(document.output()))
    assert caught.value.reason == "pdf-no-text"
