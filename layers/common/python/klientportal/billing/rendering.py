"""A statement as CSV (one row per line, semicolon-separated, decimal point) and as PDF (fpdf2, the
approach of invoicing/pdf.py: Helvetica when every text is in Windows-1252, else the embedded DejaVu
Sans; text drawn at fixed positions, the table continuing on new pages with its headings)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from fpdf import FPDF

FONT_DIR = Path(__file__).resolve().parent.parent / "data" / "fonts"  # DejaVu Sans, as invoicing/pdf.py
CSV_COLUMNS = ("client_id", "client_name", "kind", "item", "month", "late", "quantity", "unit_price", "amount", "note")
_COLUMNS = (
    ("Klient", 52, "L"),
    ("Post", 48, "L"),
    ("Måned", 16, "L"),
    ("Antall", 16, "R"),
    ("Pris", 20, "R"),
    ("Beløp", 22, "R"),
)
_LEFT, _TOP, _BOTTOM, _ROW = 18.0, 16.0, 277.0, 5.0


def statement_csv(statement: dict[str, Any]) -> bytes:
    names = {c["client_id"]: c["name"] for c in statement["clients"]}
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in statement["lines"]:
        row = {**line, "client_name": names.get(line["client_id"], ""), "late": "yes" if line["late"] else "no"}
        writer.writerow([row[c] for c in CSV_COLUMNS])
    writer.writerow(["", "", "total", "", statement["month"], "", "", "", statement["totals"]["net"], ""])
    return out.getvalue().encode("utf-8")


def _texts(statement: dict[str, Any]) -> list[str]:
    return [str(c["name"]) for c in statement["clients"]] + [statement["bureau_id"], "—…"]


def _in_cp1252(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


class _Pdf:
    def __init__(self, statement: dict[str, Any]) -> None:
        self.pdf = FPDF(format="A4", unit="mm")
        self.pdf.set_auto_page_break(False)
        if all(_in_cp1252(t) for t in _texts(statement)):
            self.font = "Helvetica"
            self.pdf.core_fonts_encoding = "windows-1252"
        else:
            self.pdf.add_font("DejaVuSans", "", str(FONT_DIR / "DejaVuSans.ttf"))
            self.pdf.add_font("DejaVuSans", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
            self.font = "DejaVuSans"
        self.y = _TOP

    def text(
        self, x: float, value: str, *, bold: bool = False, size: float = 8, width: float = 0, align: str = "L"
    ) -> None:
        self.pdf.set_font(self.font, "B" if bold else "", size)
        if width and self.pdf.get_string_width(value) > width - 1:
            while value and self.pdf.get_string_width(value + "…") > width - 1:
                value = value[:-1]
            value += "…"  # shortened visibly; the CSV and JSON carry the text in full
        offset = width - 1 - self.pdf.get_string_width(value) if align == "R" else 0
        self.pdf.text(x + offset, self.y, value)

    def row(self, cells: list[str], *, bold: bool = False) -> None:
        x = _LEFT
        for (_, width, align), value in zip(_COLUMNS, cells, strict=True):
            self.text(x, value, bold=bold, width=width, align=align)
            x += width
        self.y += _ROW

    def page(self, heading: str) -> None:
        self.pdf.add_page()
        self.y = _TOP
        self.text(_LEFT, heading, bold=True, size=12)
        self.y += 8
        self.row([c[0] for c in _COLUMNS], bold=True)


def statement_pdf(statement: dict[str, Any]) -> bytes:
    """The statement as an A4 PDF: heading, one row per line, the totals."""
    status = "FORELØPIG (måneden pågår)" if statement["status"] == "preview" else "endelig"
    heading = f"Fakturagrunnlag {statement['month']} — {statement['bureau_id']} ({status})"
    names = {c["client_id"]: c["name"] for c in statement["clients"]}
    doc = _Pdf(statement)
    doc.page(heading)
    for line in statement["lines"]:
        if doc.y > _BOTTOM:
            doc.page(heading)
        item = line["item"] + (" (etterslep)" if line["late"] else "")
        doc.row(
            [
                names.get(line["client_id"], line["client_id"]),
                item,
                line["month"],
                str(line["quantity"]),
                line["unit_price"],
                line["amount"],
            ]
        )
    if doc.y > _BOTTOM - 10:
        doc.page(heading)
    doc.y += 3
    doc.row(["Sum netto", "", "", "", "", statement["totals"]["net"]], bold=True)
    doc.row([f"{statement['totals']['clients']} klienter", f"{statement['totals']['lines']} linjer", "", "", "", ""])
    return bytes(doc.pdf.output())
