"""Billing months (YYYY-MM, Europe/Oslo): parsing, the month of an instant, neighbours."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from klientportal import clock

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """A month written YYYY-MM; ValueError otherwise."""
        m = _MONTH.match(text or "")
        if not m:
            raise ValueError(f"not a month (YYYY-MM): {text!r}")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def of_instant(cls, at: str | datetime) -> Month:
        """The Oslo month of an ISO instant (an audit event's `at`)."""
        moment = datetime.fromisoformat(at) if isinstance(at, str) else at
        return cls.of(clock.today_oslo(moment))

    @classmethod
    def current(cls) -> Month:
        return cls.of(clock.today_oslo())

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def next(self) -> Month:
        return Month(self.year + (self.month == 12), 1 if self.month == 12 else self.month + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), 12 if self.month == 1 else self.month - 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"
