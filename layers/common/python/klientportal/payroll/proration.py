"""A fixed monthly salary for the part of the month someone was employed (decision 0940), pure.

Method: by working days. The month's salary × the working days employed ÷ the working days of the
month, where a working day is Monday–Friday that is not a public holiday (helligdagsloven § 2 and
1 and 17 May, lov om 1. og 17. mai som høgtidsdager). Public holidays count on neither side, so a
full month is always the whole salary, and a month with fewer working days pays more per day.
Rounding: the exact quotient to øre, half up (the only rounding; nothing is rounded before it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from klientportal.payments.business_days import easter_sunday

CENT = Decimal("0.01")


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[date]:
    """Norwegian public holidays of `year` (the weekday ones matter here; 24 and 31 December are
    working days, unlike bank holidays)."""
    easter = easter_sunday(year)
    moving = (-3, -2, 0, 1, 39, 49, 50)  # skjærtorsdag, langfredag, påskedag, 2. påskedag, Kr. himmelfart, pinse
    fixed = ((1, 1), (5, 1), (5, 17), (12, 25), (12, 26))
    return frozenset({easter + timedelta(days=d) for d in moving} | {date(year, m, d) for m, d in fixed})


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def working_days(first: date, last: date) -> int:
    """Working days from `first` to `last`, both included (0 when last < first)."""
    count = 0
    day = first
    while day <= last:
        count += is_working_day(day)
        day += timedelta(days=1)
    return count


@dataclass(frozen=True)
class Share:
    """The part of the month employed: from, to (inside the month) and the working days."""

    employed_from: date
    employed_to: date
    employed_days: int
    month_days: int

    @property
    def whole(self) -> bool:
        return self.employed_days == self.month_days


def employed_share(month_first: date, month_last: date, start: date, end: date | None) -> Share | None:
    """The employment's share of the month; None when it does not overlap the month at all."""
    employed_from = max(month_first, start)
    employed_to = month_last if end is None else min(month_last, end)
    if employed_to < employed_from:
        return None
    return Share(
        employed_from,
        employed_to,
        working_days(employed_from, employed_to),
        working_days(month_first, month_last),
    )


def prorated(monthly: Decimal, share: Share) -> Decimal:
    """The salary for the share: the whole salary for a whole month, else to øre, half up."""
    if share.whole:
        return monthly
    return (monthly * share.employed_days / share.month_days).quantize(CENT, rounding=ROUND_HALF_UP)
