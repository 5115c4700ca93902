"""The payslip PDF: Norwegian labels and the slip's own figures; a name outside Windows-1252 is kept."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader

from klientportal.payroll.payslip_pdf import render_payslip_pdf

SLIP = {
    "employee_number": 7,
    "name": "Ánde Sámi",
    "national_id_masked": "150765*****",
    "bank_account": "86011117947",
    "incomes": [
        {"salary_type": "hourly", "amount": "24125.00", "quantity": "96.50"},
        {"salary_type": "overtime", "amount": "1400.00", "quantity": "4"},
    ],
    "gross": "25525.00",
    "withholding": 12762,
    "withholding_rule": "no tax card: 50 %",
    "net": "12763.00",
    "holiday_pay_basis": "25525.00",
    "holiday_pay_accrued": "2603.55",
    "pension_premium": "510.50",
}


def _text(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_the_payslip_says_what_was_paid_in_norwegian() -> None:
    text = _text(render_payslip_pdf(SLIP, "2026-03", date(2026, 3, 25), ("Byggmester Hansen AS", "912345629")))
    for expected in (
        "Lønnsslipp 2026-03",
        "Byggmester Hansen AS, org.nr. 912 345 629",
        "Timelønn (96,50 t)",
        "24 125,00",
        "Overtid (4,00 t)",
        "Bruttolønn",
        "25 525,00",
        "-12 762,00",
        "Til utbetaling",
        "12 763,00",
        "Utbetalingsdato",
        "2 603,55",
    ):
        assert expected in text, expected


def test_a_sami_name_is_printed_whole() -> None:
    slip = {**SLIP, "name": "Ŋeavvá Čoavddá"}
    pdf = render_payslip_pdf(slip, "2026-03", date(2026, 3, 25), ("Byggmester Hansen AS", "912345629"))
    assert b"DejaVu" in pdf
    assert "Ŋeavvá Čoavddá" in _text(pdf)
