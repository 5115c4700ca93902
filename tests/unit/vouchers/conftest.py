"""Fixtures for voucher tests: PDFs and e-mails generated in code (no binary files committed)."""

from __future__ import annotations

import pytest
from fpdf import FPDF

NORWEGIAN_INVOICE_LINES = (
    "Rørlegger Hansen AS",
    "Storgata 1, 0155 Oslo",
    "Org.nr: 123 456 785 MVA",
    "",
    "FAKTURA",
    "Fakturanr: 2024-117",
    "Fakturadato: 15.03.2024",
    "Forfallsdato: 29.03.2024",
    "Kundens org.nr: 987 654 325",
    "",
    "Rørarbeid bad, 10 timer                 8 000,00",
    "Materiell                               2 000,00",
    "",
    "Sum eks. mva                          10 000,00",
    "MVA 25 %                               2 500,00",
    "Sum inkl. mva                         12 500,00",
    "Å betale                          kr 12 500,00",
    "",
    "Kontonummer: 8601.11.17947",
    "KID: 1234567897",
)


def make_pdf(lines: tuple[str, ...], *, pages: int = 1) -> bytes:
    """A small text-layer PDF (Latin-1 core font covers æøå)."""
    pdf = FPDF()
    pdf.set_font("Helvetica", size=10)
    for _ in range(pages):
        pdf.add_page()
        for line in lines:
            pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


@pytest.fixture(scope="session")
def norwegian_invoice_pdf() -> bytes:
    return make_pdf(NORWEGIAN_INVOICE_LINES)


def make_mail(
    attachments: tuple[tuple[bytes, str, str | None], ...] = (),
    *,
    to: str = "acme-as@bilag.example.no",
    body: str = "Vedlagt faktura.",
) -> bytes:
    """An e-mail with (data, content type, filename) attachments, as raw MIME bytes."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "Leverandør AS <faktura@leverandor.no>"
    message["To"] = to
    message["Subject"] = "Faktura 2024-117"
    message["Message-ID"] = "<20240315.117@leverandor.no>"
    message.set_content(body)
    for data, content_type, filename in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


@pytest.fixture(scope="session")
def mail():
    """The e-mail factory `make_mail`, for tests in this folder and below."""
    return make_mail


@pytest.fixture(scope="session")
def pdf():
    """The PDF factory `make_pdf`, for tests in this folder and below."""
    return make_pdf
