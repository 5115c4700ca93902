"""The a-melding deadline: the 5th of the month after, moved past weekends and public holidays."""

from __future__ import annotations

from datetime import date

import pytest

from klientportal.payroll.reminders import deadline, previous_month


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("2026-01", date(2026, 2, 5)),  # a Thursday
        ("2026-03", date(2026, 4, 7)),  # 5 April is Easter Sunday, the 6th 2. påskedag
        ("2026-08", date(2026, 9, 7)),  # a Saturday: the Monday
        ("2026-12", date(2027, 1, 5)),  # into the next year
    ],
)
def test_deadline(period: str, expected: date) -> None:
    assert deadline(period) == expected


def test_the_month_reminded_is_the_one_before() -> None:
    assert previous_month(date(2026, 4, 4)) == "2026-03"
    assert previous_month(date(2027, 1, 2)) == "2026-12"
