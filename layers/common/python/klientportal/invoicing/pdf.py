"""Render an invoice or credit note as an A4 PDF with Norwegian labels (fpdf2).

Text is set in DejaVu Sans, shipped in klientportal/data/fonts with its licence, so æøåÆØÅ and
other non-Latin-1 characters render and stay extractable. Amounts come from `invoicing.calc`.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF, FontFace

from klientportal.invoicing.calc import Calculation, calculate
from klientportal.invoicing.models import Address, DocumentKind, Invoice, VatCategory

FONT_DIR = Path(__file__).resolve().parent.parent / "data" / "fonts"
FONT = "DejaVuSans"
UNIT_LABELS = {"EA": "stk", "C62": "stk", "HUR": "timer", "DAY": "dager", "MON": "mnd", "KGM": "kg",
               "MTR": "m", "LTR": "l", "KMT": "km", "MIN": "min"}
_GREY = (90, 90, 90)


def render_invoice_pdf(invoice: Invoice, calculation: Calculation | None = None) -> bytes:
    """The invoice as PDF bytes."""
    calc = calculation or calculate(invoice)
    pdf = _new_document(invoice)
    _header(pdf, invoice)
    _parties_and_facts(pdf, invoice)
    _lines_table(pdf, invoice, calc)
    _vat_and_totals(pdf, invoice, calc)
    _payment_footer(pdf, invoice, calc)
    return bytes(pdf.output())


def title(invoice: Invoice) -> str:
    return "Kreditnota" if invoice.kind is DocumentKind.CREDIT_NOTE else "Faktura"


def amount_text(value: Decimal) -> str:
    """Norwegian money format: space as thousands separator, comma before øre (1 234,50)."""
    return f"{value:,.2f}".replace(",", " ").replace(".", ",")


def number_text(value: Decimal) -> str:
    """A quantity or rate without trailing zeros, comma decimal (7,5)."""
    return f"{value.normalize():f}".replace(".", ",")


def date_text(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def orgnr_text(orgnr: str) -> str:
    return f"{orgnr[:3]} {orgnr[3:6]} {orgnr[6:]}"


def account_text(account: str) -> str:
    return f"{account[:4]} {account[4:6]} {account[6:]}"


def _new_document(invoice: Invoice) -> FPDF:
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
    pdf.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
    pdf.set_title(f"{title(invoice)} {invoice.number}")
    pdf.set_author(invoice.seller.name)
    pdf.set_creator("Klientportal")
    pdf.set_lang("nb")
    pdf.set_creation_date(datetime.combine(invoice.issue_date, time(), tzinfo=UTC))
    pdf.add_page()
    return pdf


def _address_lines(address: Address) -> list[str]:
    place = " ".join(x for x in (address.postal_zone, address.city) if x)
    lines = [x for x in (address.street, address.additional_street, place) if x]
    return lines + ([address.country] if address.country != "NO" else [])


def _header(pdf: FPDF, invoice: Invoice) -> None:
    seller = invoice.seller
    pdf.set_font(FONT, "B", 14)
    pdf.cell(110, 7, seller.name)
    pdf.set_font(FONT, "B", 20)
    pdf.cell(0, 7, title(invoice).upper(), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(*_GREY)
    registration = f"Org.nr. {orgnr_text(seller.orgnr)}" + (" MVA" if seller.mva_registered else "")
    contact = [x for x in (seller.email, seller.phone and f"Tlf. {seller.phone}") if x]
    extra = ["Foretaksregisteret"] if seller.foretaksregisteret else []
    for text in [*_address_lines(seller.address), registration, *extra, *contact]:
        pdf.cell(0, 4.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(6)


def _facts(invoice: Invoice) -> list[tuple[str, str]]:
    credit = invoice.kind is DocumentKind.CREDIT_NOTE
    facts = [("Kreditnotanummer" if credit else "Fakturanummer", invoice.number),
             ("Kreditnotadato" if credit else "Fakturadato", date_text(invoice.issue_date))]
    if invoice.credited_invoice_number:
        facts.append(("Gjelder faktura", invoice.credited_invoice_number))
    if invoice.due_date and not credit:
        facts.append(("Forfallsdato", date_text(invoice.due_date)))
    if invoice.buyer_reference:
        facts.append(("Deres ref.", invoice.buyer_reference))
    if invoice.order_reference:
        facts.append(("Bestillingsnr.", invoice.order_reference))
    if invoice.buyer.orgnr:
        facts.append(("Kundens org.nr.", orgnr_text(invoice.buyer.orgnr)))
    if not credit:
        facts.append(("Kontonummer", account_text(invoice.seller.bank_account)))
        if invoice.kid:
            facts.append(("KID", invoice.kid))
    if invoice.currency != "NOK":
        facts.append(("Valuta", invoice.currency))
    return facts


def _parties_and_facts(pdf: FPDF, invoice: Invoice) -> None:
    top = pdf.get_y()
    pdf.set_font(FONT, "B", 10)
    pdf.cell(95, 5.5, invoice.buyer.name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    for text in _address_lines(invoice.buyer.address):
        pdf.cell(95, 5, text, new_x="LMARGIN", new_y="NEXT")
    buyer_bottom = pdf.get_y()
    pdf.set_y(top)
    for label, value in _facts(invoice):
        pdf.set_x(112)
        pdf.set_font(FONT, "", 9)
        pdf.cell(38, 5, label)
        pdf.set_font(FONT, "B", 9)
        pdf.cell(0, 5, value, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(buyer_bottom, pdf.get_y()) + 8)
    if invoice.note:
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(0, 4.5, invoice.note, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)


def _vat_label(category: VatCategory, rate: Decimal) -> str:
    if category is VatCategory.STANDARD:
        return f"{number_text(rate)} %"
    return {VatCategory.ZERO_RATED: "0 %", VatCategory.OUTSIDE_SCOPE: "utenfor"}.get(category, f"0 % ({category})")


def _lines_table(pdf: FPDF, invoice: Invoice, calc: Calculation) -> None:
    pdf.set_font(FONT, "", 8.5)
    headings = ("Beskrivelse", "Antall", "Enhet", "Pris", "Rabatt", "Mva", "Beløp")
    with pdf.table(
        col_widths=(64, 16, 14, 22, 18, 18, 24),
        text_align=("LEFT", "RIGHT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        borders_layout="HORIZONTAL_LINES",
        headings_style=FontFace(emphasis="BOLD"),
        line_height=5,
        padding=(1, 1),
    ) as table:
        table.row(headings)
        for amounts in calc.lines:
            line = amounts.line
            discount = (f"{number_text(line.discount_percent)} %" if line.discount_percent is not None
                        else amount_text(amounts.discount) if amounts.discount else "")
            table.row((line.description, number_text(line.quantity), UNIT_LABELS.get(line.unit_code, line.unit_code),
                       amount_text(line.unit_price), discount, _vat_label(*line.vat.key), amount_text(amounts.net)))
        for ac in invoice.allowances_charges:
            signed = ac.amount if ac.is_charge else -ac.amount
            label = f"{'Tillegg' if ac.is_charge else 'Fratrekk'}: {ac.reason}"
            table.row((label, "", "", "", "", _vat_label(*ac.vat.key), amount_text(signed)))
    pdf.ln(5)


def _vat_and_totals(pdf: FPDF, invoice: Invoice, calc: Calculation) -> None:
    t = calc.totals
    suffix = f" {invoice.currency}" if invoice.currency != "NOK" else ""
    top = pdf.get_y()
    pdf.set_font(FONT, "", 8.5)
    with pdf.table(col_widths=(28, 28, 26), text_align=("LEFT", "RIGHT", "RIGHT"), align="LEFT", width=82,
                   borders_layout="HORIZONTAL_LINES", headings_style=FontFace(emphasis="BOLD"), line_height=5,
                   padding=(1, 1)) as table:
        table.row(("Mva-sats", "Grunnlag", "Mva"))
        for group in calc.vat:
            table.row((_vat_label(group.category, group.rate), amount_text(group.taxable), amount_text(group.tax)))
    bottom = pdf.get_y()
    rows = [("Sum eks. mva", t.tax_exclusive), ("Mva", t.tax), ("Sum inkl. mva", t.tax_inclusive)]
    if t.prepaid:
        rows.append(("Forskuddsbetalt", -t.prepaid))
    if invoice.round_payable_to_krone and t.rounding:
        rows.append(("Øreavrunding", t.rounding))
    pdf.set_y(top)
    for label, value in rows:
        pdf.set_x(120)
        pdf.set_font(FONT, "", 9.5)
        pdf.cell(40, 6, label)
        pdf.cell(0, 6, amount_text(value) + suffix, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(120)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(40, 8, "Til gode" if invoice.kind is DocumentKind.CREDIT_NOTE else "Å betale", border="T")
    pdf.cell(0, 8, amount_text(t.payable) + suffix, align="R", border="T", new_x="LMARGIN", new_y="NEXT")
    if t.tax_in_nok is not None:
        pdf.set_x(120)
        pdf.set_font(FONT, "", 8)
        pdf.cell(0, 5, f"Mva i NOK: {amount_text(t.tax_in_nok)}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(bottom, pdf.get_y()) + 8)


def _payment_footer(pdf: FPDF, invoice: Invoice, calc: Calculation) -> None:
    if invoice.kind is DocumentKind.CREDIT_NOTE or calc.totals.payable <= 0:
        return
    seller = invoice.seller
    parts = [f"Beløpet {amount_text(calc.totals.payable)} {invoice.currency} betales til kontonummer "
             f"{account_text(seller.bank_account)}"]
    if invoice.kid:
        parts.append(f"med KID {invoice.kid}")
    if invoice.due_date:
        parts.append(f"innen {date_text(invoice.due_date)}")
    if seller.iban:
        parts.append(f"(IBAN {seller.iban}" + (f", BIC {seller.bic})" if seller.bic else ")"))
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(0, 5, " ".join(parts) + ".", border="T", padding=(2, 0), new_x="LMARGIN", new_y="NEXT")
