"""Payroll's legal rates for 2026, each with its source (decision 0904 says which were verified how).

Money is Decimal kroner; percentages are Decimal percent.
"""

from __future__ import annotations

from decimal import Decimal

# Arbeidsgiveravgift by zone, 2026 (DESIGN.md 5c; Stortingets vedtak om arbeidsgiveravgift 2026).
CONTRIBUTION_PERCENT: dict[str, Decimal] = {
    "1": Decimal("14.1"),
    "1a": Decimal("10.6"),  # until the year's allowance is used, then the zone-1 rate
    "2": Decimal("10.6"),
    "3": Decimal("6.4"),
    "4": Decimal("5.1"),
    "4a": Decimal("7.9"),
    "5": Decimal("0"),
}
ZONE_IA_FULL_PERCENT = Decimal("14.1")
# The zone-Ia allowance (fribeløp): the most an undertaking saves a year by the reduced rate.
ZONE_IA_ALLOWANCE = Decimal("850000")

# Ferieloven § 10: 10.2 % (12 % with the fifth week by agreement), + 2.3 points for employees who
# turn 60 during the holiday year, on a basis of at most 6 G.
HOLIDAY_PAY_PERCENT = Decimal("10.2")
HOLIDAY_PAY_PERCENT_FIFTH_WEEK = Decimal("12.0")
HOLIDAY_PAY_60_EXTRA_PERCENT = Decimal("2.3")
# Folketrygdens grunnbeløp from 1 May 2025 (the G of the 2026 holiday pay accrual until the new
# G of 1 May 2026 is entered here).
G = Decimal("130160")

# Without a tax card the employer withholds 50 % (skattebetalingsforskriften § 5-10-5).
NO_TAX_CARD_PERCENT = Decimal("50")
# Overtime: at least 40 % on top of the hourly wage (arbeidsmiljøloven § 10-6 (11)).
OVERTIME_SUPPLEMENT_PERCENT = Decimal("40")
# The usual holiday-pay month (feriepenger paid in June); a run may name another.
HOLIDAY_PAY_MONTH = 6
