"""The invoice PDF renders, carries the legal and payment facts, and keeps æøå as text."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal as D

import pytest
from pypdf import PdfReader

from klientportal.invoicing.models import Address, Attachment, InvoiceLine, Period, Vat
from klientportal.invoicing.pdf import _font_files, amount_text, render_invoice_pdf, uses_standard_fonts
from tests.unit.invoicing.invoice_samples import KID, S25, buyer, credit_note, mixed_invoice, seller, shapes_invoice


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture(scope="module")
def invoice_text() -> str:
    data = render_invoice_pdf(mixed_invoice())
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    return pdf_text(data)


@pytest.mark.parametrize(
    "expected",
    [
        "FAKTURA",
        "Regnskap Øst AS",
        "Org.nr. 123 456 785 MVA",
        "Foretaksregisteret",
        "Kunde Ærlig & Søn AS",
        "5003 Bergen",
        "Fakturanummer 10001",
        "Fakturadato 05.01.2026",
        "Forfallsdato 19.01.2026",
        "Kontonummer 8601 11 17947",
        f"KID {KID}",
        "Håndbok i bokføring",
        "Sum eks. mva 7 112,29",
        "Mva 1 676,11",
        "Sum inkl. mva 8 788,40",
        "Øreavrunding -0,40",
        "Å betale 8 788,00",
        "25 % 6 512,50 1 628,13",
        "12 % 399,80 47,98",
        "Tillegg: Frakt",
        "Fratrekk: Kunderabatt",
        "7,5 timer 950,00 10 % 25 % 6 412,50",
    ],
)
def test_invoice_pdf_text(invoice_text: str, expected: str) -> None:
    assert expected in invoice_text


def test_credit_note_pdf() -> None:
    text = pdf_text(render_invoice_pdf(credit_note()))
    assert "KREDITNOTA" in text
    assert "Gjelder faktura 10001" in text
    assert "Til gode 2 375,00" in text
    assert "Forfallsdato" not in text


def test_no_foretaksregisteret_line_for_unregistered_seller() -> None:
    invoice = mixed_invoice(seller=seller(foretaksregisteret=False))
    text = pdf_text(render_invoice_pdf(invoice))
    assert "Foretaksregisteret" not in text
    assert "Org.nr. 123 456 785 MVA" in text


def test_many_lines_flow_onto_more_pages() -> None:
    lines = tuple(
        InvoiceLine(description=f"Linje {i} – «særskilt» ÆØÅ", quantity=D(1), unit_price=D(10), vat=S25)
        for i in range(120)
    )
    invoice = mixed_invoice(lines=lines, allowances_charges=(), buyer=buyer(name="Ålesund Ørsta AS"))
    data = render_invoice_pdf(invoice)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 3
    text = pdf_text(data)
    assert "Linje 119 – «særskilt» ÆØÅ" in text
    assert all("Beskrivelse Antall" in page.extract_text() for page in reader.pages)  # headings repeat
    assert "Å betale 1 500,00" in text


def test_foreign_currency_shows_currency_and_vat_in_nok() -> None:
    text = pdf_text(
        render_invoice_pdf(mixed_invoice(currency="EUR", nok_exchange_rate=D("11.7325"), round_payable_to_krone=False))
    )
    assert "Valuta EUR" in text
    assert "Å betale 8 788,40 EUR" in text
    assert "Mva i NOK: 19 664,96" in text


def test_amount_text() -> None:
    assert amount_text(D("1234567.5")) == "1 234 567,50"
    assert amount_text(D("-0.4")) == "-0,40"


def test_outside_scope_label() -> None:
    outside = Vat(category="O", exemption_reason="Ikke mva-pliktig")
    invoice = mixed_invoice(
        seller=seller(mva_registered=False),
        buyer=buyer(vat_number=None),
        allowances_charges=(),
        lines=(InvoiceLine(description="Kurs", quantity=D(1), unit_price=D(500), vat=outside),),
    )
    text = pdf_text(render_invoice_pdf(invoice))
    assert "Org.nr. 123 456 785" in text
    assert "Org.nr. 123 456 785 MVA" not in text
    assert "utenfor" in text


def test_characters_outside_latin1_render_as_text() -> None:
    name = "Čáhcegeađgi Ŋuorra – Ŧeađaš €"
    text = pdf_text(render_invoice_pdf(mixed_invoice(buyer=buyer(name=name))))
    assert name in text


def test_standard_fonts_when_everything_is_in_windows_1252() -> None:
    """Decision 0159: Helvetica (WinAnsiEncoding, not embedded) when every character is in cp1252."""
    description = "Pris i € – «tilbud» … Š ‰ æøå ÆØÅ"
    invoice = mixed_invoice(
        note="Takk for handelen – «velkommen igjen»",
        lines=(InvoiceLine(description=description, quantity=D(1), unit_price=D(10), vat=S25),),
        allowances_charges=(),
    )
    assert uses_standard_fonts(invoice)
    data = render_invoice_pdf(invoice)
    assert b"/BaseFont /Helvetica" in data and b"/WinAnsiEncoding" in data
    assert b"/FontFile2" not in data  # nothing embedded
    text = pdf_text(data)
    assert description in text
    assert "Takk for handelen – «velkommen igjen»" in text


def test_attachment_names_are_printed_and_decide_the_font_their_content_does_not() -> None:
    content = "Ŋ".encode()  # bytes outside Windows-1252 in the content: never printed
    assert uses_standard_fonts(mixed_invoice(attachments=(Attachment(filename="a.pdf", content=content),)))
    invoice = mixed_invoice(attachments=(Attachment(filename="Ŋ.pdf", content=b"%PDF", description="Ŋ"),))
    assert not uses_standard_fonts(invoice)
    assert "Vedlegg: Ŋ.pdf (Ŋ)" in pdf_text(render_invoice_pdf(invoice))


def test_every_shape_is_shown() -> None:
    """ISSUE-8 §3: the figures of tests/unit/invoicing/invoice_samples.shapes_invoice, by hand."""
    text = pdf_text(render_invoice_pdf(shapes_invoice(currency="EUR", nok_exchange_rate=D("11.5"))))
    for expected in (
        "Periode 01.03.2026–31.03.2026",
        "Valuta EUR",
        "Valutakurs 1 EUR = 11,5 NOK",
        "Konsulenttimer",
        "Periode 01.03.2026–31.03.2026\nBruttopris 1 150,00, prisrabatt 150,00",
        "Pris pr. 10 timer",
        "Tillegg: Reisetillegg 5 % 60,00",
        "Fratrekk: Avtalerabatt 25,00",
        "12 timer 1 000,00 25 % 1 235,00",
        "Fratrekk: Kontantrabatt 2,5 % av 1 235,00",
        "Sum eks. mva 1 704,12 EUR",
        "Mva 301,03 EUR",
        "Sum inkl. mva 2 005,15 EUR",
        "Forskuddsbetalt -1 000,00 EUR",
        "Øreavrunding -0,15 EUR",
        "Å betale 1 005,00 EUR",
        "Mva i NOK: 3 461,85",
        "Mva-fritak 0 % (E): VATEX-EU-132-1B Helsetjenester",
        "Vedlegg: timeliste-mars.csv (Timeliste mars)",
    ):
        assert expected in text, expected


def test_open_ended_period_and_four_decimal_prices() -> None:
    line = InvoiceLine(
        description="Strøm", quantity=D(1000), unit_code="KWH", unit_price=D("1.2345"), gross_price=D("1.5"), vat=S25
    )
    text = pdf_text(
        render_invoice_pdf(mixed_invoice(lines=(line,), allowances_charges=(), period=Period(start=date(2026, 1, 1))))
    )
    assert "Periode fra 01.01.2026" in text
    assert "1000 KWH 1,2345 25 % 1 234,50" in text and "Bruttopris 1,50, prisrabatt 0,2655" in text


@pytest.mark.parametrize(
    ("text", "font_file"),
    [
        ("Giitu ŋ ŧ đ č ž", "DejaVuSans-Latin.ttf"),  # Sami: Latin Extended-A, in the pre-subset fonts
        ("Łódź Żółć – Ωmega", "DejaVuSans.ttf"),  # Greek: only in the full fonts
    ],
)
def test_embedded_font_when_a_character_is_not_in_windows_1252(text: str, font_file: str) -> None:
    for invoice in (mixed_invoice(note=text), mixed_invoice(buyer=buyer(address=Address(city=text)))):
        assert not uses_standard_fonts(invoice)
        assert _font_files(invoice)[0].name == font_file
        data = render_invoice_pdf(invoice)
        assert b"/FontFile2" in data and b"/BaseFont /Helvetica" not in data
        assert text in pdf_text(data)


def _squeezed(text: str) -> str:
    return "".join(text.split())


def test_long_descriptions_wrap_in_their_column_and_lose_nothing() -> None:
    words = (
        "Rådgivning om merverdiavgift ved omorganisering av konsernet, herunder fisjon og fusjon av "
        "datterselskaper, gjennomgang av avtaler og korrespondanse med Skatteetaten. "
    ) * 4
    words = words[:500].strip()
    unbroken = "Produktnummer" + "X" * 80 + "slutt"
    lines = (
        InvoiceLine(description=words, quantity=D("12.5"), unit_code="HUR", unit_price=D(1450), vat=S25),
        InvoiceLine(description=unbroken, quantity=D(1), unit_price=D("99999999.99"), vat=S25),
        InvoiceLine(description="Første linje\nandre\tlinje", quantity=D(1), unit_price=D(1), vat=S25),
    )
    invoice = mixed_invoice(lines=lines, allowances_charges=(), round_payable_to_krone=False)
    data = render_invoice_pdf(invoice)
    text = pdf_text(data)
    assert " ".join(words.split()) in " ".join(text.split())  # wrapped at spaces, every word kept
    assert _squeezed(unbroken) in _squeezed(text)  # a word wider than the column is broken, not cut
    assert "Første linje" in text and "andre linje" in text
    assert "99 999 999,99" in text and "Å betale 125 022 657,49" in text
    page = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "12,5 timer 1 450,00 25 % 18 125,00" in page  # the numbers stay on the line's first row
    from klientportal.invoicing.pdf import _LINE_COLUMNS, _Page

    probe = _Page(invoice)
    probe.font(False, 8.5)
    wrapped = probe.wrap(words, _LINE_COLUMNS[0][1])
    assert len(wrapped) > 5
    assert all(probe.width(line) <= _LINE_COLUMNS[0][1] - 2 for line in wrapped)
    assert all(probe.width(line) <= _LINE_COLUMNS[0][1] - 2 for line in probe.wrap(unbroken, _LINE_COLUMNS[0][1]))


def test_long_note_and_names_flow_onto_the_next_page() -> None:
    note = "Merknad: " + "Betaling innen forfall, takk. " * 60
    invoice = mixed_invoice(note=note.strip(), buyer=buyer(name="Et svært langt kundenavn AS " * 6))
    data = render_invoice_pdf(invoice)
    text = pdf_text(data)
    assert " ".join(note.split()) in " ".join(text.split())
    assert "Å betale 8 788,00" in text
