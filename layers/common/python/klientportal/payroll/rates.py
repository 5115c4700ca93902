"""Payroll's legal rates for 2026, each with its source and how far it was verified (decision 0942).

Money is Decimal kroner; percentages are Decimal percent.
"""

from __future__ import annotations

from decimal import Decimal

# Arbeidsgiveravgift by zone, 2026, ordinary industries. Confirmed by secondary 2026 tables (Langseth
# Revisjon "Avgiftssatser 2026", aktuellesatser.no; kontohjelp.no) and consistent with Skatteetaten's
# v2.3 a-melding example (zone 1a at 14.1 %); Skatteetaten's own 2026 page was not found (0942).
# The extra 5 % above 850 000 was abolished from 2025 and is not computed.
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
# The zone-Ia allowance (fribeløp for bagatellmessig støtte): the most an undertaking saves a year by
# the reduced rate. 850 000 from 2024 per Skatteetaten's SKD-melding for 2024; 2026 per Langseth
# Revisjon's 2026 table (secondary).
ZONE_IA_ALLOWANCE = Decimal("850000")

# Ferieloven § 10 (2)–(3) (checked, Arbeidstilsynet's copy): 10.2 %, + 2.3 points for employees with
# the 60+ extra week (turning 60 in the holiday year) on at most 6 G of the G in force on 31 December
# of the earning year; 12 % with the fifth week is the tariff agreements' figure, not the law's.
HOLIDAY_PAY_PERCENT = Decimal("10.2")
HOLIDAY_PAY_PERCENT_FIFTH_WEEK = Decimal("12.0")
HOLIDAY_PAY_60_EXTRA_PERCENT = Decimal("2.3")
# Folketrygdens grunnbeløp from 1 May 2025. NOT VERIFIED here (0942): neither this figure nor the G
# of 1 May 2026 was found. The 60+ holiday pay cap for 2026 earnings should use the 1 May 2026 G.
G = Decimal("130160")

# Without a tax card the employer withholds 50 % (skattebetalingsforskriften § 5-10-5).
NO_TAX_CARD_PERCENT = Decimal("50")
# Overtime: at least 40 % on top of the hourly wage (arbeidsmiljøloven § 10-6 (11)).
OVERTIME_SUPPLEMENT_PERCENT = Decimal("40")
# The usual holiday-pay month (feriepenger paid in June); a run may name another.
HOLIDAY_PAY_MONTH = 6
