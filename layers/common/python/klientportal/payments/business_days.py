"""Norwegian bank business days (Europe/Oslo): no weekends, no public holidays (helligdager), and
not 24 or 31 December, when Norwegian banks and Norges Bank's settlement are closed."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache


def easter_sunday(year: int) -> date:
    """Western Easter Sunday (the anonymous Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[date]:
    """The weekdays and Sundays on which Norwegian banks do not execute payments (weekends aside)."""
    easter = easter_sunday(year)
    moving = (-3, -2, 0, 1, 39, 49, 50)  # skjærtorsdag, langfredag, påskedag, 2. påskedag, Kristi himmelfart, pinse
    fixed = ((1, 1), (5, 1), (5, 17), (12, 24), (12, 25), (12, 26), (12, 31))
    return frozenset({easter + timedelta(days=d) for d in moving} | {date(year, m, d) for m, d in fixed})


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def next_business_day(day: date) -> date:
    """`day` itself when it is a business day, else the first business day after it."""
    while not is_business_day(day):
        day += timedelta(days=1)
    return day
