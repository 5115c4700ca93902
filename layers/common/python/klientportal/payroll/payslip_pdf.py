"""A payslip (lønnsslipp) as an A4 PDF with Norwegian labels, fpdf2 as invoicing's PDF (decision 0159).

Fonts as the invoice: Helvetica with WinAnsiEncoding when every printed string is in Windows-1252,
else DejaVu Sans embedded, so no character of a name is lost. Input is the stored payslip record
(amounts as decimal strings) with the run's period and pay date and the employer; nothing is computed
here except sums already on the slip.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from fpdf import FPDF

from klientportal.invoicing.pdf import FONT, FONT_DIR, STANDARD_FONT
from klientportal.invoicing.text import account_text, amount_text, date_text, orgnr_text

_LEFT, _RIGHT, _TOP = 18.0, 192.0, 18.0
_INCOME_LABELS = {
    "fixed": "Fastlønn",
    "hourly": "Timelønn",
    "overtime": "Overtid",
    "fixed_addition": "Fast tillegg",
    "shift_addition": "Skifttillegg",
    "bonus": "Bonus",
    "holiday_pay": "Feriepenger",
    "holiday_deduction": "Trekk i lønn for ferie",
}


def _in_cp1252(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _label(income: dict[str, Any], proration: dict[str, Any] | None = None) -> str:
    label: str = _INCOME_LABELS.get(income["salary_type"], str(income["salary_type"]))
    if income.get("quantity"):
        label += f" ({amount_text(Decimal(income['quantity']))} t)"
    if proration and income["salary_type"] == "fixed":
        label += f" ({proration['employed_working_days']} av {proration['working_days']} arbeidsdager)"
    return label


def render_payslip_pdf(slip: dict[str, Any], period: str, pay_date: date, employer: tuple[str, str]) -> bytes:
    """The payslip as PDF bytes (Norwegian); `employer` is (name, orgnr)."""
    employer_name, employer_orgnr = employer
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(_LEFT, _TOP, 210 - _RIGHT)
    pdf.set_auto_page_break(True, 20)
    if all(_in_cp1252(s) for s in (*_strings(slip), employer_name)):
        pdf.core_fonts_encoding = "windows-1252"
        family = STANDARD_FONT
    else:
        pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        family = FONT
    pdf.set_title(f"Lønnsslipp {period} {slip['name']}")
    pdf.set_author(employer_name)
    pdf.set_creator("Klientportal")
    pdf.set_lang("nb")
    pdf.set_creation_date(datetime.combine(pay_date, time(), tzinfo=UTC))
    pdf.add_page()

    def row(label: str, value: str = "", bold: bool = False, size: float = 10) -> None:
        pdf.set_font(family, "B" if bold else "", size)
        pdf.cell(120, 6, label)
        pdf.cell(_RIGHT - _LEFT - 120, 6, value, align="R", new_x="LMARGIN", new_y="NEXT")

    pdf.set_font(family, "B", 16)
    pdf.cell(0, 9, f"Lønnsslipp {period}", new_x="LMARGIN", new_y="NEXT")
    row(f"{employer_name}, org.nr. {orgnr_text(employer_orgnr)}")
    row(f"{slip['name']} (ansattnr. {slip['employee_number']})", f"Fødselsnr. {slip['national_id_masked']}")
    row("Utbetalingsdato", date_text(pay_date))
    if slip.get("bank_account"):
        row("Utbetales til konto", account_text(slip["bank_account"]))
    pdf.ln(4)
    row("Lønnsart", "Beløp", bold=True)
    for income in slip["incomes"]:
        row(_label(income, slip.get("proration")), amount_text(Decimal(income["amount"])))
    row("Bruttolønn", amount_text(Decimal(slip["gross"])), bold=True)
    row(f"Forskuddstrekk ({slip['withholding_rule']})", amount_text(-Decimal(slip["withholding"])))
    for deduction in slip.get("deductions") or []:
        row(deduction["label"], amount_text(-Decimal(deduction["amount"])))
    row("Til utbetaling", amount_text(Decimal(slip["net"])), bold=True, size=12)
    pdf.ln(4)
    row("Opplysninger", bold=True)
    row("Feriepengegrunnlag denne perioden", amount_text(Decimal(slip["holiday_pay_basis"])))
    row("Opptjente feriepenger denne perioden", amount_text(Decimal(slip["holiday_pay_accrued"])))
    row("Arbeidsgivers innskudd til OTP", amount_text(Decimal(slip["pension_premium"])))
    if slip.get("proration"):
        p = slip["proration"]
        employed = (date.fromisoformat(p["employed_from"]), date.fromisoformat(p["employed_to"]))
        row(f"Ansatt i perioden {date_text(employed[0])}–{date_text(employed[1])}")
    return bytes(pdf.output())
