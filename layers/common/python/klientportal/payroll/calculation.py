"""One month's pay for a client's employees: pure, Decimal kroner, every rounding named.

The run gives each employee's pay elements (fixed salary, approved hours, overtime, additions and
deductions as salary types), tax card and year-to-date figures; this module computes the incomes
(with their a-melding descriptions), the withholding (table / percentage / frikort / 50 % without
a card, half table withholding in December, none on holiday pay in the holiday-pay month), net pay,
holiday pay accrual, OTP premium and the arbeidsgiveravgift per zone.

A fixed salary is prorated by working days for a start or end inside the month (`proration`,
decision 0940). Deductions that are neither income nor tax (`deductions`, decision 0941) come out
of the pay after withholding; union dues and the employee's pension share first reduce the
withholding basis.

Roundings: hourly pay, overtime, a prorated salary, holiday pay accrual, OTP and contribution
lines to øre, half up; withholding to whole kroner, down (the tables are whole kroner); the
contribution of the month to whole kroner, down, as it is reported and paid (decision 0904).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Literal

from klientportal.adapters.skattekort import TaxCard
from klientportal.payroll import rates
from klientportal.payroll.deductions import Deduction as Deduction
from klientportal.payroll.deductions import DeductionError, DeductionLine, check_room, withholding_relief
from klientportal.payroll.deductions import resolve as resolve_deductions
from klientportal.payroll.proration import Share, employed_share, prorated
from klientportal.payroll.tabelltrekk import Period, withholding

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
Method = Literal["table", "percent", "holiday_pay"]


class PayrollInputError(ValueError):
    """An employee's pay cannot be computed (the field and why)."""

    def __init__(self, employee_number: int, field: str, message: str) -> None:
        super().__init__(f"employee {employee_number}: {field}: {message}")
        self.employee_number = employee_number
        self.field = field
        self.message = message


@dataclass(frozen=True)
class SalaryType:
    """A pay element: its a-melding description, how it is withheld, what it counts towards."""

    code: str
    description: str  # loennsbeskrivelse
    method: Method
    holiday_basis: bool
    pension_basis: bool
    account: str
    negative: bool = False  # a deduction from pay (trekk i lønn for ferie)


SALARY_TYPES: dict[str, SalaryType] = {
    t.code: t
    for t in (
        SalaryType("fixed", "fastloenn", "table", True, True, "5000"),
        SalaryType("hourly", "timeloenn", "table", True, True, "5000"),
        SalaryType("overtime", "overtidsgodtgjoerelse", "table", True, False, "5000"),
        SalaryType("fixed_addition", "fastTillegg", "table", True, True, "5000"),
        SalaryType("shift_addition", "uregelmessigeTilleggKnyttetTilArbeidetTid", "table", True, False, "5000"),
        SalaryType("bonus", "bonus", "percent", True, False, "5000"),
        SalaryType("holiday_pay", "feriepenger", "holiday_pay", False, False, "2940"),
        SalaryType("holiday_deduction", "trekkILoennForFerie", "table", False, False, "5000", negative=True),
    )
}


@dataclass(frozen=True)
class PayLine:
    """An addition or deduction of the period (amount in kroner; deductions given positive)."""

    salary_type: str
    amount: Decimal
    quantity: Decimal | None = None
    text: str | None = None


@dataclass(frozen=True)
class EmployeePay:
    employee_number: int
    national_id: str
    birth_date: date
    salary_form: Literal["fixed", "hourly"]
    tax_card: TaxCard
    monthly_salary: Decimal | None = None
    hourly_rate: Decimal | None = None
    hours: Decimal = ZERO  # approved ordinary hours of the period
    overtime_hours: Decimal = ZERO
    overtime_supplement_percent: Decimal = rates.OVERTIME_SUPPLEMENT_PERCENT
    pension_percent: Decimal = Decimal("2")
    fifth_holiday_week: bool = False
    lines: tuple[PayLine, ...] = ()
    paid_this_year: Decimal = ZERO  # gross before this run (frikort limit)
    holiday_basis_this_year: Decimal = ZERO  # before this run (the 6 G cap of the 60+ extra)
    employment_start: date | None = None  # None: employed the whole month
    employment_end: date | None = None
    deductions: tuple[Deduction, ...] = ()


@dataclass(frozen=True)
class Income:
    salary_type: str
    description: str
    amount: Decimal
    quantity: Decimal | None
    in_withholding_basis: bool
    account: str


@dataclass(frozen=True)
class Payslip:
    employee_number: int
    incomes: tuple[Income, ...]
    gross: Decimal
    table_basis: int
    withholding: int
    withholding_rule: str
    net: Decimal
    holiday_pay_basis: Decimal
    holiday_pay_accrued: Decimal
    pension_premium: Decimal
    holiday_pay_paid: Decimal
    deductions: tuple[DeductionLine, ...] = ()
    withholding_relief: Decimal = ZERO  # taken off the withholding basis by the deductions
    proration: Share | None = None  # set when a fixed salary was prorated


@dataclass(frozen=True)
class ContributionLine:
    kind: Literal["salary", "pension"]  # loennOgGodtgjoerelse / tilskuddOgPremieTilPensjon
    zone: str
    percent: Decimal
    base: Decimal
    amount: Decimal  # to øre


@dataclass(frozen=True)
class RunResult:
    payslips: tuple[Payslip, ...]
    contribution_lines: tuple[ContributionLine, ...]
    contribution: int  # the month's arbeidsgiveravgift, whole kroner
    contribution_on_holiday_accrual: Decimal
    contribution_on_holiday_pay_paid: Decimal  # booked against the accrual (2785), not as cost
    zone_ia_advantage_used: Decimal  # this run's share of the zone-Ia allowance

    @property
    def withholding(self) -> int:
        return sum(p.withholding for p in self.payslips)


def _ore(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _kroner_down(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_DOWN))


def _check_amount(e: EmployeePay, field: str, value: Decimal) -> None:
    if not value.is_finite() or value != value.quantize(CENT) or value < 0:
        raise PayrollInputError(e.employee_number, field, "an amount in kroner ≥ 0 with at most two decimals")


def _month_last(month: date) -> date:
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def share_of(e: EmployeePay, month: date) -> Share | None:
    """The part of `month` (its 1st) the employee was employed; None when the register has no start."""
    if e.employment_start is None:
        return None
    share = employed_share(month, _month_last(month), e.employment_start, e.employment_end)
    if share is None:
        raise PayrollInputError(e.employee_number, "employment", "not employed in the period: nothing is paid")
    return share


def incomes_of(e: EmployeePay, share: Share | None = None) -> tuple[Income, ...]:
    """The employee's incomes of the period, in the order the payslip and the a-melding show them;
    a fixed salary prorated to `share` when the employment starts or ends inside the month."""
    out: list[Income] = []

    def add(code: str, amount: Decimal, quantity: Decimal | None = None) -> None:
        t = SALARY_TYPES[code]
        signed = -amount if t.negative else amount
        # every salary type here is trekkpliktig (inngaarIGrunnlagForTrekk), holiday pay included: that
        # no table withholding is taken from it in the holiday-pay month is a withholding rule
        out.append(Income(code, t.description, signed, quantity, True, t.account))

    if e.salary_form == "fixed":
        if e.monthly_salary is None:
            raise PayrollInputError(e.employee_number, "monthly_salary", "a fixed salary needs the monthly salary")
        _check_amount(e, "monthly_salary", e.monthly_salary)
        salary = e.monthly_salary if share is None else prorated(e.monthly_salary, share)
        if salary:
            add("fixed", salary)
    if e.hours < 0 or e.overtime_hours < 0 or e.hours > 400 or e.overtime_hours > 200:
        raise PayrollInputError(e.employee_number, "hours", "hours of a month are 0–400 (overtime 0–200)")
    if e.salary_form == "hourly" or e.overtime_hours:
        if e.hourly_rate is None:
            raise PayrollInputError(e.employee_number, "hourly_rate", "hours need the hourly rate")
        _check_amount(e, "hourly_rate", e.hourly_rate)
        if e.salary_form == "hourly" and e.hours:
            add("hourly", _ore(e.hours * e.hourly_rate), e.hours)
        if e.overtime_hours:
            rate = e.hourly_rate * (1 + e.overtime_supplement_percent / 100)
            add("overtime", _ore(e.overtime_hours * rate), e.overtime_hours)
    for line in e.lines:
        if line.salary_type not in SALARY_TYPES or line.salary_type in {"fixed", "hourly"}:
            raise PayrollInputError(e.employee_number, "lines", f"unknown salary type {line.salary_type!r}")
        _check_amount(e, f"lines.{line.salary_type}", line.amount)
        add(line.salary_type, line.amount, line.quantity)
    return tuple(out)


def _withholding(
    e: EmployeePay, incomes: tuple[Income, ...], month: date, holiday_month: int, relief: Decimal = ZERO
) -> tuple[int, int, str]:
    """(withholding, table basis, the rule applied); `relief` (union dues, the employee's pension
    share) comes off the regular pay first, then off the pay withheld by percentage."""
    card = e.tax_card
    by_method: dict[str, Decimal] = {"table": ZERO, "percent": ZERO, "holiday_pay": ZERO}
    for income in incomes:
        by_method[SALARY_TYPES[income.salary_type].method] += income.amount
    for method in ("table", "percent", "holiday_pay"):
        taken = min(relief, max(by_method[method], ZERO))
        by_method[method] -= taken
        relief -= taken
    table_basis = max(_kroner_down(by_method["table"]), 0)
    total = max(by_method["table"], ZERO) + by_method["percent"] + by_method["holiday_pay"]
    if card.result == "ikkeTrekkplikt":
        return 0, table_basis, "no withholding duty"
    if card.result != "skattekortopplysningerOK" or card.kind is None:
        return _kroner_down(total * rates.NO_TAX_CARD_PERCENT / 100), table_basis, "no tax card: 50 %"
    assert card.percent is not None
    if card.kind == "percent":
        return _kroner_down(total * card.percent / 100), table_basis, f"percentage {card.percent} %"
    if card.kind == "frikort":
        assert card.frikort_amount is not None
        free_left = max(card.frikort_amount - e.paid_this_year, ZERO)
        above = max(total - free_left, ZERO)
        return _kroner_down(above * card.percent / 100), table_basis, f"frikort {card.frikort_amount}"
    assert card.table is not None
    ten_and_a_half = card.months is None or card.months == Decimal("10.5")
    table = withholding(card.table, Period.MONTH, table_basis, year=month.year)
    rule = f"table {card.table}"
    if month.month == 12 and ten_and_a_half:
        table //= 2  # half withholding in December, whole kroner down
        rule += ", half in December"
    extra = by_method["percent"]
    holiday = by_method["holiday_pay"]
    if holiday and (month.month != holiday_month or not ten_and_a_half):
        extra += holiday
    elif holiday:
        rule += ", holiday pay free of withholding"
    return table + _kroner_down(extra * card.percent / 100), table_basis, rule


def _turns_60_in_holiday_year(birth: date, earning_year: int) -> bool:
    return birth.year + 60 <= earning_year + 1


def payslip_of(e: EmployeePay, month: date, holiday_month: int = rates.HOLIDAY_PAY_MONTH) -> Payslip:
    share = share_of(e, month)
    incomes = incomes_of(e, share)
    gross = sum((i.amount for i in incomes), ZERO)
    if gross < 0:
        raise PayrollInputError(e.employee_number, "lines", "deductions exceed the pay")
    if not (Decimal(2) <= e.pension_percent <= Decimal(7)):
        raise PayrollInputError(e.employee_number, "pension_percentage", "OTP is 2–7 %")
    pension_base = sum((i.amount for i in incomes if SALARY_TYPES[i.salary_type].pension_basis), ZERO)
    pension_base = min(pension_base, 12 * rates.G / 12)
    try:
        taken = resolve_deductions(e.deductions, gross, pension_base)
    except DeductionError as exc:
        raise PayrollInputError(e.employee_number, exc.field, exc.message) from exc
    relief = withholding_relief(taken)
    tax, table_basis, rule = _withholding(e, incomes, month, holiday_month, relief)
    tax = min(tax, _kroner_down(gross))
    try:
        check_room(taken, gross - tax)
    except DeductionError as exc:
        raise PayrollInputError(e.employee_number, exc.field, exc.message) from exc
    holiday_basis = sum((i.amount for i in incomes if SALARY_TYPES[i.salary_type].holiday_basis), ZERO)
    percent = rates.HOLIDAY_PAY_PERCENT_FIFTH_WEEK if e.fifth_holiday_week else rates.HOLIDAY_PAY_PERCENT
    accrued = holiday_basis * percent / 100
    if _turns_60_in_holiday_year(e.birth_date, month.year):
        room = max(6 * rates.G - e.holiday_basis_this_year, ZERO)
        accrued += min(holiday_basis, room) * rates.HOLIDAY_PAY_60_EXTRA_PERCENT / 100
    premium = _ore(pension_base * e.pension_percent / 100)
    return Payslip(
        employee_number=e.employee_number,
        incomes=incomes,
        gross=gross,
        table_basis=table_basis,
        withholding=tax,
        withholding_rule=rule,
        net=gross - tax - sum((x.amount for x in taken), ZERO),
        holiday_pay_basis=holiday_basis,
        holiday_pay_accrued=_ore(accrued),
        pension_premium=premium,
        holiday_pay_paid=sum((i.amount for i in incomes if i.salary_type == "holiday_pay"), ZERO),
        deductions=taken,
        withholding_relief=relief,
        proration=share if share is not None and not share.whole and e.salary_form == "fixed" else None,
    )


def contribution_lines(
    zone: str, bases: tuple[tuple[Literal["salary", "pension"], Decimal], ...], advantage_used_before: Decimal = ZERO
) -> tuple[tuple[ContributionLine, ...], Decimal]:
    """The month's contribution lines for the bases in `zone` and the zone-Ia advantage they use.

    In zone Ia the reduced rate holds until the year's advantage (the allowance) is used; the rest
    of the base is reported in zone Ia at the zone-1 rate. Salary uses the room before pension.
    """
    if zone not in rates.CONTRIBUTION_PERCENT:
        raise ValueError(f"unknown zone {zone!r}")
    percent = rates.CONTRIBUTION_PERCENT[zone]
    lines: list[ContributionLine] = []
    if zone != "1a":
        for kind, base in bases:
            if base:
                lines.append(ContributionLine(kind, zone, percent, base, _ore(base * percent / 100)))
        return tuple(lines), ZERO
    difference = (rates.ZONE_IA_FULL_PERCENT - percent) / 100
    room = max(rates.ZONE_IA_ALLOWANCE - advantage_used_before, ZERO)
    used = ZERO
    for kind, base in bases:
        reduced = min(base, _ore((room - used) / difference))
        full = base - reduced
        if reduced:
            lines.append(ContributionLine(kind, "1a", percent, reduced, _ore(reduced * percent / 100)))
            used = min(used + _ore(reduced * difference), room)
        if full:
            full_percent = rates.ZONE_IA_FULL_PERCENT
            lines.append(ContributionLine(kind, "1a", full_percent, full, _ore(full * full_percent / 100)))
    return tuple(lines), used


def compute_run(
    employees: tuple[EmployeePay, ...],
    month: date,
    zone: str,
    *,
    zone_ia_advantage_used_before: Decimal = ZERO,
    holiday_month: int = rates.HOLIDAY_PAY_MONTH,
) -> RunResult:
    """Every employee's payslip and the employer's contribution for the month (month = its 1st)."""
    payslips = tuple(payslip_of(e, month, holiday_month) for e in employees)
    salary = sum((p.gross for p in payslips), ZERO)
    pension = sum((p.pension_premium for p in payslips), ZERO)
    lines, used = contribution_lines(zone, (("salary", salary), ("pension", pension)), zone_ia_advantage_used_before)
    accrual = sum((p.holiday_pay_accrued for p in payslips), ZERO)
    holiday_paid = sum((p.holiday_pay_paid for p in payslips), ZERO)
    total = _kroner_down(sum((c.amount for c in lines), ZERO))
    zone_percent = rates.CONTRIBUTION_PERCENT[zone]
    return RunResult(
        payslips=payslips,
        contribution_lines=lines,
        contribution=total,
        contribution_on_holiday_accrual=_ore(accrual * zone_percent / 100),
        contribution_on_holiday_pay_paid=min(_ore(holiday_paid * zone_percent / 100), Decimal(total)),
        zone_ia_advantage_used=used,
    )
