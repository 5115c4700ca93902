"""Tabelltrekk: table withholding as Skatteetaten's trekkrutine computes it.

The reference is Skatteetaten's open-source Java implementation (github Skatteetaten/trekktabell,
package ``trekkrutine2026``): the published tables are printed from it. Its arithmetic is IEEE-754
double with Java's ``Math.round`` (half up towards +infinity) and integer (``long``) division, so
this module does the same on purpose: the intermediate values are Python floats (binary64, the
same type as Java's ``double``), each step in the reference's order, and rounded with
:func:`java_round`. An exact-decimal rewrite would differ from the published tables wherever a
product lands on a half krone (decision 0901). Inputs and results are integers (whole kroner).

Public entry points: :func:`withholding` (what the payroll run and ``klientportal payroll
tabelltrekk`` call) and :func:`surplus_percent` (the table's "overskytende prosent").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum


class TabelltrekkError(ValueError):
    """An input the tables cannot answer (unknown year, table or period; a bad amount)."""


def java_round(x: float) -> int:
    """Java's ``Math.round(double)``: the nearest integer, halves towards +infinity (exact)."""
    floor = math.floor(x)
    return floor + 1 if x - floor >= 0.5 else floor


class Period(StrEnum):
    """The pay periods the tables are printed for."""

    MONTH = "month"
    DAYS_14 = "14days"
    WEEK = "week"
    DAYS_4 = "4days"
    DAYS_3 = "3days"
    DAYS_2 = "2days"
    DAY_1 = "1day"


@dataclass(frozen=True, slots=True)
class PeriodRule:
    """How a period's pay is turned into a year's income and the year's tax back into a period.

    ``income_periods``/``withholding_periods`` for the ordinary tables (8000–8400, 9010–9400);
    the ``*_flat`` pair for all other tables. ``bracket`` is the width of the table's brackets in
    kroner (the pay is moved to the bracket's midpoint); ``table_max`` the top of the printed table.
    """

    income_periods: float
    withholding_periods: float
    income_periods_flat: float
    withholding_periods_flat: float
    bracket: int
    table_max: int


# Java evaluates e.g. (60d*46d)/52d in double; the same expressions here give the same doubles.
PERIOD_RULES: dict[Period, PeriodRule] = {
    Period.MONTH: PeriodRule(12.12, 10.5, 12.0, 10.5, 100, 200_000),
    Period.DAYS_14: PeriodRule(26.26, 23.0, 26.0, 23.0, 50, 100_000),
    Period.WEEK: PeriodRule(52.52, 46.0, 52.0, 46.0, 20, 50_000),
    Period.DAYS_4: PeriodRule(60.60, (60.0 * 46.0) / 52.0, 91.0, (91.0 * 10.5) / 12.0, 20, 40_000),
    Period.DAYS_3: PeriodRule(80.80, (80.0 * 46.0) / 52.0, 122.0, (122.0 * 10.5) / 12.0, 20, 30_000),
    Period.DAYS_2: PeriodRule(121.20, (120.0 * 46.0) / 52.0, 183.0, (183.0 * 10.5) / 12.0, 20, 20_000),
    Period.DAY_1: PeriodRule(242.40, (240.0 * 46.0) / 52.0, 365.0, (365.0 * 10.5) / 12.0, 20, 10_000),
}


class TableKind(StrEnum):
    ORDINARY = "ordinary"  # 8000–8400 (deduction), 9010–9400 (addition)
    STANDARD_DEDUCTION = "standard_deduction"  # 7300–7700: 10 % standard deduction
    SEAMEN = "seamen"  # 0100, 0101: seamen's deduction, floor instead of round
    FINNMARK = "finnmark"  # 6300–6700: Finnmark/Nord-Troms deduction and common-tax rate
    SPECIAL = "special"  # 7150–7170


class SocialSecurity(StrEnum):
    """Trygdeavgift in the table: the high rate (wages), the low rate (pensions) or none."""

    HIGH = "high"
    LOW = "low"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Rules:
    """One income year's constants (Konstanter.java of that year's trekkrutine)."""

    year: int
    personal_deduction: int
    personal_deduction_finnmark: int  # personal deduction + the Finnmark deduction
    step_limits: tuple[int, int, int, int, int]
    step_percents: tuple[float, float, float, float, float]
    common_tax_percent: float
    common_tax_percent_finnmark: float
    municipal_tax_percent: float  # "skattøre": municipal + county
    social_security_free: int
    social_security_phase_in_percent: float
    social_security_low_percent: float
    social_security_high_percent: float
    minimum_deduction_percent: float
    minimum_deduction_max: int
    minimum_deduction_percent_seamen: float
    minimum_deduction_max_seamen: int
    standard_deduction_percent: float
    standard_deduction_max: int
    seamen_deduction_percent: float
    seamen_deduction_max: int

    def social_security_limit(self, percent: float) -> int:
        """The income where the flat rate takes over from the phase-in."""
        free = self.social_security_free
        phase = self.social_security_phase_in_percent
        return java_round((free * phase) / (phase - percent))


RULES_2026 = Rules(
    year=2026,
    personal_deduction=114_540,
    personal_deduction_finnmark=159_210,
    step_limits=(226_100, 318_300, 725_050, 980_100, 1_467_200),
    step_percents=(1.7, 4.0, 13.7, 16.8, 17.8),
    common_tax_percent=8.25,
    common_tax_percent_finnmark=4.75,
    municipal_tax_percent=13.75,
    social_security_free=99_650,
    social_security_phase_in_percent=25.0,
    social_security_low_percent=5.1,
    social_security_high_percent=7.6,
    minimum_deduction_percent=40.48,
    minimum_deduction_max=84_216,
    minimum_deduction_percent_seamen=46.0,
    minimum_deduction_max_seamen=95_700,
    standard_deduction_percent=10.0,
    standard_deduction_max=40_000,
    seamen_deduction_percent=30.0,
    seamen_deduction_max=86_300,
)

RULES: dict[int, Rules] = {2026: RULES_2026}


@dataclass(frozen=True, slots=True)
class Table:
    number: str
    kind: TableKind
    table_deduction: int  # kroner a year; negative = an addition (9xxx tables)
    social_security: SocialSecurity
    twelve_months: bool  # withholding spread over 12 months instead of 10.5 (non-ordinary tables)

    def uses_standard_deduction(self) -> bool:
        return self.kind in (TableKind.STANDARD_DEDUCTION, TableKind.SEAMEN, TableKind.FINNMARK)


def _tables() -> dict[str, Table]:
    tables: dict[str, Table] = {}
    for step in range(41):
        number = f"{8000 + 10 * step}"
        tables[number] = Table(number, TableKind.ORDINARY, 10_000 * step, SocialSecurity.HIGH, False)
    for step in range(1, 41):
        number = f"{9000 + 10 * step}"
        tables[number] = Table(number, TableKind.ORDINARY, -10_000 * step, SocialSecurity.HIGH, False)
    hi, lo, no = SocialSecurity.HIGH, SocialSecurity.LOW, SocialSecurity.NONE
    for kind, rows in (
        (TableKind.STANDARD_DEDUCTION, (("7300", hi, False), ("7350", hi, True), ("7500", no, True))),
        (TableKind.STANDARD_DEDUCTION, (("7550", no, False), ("7700", lo, True))),
        (TableKind.FINNMARK, (("6300", hi, False), ("6350", hi, True), ("6500", no, True))),
        (TableKind.FINNMARK, (("6550", no, False), ("6700", lo, True))),
        (TableKind.SEAMEN, (("0100", no, True), ("0101", hi, True))),
        (TableKind.SPECIAL, (("7150", hi, True), ("7160", no, True), ("7170", no, False))),
    ):
        for number, social, twelve in rows:
            tables[number] = Table(number, kind, 0, social, twelve)
    return tables


TABLES_2026: dict[str, Table] = _tables()
TABLES: dict[int, dict[str, Table]] = {2026: TABLES_2026}


def _minimum_deduction(rules: Rules, table: Table, income: int) -> int:
    if table.kind is TableKind.SEAMEN:
        percent, cap = rules.minimum_deduction_percent_seamen, rules.minimum_deduction_max_seamen
    else:
        percent, cap = rules.minimum_deduction_percent, rules.minimum_deduction_max
    deduction = min(java_round((income * percent) / 100), cap)
    return min(max(deduction, 0), income)


def _standard_deduction(rules: Rules, table: Table, income: int) -> int:
    if not table.uses_standard_deduction():
        return 0
    return min(java_round((income * rules.standard_deduction_percent) / 100), rules.standard_deduction_max)


def _seamen_deduction(rules: Rules, table: Table, income: int) -> int:
    if table.kind is not TableKind.SEAMEN:
        return 0
    return min(java_round((income * rules.seamen_deduction_percent) / 100), rules.seamen_deduction_max)


def _step_tax(rules: Rules, income: float) -> int:
    """Trinnskatt on personal income; the brackets summed left to right as the reference does."""
    limits, percents = rules.step_limits, rules.step_percents
    if income < limits[0]:
        return 0
    total = 0.0
    for i, (lower, percent) in enumerate(zip(limits, percents, strict=True)):
        upper = limits[i + 1] if i + 1 < len(limits) else None
        if upper is None or income < upper:
            return java_round(total + ((income - lower) * percent) / 100)
        total += ((upper - lower) * percent) / 100
    raise AssertionError("unreachable")  # pragma: no cover


def _social_security(rules: Rules, table: Table, income: float) -> int:
    if income < rules.social_security_free or table.social_security is SocialSecurity.NONE:
        return 0
    if table.social_security is SocialSecurity.LOW:
        percent = rules.social_security_low_percent
    else:
        percent = rules.social_security_high_percent
    if income > rules.social_security_limit(percent):
        return java_round((income * percent) / 100)
    return java_round(((income - rules.social_security_free) * rules.social_security_phase_in_percent) / 100)


def _table_withholding(rules: Rules, table: Table, period: Period, basis: int) -> int:
    rule = PERIOD_RULES[period]
    ordinary = table.kind is TableKind.ORDINARY
    midpoint = basis // rule.bracket * rule.bracket + rule.bracket // 2
    income = java_round(midpoint * (rule.income_periods if ordinary else rule.income_periods_flat))
    personal = rules.personal_deduction_finnmark if table.kind is TableKind.FINNMARK else rules.personal_deduction
    net = float(
        income
        - _minimum_deduction(rules, table, income)
        - table.table_deduction
        - _standard_deduction(rules, table, income)
        - _seamen_deduction(rules, table, income)
        - personal
    )
    municipal = java_round((net * rules.municipal_tax_percent) / 100) if net > 0 else 0
    common_percent = rules.common_tax_percent_finnmark if table.kind is TableKind.FINNMARK else rules.common_tax_percent
    common = 0 if net < 0 else java_round((net * common_percent) / 100)
    tax = municipal + common + _step_tax(rules, float(income)) + _social_security(rules, table, float(income))
    if ordinary:
        periods = rule.withholding_periods
    elif table.twelve_months:
        periods = rule.income_periods_flat
    else:
        periods = rule.withholding_periods_flat
    per_period = tax / periods
    amount = math.floor(per_period) if table.kind is TableKind.SEAMEN else java_round(per_period)
    return min(amount, basis)


def table_for(year: int, number: str) -> Table:
    try:
        tables = TABLES[year]
    except KeyError:
        raise TabelltrekkError(f"no tables for {year} (known: {', '.join(map(str, sorted(TABLES)))})") from None
    try:
        return tables[number]
    except KeyError:
        raise TabelltrekkError(f"{number!r} is not a {year} withholding table") from None


def parse_period(value: str) -> Period:
    try:
        return Period(value)
    except ValueError:
        known = ", ".join(p.value for p in Period)
        raise TabelltrekkError(f"{value!r} is not a period (one of {known})") from None


def whole_kroner(gross: Decimal | int | str) -> int:
    """The withholding basis in whole kroner (the tables' unit; øre are cut, never rounded up)."""
    if isinstance(gross, bool):
        raise TabelltrekkError("the basis must be an amount")
    if isinstance(gross, int):
        value = Decimal(gross)
    else:
        try:
            value = Decimal(gross)
        except (InvalidOperation, TypeError, ValueError):
            raise TabelltrekkError(f"{gross!r} is not an amount") from None
    if not value.is_finite():
        raise TabelltrekkError(f"{gross!r} is not an amount")
    if value < 0:
        raise TabelltrekkError("the basis cannot be negative")
    if value >= 100_000_000:
        raise TabelltrekkError(f"{str(value)!r} is beyond any pay period")
    if value != value.quantize(Decimal("0.01")):
        raise TabelltrekkError(f"{gross!r} has more than two decimals")
    return int(value)


def withholding(number: str, period: Period | str, gross: Decimal | int | str, year: int = 2026) -> int:
    """The table withholding in whole kroner for a period's withholding basis."""
    table = table_for(year, number)
    per = period if isinstance(period, Period) else parse_period(period)
    return _table_withholding(RULES[year], table, per, whole_kroner(gross))


def surplus_percent(number: str, year: int = 2026) -> Decimal:
    """The table's percentage for pay above the printed table (3 decimals, half up)."""
    table = table_for(year, number)
    rules = RULES[year]
    low = _table_withholding(rules, table, Period.MONTH, 300_000)
    high = _table_withholding(rules, table, Period.MONTH, 1_300_000)
    return Decimal(repr((float(high) - float(low)) / 10_000)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
