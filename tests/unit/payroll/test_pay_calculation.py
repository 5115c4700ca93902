"""A month's pay computed to the krone: each figure below is worked out by hand in its comment."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from klientportal.adapters.skattekort import TaxCard
from klientportal.payroll.calculation import (
    EmployeePay,
    PayLine,
    PayrollInputError,
    compute_run,
    contribution_lines,
    payslip_of,
)
from klientportal.payroll.tabelltrekk import withholding

ORG = "923609016"
MARCH = date(2026, 3, 1)
D = Decimal


def _card(**kw: object) -> TaxCard:
    base = TaxCard("15076500565", ORG, 2026, "skattekortopplysningerOK", "1", date(2025, 12, 10), "table", "8010")
    base = replace(base, percent=D("40"), months=D("10.5"))
    return replace(base, **kw)


def _fixed(**kw: object) -> EmployeePay:
    e = EmployeePay(1, "15076500565", date(1965, 7, 15), "fixed", _card(), monthly_salary=D("35000.00"))
    return replace(e, **kw)


def test_fixed_salary_on_a_table_card() -> None:
    slip = payslip_of(_fixed(birth_date=date(1990, 1, 1)), MARCH)
    assert [(i.description, i.amount) for i in slip.incomes] == [("fastloenn", D("35000.00"))]
    assert slip.withholding == 8157 == withholding("8010", "month", 35000)
    assert slip.net == D("26843.00")
    assert slip.holiday_pay_accrued == D("3570.00")  # 35000 × 10.2 %
    assert slip.pension_premium == D("700.00")  # 35000 × 2 %


def test_hourly_pay_with_overtime_and_a_bonus() -> None:
    e = _fixed(
        salary_form="hourly",
        monthly_salary=None,
        hourly_rate=D("237.50"),
        hours=D("151.5"),
        overtime_hours=D("7.25"),
        lines=(PayLine("bonus", D("5000.00")),),
        birth_date=date(1990, 1, 1),
    )
    slip = payslip_of(e, MARCH)
    # 151.5 × 237.50 = 35981.25; overtime 7.25 × 237.50 × 1.4 = 2410.625 → 2410.63 (øre, half up)
    assert [(i.description, i.amount, i.quantity) for i in slip.incomes] == [
        ("timeloenn", D("35981.25"), D("151.5")),
        ("overtidsgodtgjoerelse", D("2410.63"), D("7.25")),
        ("bonus", D("5000.00"), None),
    ]
    # table on 38391 (whole kroner of 38391.88), the bonus at the card's 40 %: 2000
    assert slip.table_basis == 38391
    assert slip.withholding == withholding("8010", "month", 38391) + 2000
    assert slip.gross == D("43391.88")
    # OTP on the hourly pay only (not overtime or bonus): 35981.25 × 2 % = 719.625 → 719.63
    assert slip.pension_premium == D("719.63")


def test_half_withholding_in_december_on_a_ten_and_a_half_month_card() -> None:
    december = payslip_of(_fixed(), date(2026, 12, 1))
    assert december.withholding == 8157 // 2 == 4078
    twelve = payslip_of(_fixed(tax_card=_card(table="7350", months=D("12"))), date(2026, 12, 1))
    assert twelve.withholding == withholding("7350", "month", 35000)


def test_no_table_withholding_on_holiday_pay_in_the_holiday_month() -> None:
    e = _fixed(lines=(PayLine("holiday_pay", D("38000.00")), PayLine("holiday_deduction", D("8076.92"))))
    june = payslip_of(e, date(2026, 6, 1))
    # table on 35000 − 8076.92 = 26923.08 → 26923; holiday pay free of withholding
    assert june.table_basis == 26923
    assert june.withholding == withholding("8010", "month", 26923)
    assert "holiday pay free" in june.withholding_rule
    # neither the holiday pay nor the deduction for the holiday changes the basis for next year
    assert june.holiday_pay_basis == D("35000.00")
    # paid in another month (e.g. on leaving) it is withheld at the card's percentage
    august = payslip_of(e, date(2026, 8, 1))
    assert august.withholding == withholding("8010", "month", 26923) + 15200


def test_percentage_card_frikort_and_missing_card() -> None:
    pct = payslip_of(_fixed(tax_card=_card(kind="percent", table=None, percent=D("33"), months=None)), MARCH)
    assert pct.withholding == 11550  # 35000 × 33 %
    frikort = _card(kind="frikort", table=None, percent=D("15"), months=None, frikort_amount=D("65000"))
    under = payslip_of(_fixed(tax_card=frikort, paid_this_year=D("20000")), MARCH)
    assert under.withholding == 0  # 20000 + 35000 ≤ 65000
    over = payslip_of(_fixed(tax_card=frikort, paid_this_year=D("50000")), MARCH)
    assert over.withholding == 3000  # (50000 + 35000 − 65000) × 15 %
    none = payslip_of(_fixed(tax_card=_card(result="ikkeSkattekort", kind=None, table=None)), MARCH)
    assert none.withholding == 17500 and none.withholding_rule == "no tax card: 50 %"


def test_holiday_pay_for_the_fifth_week_and_from_60_up_to_6g() -> None:
    fifth = payslip_of(_fixed(fifth_holiday_week=True, birth_date=date(1990, 1, 1)), MARCH)
    assert fifth.holiday_pay_accrued == D("4200.00")  # 12 %
    # born 1967: turns 60 in 2027, the holiday year of 2026's accrual → +2.3 points
    sixty = payslip_of(_fixed(birth_date=date(1967, 11, 30)), MARCH)
    assert sixty.holiday_pay_accrued == D("4375.00")  # 35000 × 12.5 %
    # 6 G = 780960: with 770000 already this year only 10960 more carries the extra 2.3 %
    capped = payslip_of(_fixed(birth_date=date(1967, 11, 30), holiday_basis_this_year=D("770000")), MARCH)
    assert capped.holiday_pay_accrued == D("3822.08")  # 3570 + 10960 × 2.3 % = 3570 + 252.08
    young = payslip_of(_fixed(birth_date=date(1968, 1, 1)), MARCH)
    assert young.holiday_pay_accrued == D("3570.00")


def test_contribution_by_zone_and_the_zone_ia_allowance() -> None:
    run = compute_run((_fixed(birth_date=date(1990, 1, 1)),), MARCH, "1")
    # (35000 + OTP 700) × 14.1 % = 5033.70 → 5033 kroner reported and paid
    assert [(c.kind, c.base, c.amount) for c in run.contribution_lines] == [
        ("salary", D("35000.00"), D("4935.00")),
        ("pension", D("700.00"), D("98.70")),
    ]
    assert run.contribution == 5033
    assert compute_run((_fixed(),), MARCH, "5").contribution == 0
    assert compute_run((_fixed(),), MARCH, "4").contribution == 1820  # 35700 × 5.1 % = 1820.70
    # zone Ia with 849 650 of the 850 000 advantage used: 350 / 3.5 % = 10 000 at 10.6 %, the rest at 14.1 %
    lines, used = contribution_lines("1a", (("salary", D("35000.00")), ("pension", D("700.00"))), D("849650"))
    assert [(c.kind, c.percent, c.base) for c in lines] == [
        ("salary", D("10.6"), D("10000.00")),
        ("salary", D("14.1"), D("25000.00")),
        ("pension", D("14.1"), D("700.00")),
    ]
    assert used == D("350.00")
    fresh, used_fresh = contribution_lines("1a", (("salary", D("35000.00")),))
    assert [(c.percent, c.amount) for c in fresh] == [(D("10.6"), D("3710.00"))] and used_fresh == D("1225.00")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"monthly_salary": None}, "monthly_salary"),
        ({"monthly_salary": D("100.001")}, "monthly_salary"),
        ({"overtime_hours": D("3")}, "hourly_rate"),
        ({"hours": D("-1")}, "hours"),
        ({"lines": (PayLine("tips", D("1")),)}, "lines"),
        ({"lines": (PayLine("holiday_deduction", D("40000")),)}, "lines"),
        ({"pension_percent": D("1.5")}, "pension_percentage"),
    ],
)
def test_bad_pay_input_names_its_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(PayrollInputError) as exc:
        payslip_of(_fixed(**change), MARCH)
    assert exc.value.field == field
