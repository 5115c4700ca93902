"""Render an invoice or credit note as an A4 PDF with Norwegian labels (fpdf2).

Fonts (decision 0159): when every character the document can print is in Windows-1252 (Latin-1
plus €, – , « », …; æøåÆØÅ included), the text is set in the PDF standard fonts Helvetica and
Helvetica-Bold with WinAnsiEncoding: nothing is embedded or subset, which keeps a render at a few
milliseconds. Otherwise (Sami letters, Polish or Baltic names, …) the document is set in DejaVu Sans,
embedded as a subset: the pre-subset Latin files when they cover the text (decision 0155), else the
full fonts (decision 0103), so no character is ever lost.

Layout is drawn with plain text and rules at precomputed positions (no fpdf2 `table()` or
`multi_cell()`): fixed column widths, long texts wrapped at word boundaries (a word longer than its
column is broken between characters), nothing truncated; the line table continues on new pages with
its headings repeated. Amounts come from `invoicing.calc`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, time
from decimal import Decimal
from functools import cache
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import CoreFont, TTFFont
from pydantic import BaseModel

from klientportal.invoicing.calc import Calculation, LineAmounts, calculate
from klientportal.invoicing.models import Address, DocumentKind, Invoice, Period, VatCategory
from klientportal.invoicing.text import account_text, amount_text, date_text, number_text, orgnr_text, price_text

FONT_DIR = Path(__file__).resolve().parent.parent / "data" / "fonts"
FONT = "DejaVuSans"
STANDARD_FONT = "Helvetica"
UNIT_LABELS = {
    "EA": "stk",
    "C62": "stk",
    "HUR": "timer",
    "DAY": "dager",
    "MON": "mnd",
    "KGM": "kg",
    "MTR": "m",
    "LTR": "l",
    "KMT": "km",
    "MIN": "min",
}
_GREY = (90, 90, 90)
_PT = 25.4 / 72  # mm per point

# Page geometry (mm): A4, margins 18 left/right, 16 top, 20 bottom.
_PAGE_W, _LEFT, _RIGHT, _TOP, _BOTTOM = 210.0, 18.0, 192.0, 16.0, 277.0
_PAD = 1.0  # horizontal padding inside a cell
_LINE_COLUMNS = (
    ("Beskrivelse", 62, "L"),
    ("Antall", 16, "R"),
    ("Enhet", 14, "L"),
    ("Pris", 22, "R"),
    ("Rabatt", 18, "R"),
    ("Mva", 18, "R"),
    ("Beløp", 24, "R"),
)
_VAT_COLUMNS = (("Mva-sats", 28, "L"), ("Grunnlag", 28, "R"), ("Mva", 26, "R"))
_TABLE_SIZE, _TABLE_LINE, _TABLE_VPAD = 8.5, 5.0, 1.0
_TOTALS_X = 120.0


def render_invoice_pdf(invoice: Invoice, calculation: Calculation | None = None) -> bytes:
    """The invoice as PDF bytes."""
    calc = calculation or calculate(invoice)
    page = _Page(invoice)
    _header(page, invoice)
    _parties_and_facts(page, invoice)
    _lines_table(page, invoice, calc)
    _vat_and_totals(page, invoice, calc)
    _payment_footer(page, invoice, calc)
    return bytes(page.pdf.output())


def title(invoice: Invoice) -> str:
    return "Kreditnota" if invoice.kind is DocumentKind.CREDIT_NOTE else "Faktura"


# --- font choice ---------------------------------------------------------------------------------


def _texts(model: BaseModel) -> Iterator[str]:
    """Every string of the invoice that the PDF may print (of attachments: file name and description;
    their content is never printed)."""
    for _, value in model:
        if isinstance(value, str):
            yield value
        elif isinstance(value, BaseModel):
            yield from _texts(value)
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, BaseModel):
                    yield from _texts(item)


def _in_cp1252(text: str) -> bool:
    """True when Helvetica with WinAnsiEncoding can show every character of `text`."""
    if text.isascii():
        return True
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def uses_standard_fonts(invoice: Invoice) -> bool:
    """Decision 0159: Helvetica when every printable string is in Windows-1252, else DejaVu Sans."""
    return all(_in_cp1252(text) for text in _texts(invoice))


@cache
def _latin_coverage() -> frozenset[str]:
    """Characters of the pre-subset Latin fonts (both styles have the same cmap)."""
    from fontTools.ttLib import TTFont

    with TTFont(FONT_DIR / "DejaVuSans-Latin.ttf", lazy=True) as font:
        return frozenset(chr(c) for c in font.getBestCmap())


def _font_files(invoice: Invoice) -> tuple[Path, Path]:
    """For a document that needs an embedded font: the small Latin subsets (decision 0155) when they
    cover every character of the invoice, else the full DejaVu Sans."""
    text = set().union(*map(set, _texts(invoice))) | set("ÆØÅæøå–—€«»")
    if text - set("\t\n\r") <= _latin_coverage():
        return FONT_DIR / "DejaVuSans-Latin.ttf", FONT_DIR / "DejaVuSans-Bold-Latin.ttf"
    return FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"


@cache
def _standard_widths() -> dict[str, dict[str, int]]:
    """Helvetica glyph widths (1/1000 em) per style, keyed by Unicode character; built once."""
    pdf = FPDF()
    tables: dict[str, dict[str, int]] = {}
    for style in ("", "B"):
        pdf.set_font(STANDARD_FONT, style)
        font = pdf.current_font
        if not isinstance(font, CoreFont):
            raise RuntimeError(f"{STANDARD_FONT} is not a core font")
        cw = font.cw
        table: dict[str, int] = {}
        for byte in range(32, 256):
            try:
                table[bytes([byte]).decode("cp1252")] = cw[chr(byte)]
            except UnicodeDecodeError:
                continue
        tables[style] = table
    return tables


# --- drawing -------------------------------------------------------------------------------------


class _Page:
    """The FPDF document, a vertical cursor `y` (mm) and text drawn at computed positions."""

    def __init__(self, invoice: Invoice) -> None:
        pdf = FPDF(format="A4", unit="mm")
        pdf.set_margins(_LEFT, _TOP, _PAGE_W - _RIGHT)
        pdf.set_auto_page_break(False)
        self.standard = uses_standard_fonts(invoice)
        if self.standard:
            pdf.core_fonts_encoding = "windows-1252"
            self.family = STANDARD_FONT
        else:
            regular, bold = _font_files(invoice)
            pdf.add_font(FONT, "", regular)
            pdf.add_font(FONT, "B", bold)
            self.family = FONT
        pdf.set_title(f"{title(invoice)} {invoice.number}")
        pdf.set_author(invoice.seller.name)
        pdf.set_creator("Klientportal")
        pdf.set_lang("nb")
        pdf.set_creation_date(datetime.combine(invoice.issue_date, time(), tzinfo=UTC))
        pdf.add_page()
        self.pdf = pdf
        self.y = _TOP
        self._font: tuple[bool, float] | None = None
        self._units: Callable[[str], float] = len

    def font(self, bold: bool, size: float) -> None:
        if self._font == (bold, size):
            return
        self._font = (bold, size)
        style = "B" if bold else ""
        self.pdf.set_font(self.family, style, size)
        if self.standard:
            table = _standard_widths()[style]
            self._units = lambda text: sum(table[c] for c in text)
        else:
            font = self.pdf.current_font
            if not isinstance(font, TTFFont):
                raise RuntimeError(f"{self.family} is not an embedded font")
            cw = font.cw
            self._units = lambda text: sum(cw[ord(c)] for c in text)

    @property
    def size(self) -> float:
        return self._font[1] if self._font else 0.0

    def width(self, text: str) -> float:
        """Width of `text` in mm in the current font."""
        return self._units(text) * self.size * _PT / 1000

    def text(self, x: float, top: float, height: float, text: str, w: float = 0.0, align: str = "L") -> None:
        """`text` in the box x..x+w, top..top+height: vertically centred like fpdf2's cell()."""
        if not text:
            return
        x = x + w - _PAD - self.width(text) if align == "R" else x + _PAD
        self.pdf.text(x, top + 0.5 * height + 0.3 * self.size * _PT, text)

    def rule(self, x1: float, x2: float, y: float) -> None:
        self.pdf.line(x1, y, x2, y)

    def wrap(self, text: str, width: float) -> list[str]:
        """`text` in lines no wider than `width` mm (less padding): breaks at spaces and line breaks,
        a word wider than the column is broken between characters. Never truncates."""
        width -= 2 * _PAD
        if "\n" not in text and "\r" not in text and "\t" not in text and self.width(text) <= width:
            return [text]
        lines: list[str] = []
        for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            line = ""
            for word in paragraph.split():
                candidate = f"{line} {word}" if line else word
                if self.width(candidate) <= width:
                    line = candidate
                    continue
                if line:
                    lines.append(line)
                while self.width(word) > width and len(word) > 1:
                    cut = len(word) - 1
                    while cut > 1 and self.width(word[:cut]) > width:
                        cut -= 1
                    lines.append(word[:cut])
                    word = word[cut:]
                line = word
            if line or not lines:
                lines.append(line)
        return lines

    def fit(self, text: str, width: float, bold: bool, size: float) -> None:
        """Select a font size at which a one-line `text` (a number) fits `width`, down to 6 pt."""
        self.font(bold, size)
        while size > 6 and self.width(text) > width - 2 * _PAD:
            size -= 0.5
            self.font(bold, size)

    def need(self, height: float) -> bool:
        """Start a new page unless `height` mm fit below the cursor; True when a page was added."""
        if self.y + height <= _BOTTOM:
            return False
        self.pdf.add_page()
        self._font = None
        self.y = _TOP
        return True


def _address_lines(address: Address) -> list[str]:
    place = " ".join(x for x in (address.postal_zone, address.city) if x)
    lines = [x for x in (address.street, address.additional_street, place) if x]
    return lines + ([address.country] if address.country != "NO" else [])


def _header(page: _Page, invoice: Invoice) -> None:
    seller = invoice.seller
    top = page.y
    page.font(True, 20)
    heading = title(invoice).upper()
    name_width = min(110.0, _RIGHT - _LEFT - page.width(heading) - 4)
    page.font(True, 14)
    for line in page.wrap(seller.name, name_width):
        page.text(_LEFT, page.y, 7, line)
        page.y += 7
    page.font(True, 20)
    page.text(_LEFT, top, 7, heading, _RIGHT - _LEFT, "R")
    page.font(False, 9)
    page.pdf.set_text_color(*_GREY)
    registration = f"Org.nr. {orgnr_text(seller.orgnr)}" + (" MVA" if seller.mva_registered else "")
    contact = [x for x in (seller.email, seller.phone and f"Tlf. {seller.phone}") if x]
    extra = ["Foretaksregisteret"] if seller.foretaksregisteret else []
    for text in [*_address_lines(seller.address), registration, *extra, *contact]:
        for line in page.wrap(text, _RIGHT - _LEFT):
            page.text(_LEFT, page.y, 4.5, line)
            page.y += 4.5
    page.pdf.set_text_color(0, 0, 0)
    page.y += 6


def _facts(invoice: Invoice) -> list[tuple[str, str]]:
    credit = invoice.kind is DocumentKind.CREDIT_NOTE
    facts = [
        ("Kreditnotanummer" if credit else "Fakturanummer", invoice.number),
        ("Kreditnotadato" if credit else "Fakturadato", date_text(invoice.issue_date)),
    ]
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
    if invoice.period is not None:
        facts.append(("Periode", period_text(invoice.period)))
    if invoice.currency != "NOK":
        facts.append(("Valuta", invoice.currency))
        if invoice.nok_exchange_rate is not None:
            facts.append(("Valutakurs", f"1 {invoice.currency} = {number_text(invoice.nok_exchange_rate)} NOK"))
    return facts


def period_text(period: Period) -> str:
    """01.03.2026–31.03.2026, or "fra …" / "til …" for an open-ended period."""
    start = date_text(period.start) if period.start is not None else None
    end = date_text(period.end) if period.end is not None else None
    return f"{start}–{end}" if start and end else f"fra {start}" if start else f"til {end}"


def _parties_and_facts(page: _Page, invoice: Invoice) -> None:
    top = page.y
    page.font(True, 10)
    for line in page.wrap(invoice.buyer.name, 95):
        page.text(_LEFT, page.y, 5.5, line)
        page.y += 5.5
    page.font(False, 10)
    for text in _address_lines(invoice.buyer.address):
        for line in page.wrap(text, 95):
            page.text(_LEFT, page.y, 5, line)
            page.y += 5
    buyer_bottom = page.y
    page.y = top
    facts_x, label_w = 112.0, 38.0
    for label, value in _facts(invoice):
        page.font(False, 9)
        page.text(facts_x, page.y, 5, label)
        page.font(True, 9)
        for line in page.wrap(value, _RIGHT - facts_x - label_w):
            page.text(facts_x + label_w, page.y, 5, line, _RIGHT - facts_x - label_w, "R")
            page.y += 5
    page.y = max(buyer_bottom, page.y) + 8
    if invoice.note:
        page.font(False, 9)
        for line in page.wrap(invoice.note, _RIGHT - _LEFT):
            page.need(4.5)
            page.font(False, 9)
            page.text(_LEFT, page.y, 4.5, line)
            page.y += 4.5
        page.y += 3


def _vat_label(category: VatCategory, rate: Decimal) -> str:
    if category is VatCategory.STANDARD:
        return f"{number_text(rate)} %"
    return {VatCategory.ZERO_RATED: "0 %", VatCategory.OUTSIDE_SCOPE: "utenfor"}.get(category, f"0 % ({category})")


def _table_row(
    page: _Page, x: float, columns: tuple[tuple[str, float, str], ...], cells: tuple[str, ...], bold: bool = False
) -> float:
    """Draw one row at the cursor: the first column wraps, the others are one line (a number that
    does not fit is set smaller). Returns the row height."""
    page.font(bold, _TABLE_SIZE)
    first = page.wrap(cells[0], columns[0][1])
    height = len(first) * _TABLE_LINE + 2 * _TABLE_VPAD
    for i, line in enumerate(first):
        page.text(x, page.y + _TABLE_VPAD + i * _TABLE_LINE, _TABLE_LINE, line, columns[0][1], columns[0][2])
    left = x + columns[0][1]
    for (_, width, align), text in zip(columns[1:], cells[1:], strict=True):
        if text:
            page.fit(text, width, bold, _TABLE_SIZE)
            page.text(left, page.y + _TABLE_VPAD, _TABLE_LINE, text, width, align)
        left += width
    return height


def _table(
    page: _Page,
    x: float,
    columns: tuple[tuple[str, float, str], ...],
    rows: Sequence[tuple[str, ...]],
    repeat_headings: bool,
) -> None:
    """A table with a bold heading row and a rule between rows, flowing onto new pages."""
    right = x + sum(width for _, width, _ in columns)
    headings = tuple(name for name, _, _ in columns)

    def heading() -> None:
        page.y += _table_row(page, x, columns, headings, bold=True)
        page.rule(x, right, page.y)

    heading()
    for index, row in enumerate(rows):
        page.font(False, _TABLE_SIZE)
        height = len(page.wrap(row[0], columns[0][1])) * _TABLE_LINE + 2 * _TABLE_VPAD
        if page.need(height) and repeat_headings:
            heading()
        page.y += _table_row(page, x, columns, row)
        if index < len(rows) - 1:
            page.rule(x, right, page.y)


def _line_details(amounts: LineAmounts) -> list[str]:
    """What a line carries beside its columns: period, gross price and price discount, price base
    quantity, and each line allowance/charge with its amount."""
    line = amounts.line
    details = [f"Periode {period_text(line.period)}"] if line.period is not None else []
    if line.gross_price is not None:
        details.append(
            f"Bruttopris {price_text(line.gross_price)}, prisrabatt {price_text(line.gross_price - line.unit_price)}"
        )
    if line.base_quantity is not None:
        details.append(f"Pris pr. {number_text(line.base_quantity)} {UNIT_LABELS.get(line.unit_code, line.unit_code)}")
    for ac, amount in amounts.allowances_charges:
        percent = f" {number_text(ac.percent)} %" if ac.percent is not None else ""
        details.append(f"{'Tillegg' if ac.is_charge else 'Fratrekk'}: {ac.reason}{percent} {amount_text(amount)}")
    return details


def _lines_table(page: _Page, invoice: Invoice, calc: Calculation) -> None:
    rows = []
    for amounts in calc.lines:
        line = amounts.line
        discount = (
            f"{number_text(line.discount_percent)} %"
            if line.discount_percent is not None
            else amount_text(amounts.discount)
            if amounts.discount
            else ""
        )
        description = "\n".join([line.description, *_line_details(amounts)])
        rows.append(
            (
                description,
                number_text(line.quantity),
                UNIT_LABELS.get(line.unit_code, line.unit_code),
                price_text(line.unit_price),
                discount,
                _vat_label(*line.vat.key),
                amount_text(amounts.net),
            )
        )
    for ac in invoice.allowances_charges:
        signed = ac.amount if ac.is_charge else -ac.amount
        label = f"{'Tillegg' if ac.is_charge else 'Fratrekk'}: {ac.reason}"
        if ac.percent is not None and ac.base_amount is not None:
            label += f" {number_text(ac.percent)} % av {amount_text(ac.base_amount)}"
        rows.append((label, "", "", "", "", _vat_label(*ac.vat.key), amount_text(signed)))
    page.need(3 * (_TABLE_LINE + 2 * _TABLE_VPAD))
    _table(page, _LEFT, _LINE_COLUMNS, rows, repeat_headings=True)
    page.y += 5


def _vat_and_totals(page: _Page, invoice: Invoice, calc: Calculation) -> None:
    t = calc.totals
    suffix = f" {invoice.currency}" if invoice.currency != "NOK" else ""
    rows = [("Sum eks. mva", t.tax_exclusive), ("Mva", t.tax), ("Sum inkl. mva", t.tax_inclusive)]
    if t.prepaid:
        rows.append(("Forskuddsbetalt", -t.prepaid))
    if invoice.round_payable_to_krone and t.rounding:
        rows.append(("Øreavrunding", t.rounding))
    vat_rows = [(_vat_label(g.category, g.rate), amount_text(g.taxable), amount_text(g.tax)) for g in calc.vat]
    row_h = _TABLE_LINE + 2 * _TABLE_VPAD
    page.need(max((len(vat_rows) + 1) * row_h, len(rows) * 6 + 13))
    top = page.y
    _table(page, _LEFT, _VAT_COLUMNS, vat_rows, repeat_headings=False)
    bottom = page.y
    page.y = top
    value_w = _RIGHT - _TOTALS_X - 40
    for label, value in rows:
        page.font(False, 9.5)
        page.text(_TOTALS_X, page.y, 6, label)
        page.fit(amount_text(value) + suffix, value_w, False, 9.5)
        page.text(_TOTALS_X + 40, page.y, 6, amount_text(value) + suffix, value_w, "R")
        page.y += 6
    page.rule(_TOTALS_X, _RIGHT, page.y)
    page.font(True, 11)
    page.text(_TOTALS_X, page.y, 8, "Til gode" if invoice.kind is DocumentKind.CREDIT_NOTE else "Å betale")
    page.fit(amount_text(t.payable) + suffix, value_w, True, 11)
    page.text(_TOTALS_X + 40, page.y, 8, amount_text(t.payable) + suffix, value_w, "R")
    page.y += 8
    if t.tax_in_nok is not None:
        page.font(False, 8)
        page.text(_TOTALS_X, page.y, 5, f"Mva i NOK: {amount_text(t.tax_in_nok)}", _RIGHT - _TOTALS_X, "R")
        page.y += 5
    page.y = max(bottom, page.y) + 8
    notes = [
        f"Mva-fritak {_vat_label(g.category, g.rate)}: "
        + " ".join(x for x in (g.exemption_reason_code, g.exemption_reason) if x)
        for g in calc.vat
        if g.exemption_reason or g.exemption_reason_code
    ]
    if invoice.attachments:
        notes.append(
            "Vedlegg: "
            + ", ".join(a.filename + (f" ({a.description})" if a.description else "") for a in invoice.attachments)
        )
    for note in notes:
        page.font(False, 8.5)
        for line in page.wrap(note, _RIGHT - _LEFT):
            page.need(4.5)
            page.font(False, 8.5)
            page.text(_LEFT, page.y, 4.5, line)
            page.y += 4.5
    if notes:
        page.y += 4


def _payment_footer(page: _Page, invoice: Invoice, calc: Calculation) -> None:
    if invoice.kind is DocumentKind.CREDIT_NOTE or calc.totals.payable <= 0:
        return
    seller = invoice.seller
    parts = [
        f"Beløpet {amount_text(calc.totals.payable)} {invoice.currency} betales til kontonummer "
        f"{account_text(seller.bank_account)}"
    ]
    if invoice.kid:
        parts.append(f"med KID {invoice.kid}")
    if invoice.due_date:
        parts.append(f"innen {date_text(invoice.due_date)}")
    if seller.iban:
        parts.append(f"(IBAN {seller.iban}" + (f", BIC {seller.bic})" if seller.bic else ")"))
    page.font(False, 9)
    lines = page.wrap(" ".join(parts) + ".", _RIGHT - _LEFT)
    page.need(len(lines) * 5 + 4)
    page.font(False, 9)
    page.rule(_LEFT, _RIGHT, page.y)
    page.y += 2
    for line in lines:
        page.text(_LEFT, page.y, 5, line)
        page.y += 5
