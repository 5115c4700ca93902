"""A fixed salary for part of a month, by working days (decision 0940): each figure worked out by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from klientportal.adapters.skattekort import TaxCard
from klientportal.payroll.calculation import EmployeePay, PayrollInputError, payslip_of
from klientportal.payroll.proration import Share, employed_share, prorated, public_holidays, working_days
from klientportal.payroll.tabelltrekk import withholding

D = Decimal
CARD = replace(
    TaxCard("15076500565", "923609016", 2026, "skattekortopplysningerOK", "1", date(2025, 12, 10), "table", "8010"),
    percent=D("40"),
    months=D("10.5"),
)


def _fixed(salary: str = "52000.00", **kw: object) -> EmployeePay:
    e = EmployeePay(1, "", date(1990, 1, 1), "fixed", CARD, monthly_salary=D(salary))
    return replace(e, **kw)


def test_the_2026_public_holidays_on_weekdays() -> None:
    # Easter Sunday 5 April 2026: skjærtorsdag 2 April, langfredag 3 April, 2. påskedag 6 April;
    # Kristi himmelfartsdag 14 May, 2. pinsedag 25 May; 1 May is a Friday, 17 May a Sunday
    weekday_holidays = sorted(d for d in public_holidays(2026) if d.weekday() < 5)
    assert weekday_holidays == [
        date(2026, 1, 1),
        date(2026, 4, 2),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 1),
        date(2026, 5, 14),
        date(2026, 5, 25),
        date(2026, 12, 25),
    ]


def test_working_days_of_months() -> None:
    assert working_days(date(2026, 3, 1), date(2026, 3, 31)) == 22  # no holiday in March 2026
    assert working_days(date(2026, 4, 1), date(2026, 4, 30)) == 19  # 22 weekdays − 3 Easter days
    assert working_days(date(2026, 5, 1), date(2026, 5, 31)) == 18  # 21 weekdays − 1, 14 and 25 May
    # 24 and 31 December are working days for pay, unlike for the banks: 23 weekdays − 25 December
    assert working_days(date(2026, 12, 1), date(2026, 12, 31)) == 22


def test_a_start_inside_the_month() -> None:
    # starts Wednesday 15 April 2026: 15–17, 20–24, 27–30 = 12 of 19 working days
    slip = payslip_of(_fixed(employment_start=date(2026, 4, 15)), date(2026, 4, 1))
    # 52000 × 12 / 19 = 32842.105… → 32842.11
    assert [(i.description, i.amount) for i in slip.incomes] == [("fastloenn", D("32842.11"))]
    assert slip.proration == Share(date(2026, 4, 15), date(2026, 4, 30), 12, 19)
    assert slip.withholding == withholding("8010", "month", 32842)
    assert slip.pension_premium == D("656.84")  # 2 % of the prorated salary, 656.8422 → 656.84
    assert slip.holiday_pay_basis == D("32842.11")


def test_an_end_inside_the_month() -> None:
    # leaves Tuesday 10 March 2026: 2–6 and 9–10 March = 7 of 22 working days
    e = _fixed("45000.00", employment_start=date(2020, 1, 1), employment_end=date(2026, 3, 10))
    slip = payslip_of(e, date(2026, 3, 1))
    assert slip.gross == D("14318.18")  # 45000 × 7 / 22 = 14318.1818…
    assert slip.withholding == withholding("8010", "month", 14318) == 1259


def test_start_and_end_in_the_same_month() -> None:
    e = _fixed(employment_start=date(2026, 5, 4), employment_end=date(2026, 5, 15))
    slip = payslip_of(e, date(2026, 5, 1))
    # 4–8 May (5) and 11–15 May less Kristi himmelfartsdag 14 May (4): 9 of 18 → exactly half
    assert slip.gross == D("26000.00")


def test_a_whole_month_is_the_whole_salary_and_not_prorated() -> None:
    slip = payslip_of(_fixed("52000.01", employment_start=date(2026, 4, 1)), date(2026, 4, 1))
    assert slip.gross == D("52000.01") and slip.proration is None


def test_rounding_is_half_up_to_ore() -> None:
    share = Share(date(2026, 6, 1), date(2026, 6, 1), 1, 20)
    assert prorated(D("100.10"), share) == D("5.01")  # 5.005 → 5.01 (half up, not to even)
    assert prorated(D("100.30"), share) == D("5.02")  # 5.015 → 5.02


def test_employed_only_on_days_off_is_paid_nothing_for_the_month() -> None:
    # starts Saturday 30 May 2026 (31 May is a Sunday): employed, no working day
    slip = payslip_of(_fixed(employment_start=date(2026, 5, 30)), date(2026, 5, 1))
    assert slip.incomes == () and slip.gross == 0 and slip.net == 0


def test_not_employed_in_the_month_is_refused() -> None:
    assert employed_share(date(2026, 4, 1), date(2026, 4, 30), date(2026, 5, 1), None) is None
    with pytest.raises(PayrollInputError) as exc:
        payslip_of(_fixed(employment_start=date(2020, 1, 1), employment_end=date(2026, 3, 31)), date(2026, 4, 1))
    assert exc.value.field == "employment"


def test_hourly_pay_is_not_prorated() -> None:
    e = replace(
        _fixed(employment_start=date(2026, 4, 15)),
        salary_form="hourly",
        monthly_salary=None,
        hourly_rate=D("250.00"),
        hours=D("80"),
    )
    slip = payslip_of(e, date(2026, 4, 1))
    assert slip.gross == D("20000.00") and slip.proration is None
