"""Amounts and dates as printed on invoices (US and Norwegian formats)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klientportal.vouchers.parsing import parse_amount, parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$1,234.56", "1234.56"),
        ("1 234,56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("kr 100,-", "100"),
        ("(12.50)", "-12.50"),
        ("$-1,136.16", "-1136.16"),
        ("899.99 S", "899.99"),
        ("1,316.00", "1316.00"),
        ("1,234", "1234"),
        ("12,5", "12.5"),
        ("kr 1\u00a0234,50", "1234.50"),
        ("1,234,567.89", "1234567.89"),
        ("Total: 1 801,78 kr", "1801.78"),
        ("500-", "-500"),
        ("1 234,56 2 345,00", "1234.56"),
        ("4.5", "4.5"),
    ],
)
def test_amounts(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "$", "--", "9" * 40, None])
def test_not_amounts(text: str | None) -> None:
    assert parse_amount(text) is None


@given(st.decimals(min_value=Decimal("-9999999.99"), max_value=Decimal("9999999.99"), places=2))
def test_us_and_norwegian_formats_round_trip(value: Decimal) -> None:
    us = f"{value:,.2f}"
    norwegian = us.replace(",", " ").replace(".", ",")
    assert parse_amount(f"${us}") == value
    assert parse_amount(f"kr {norwegian}") == value
    assert isinstance(parse_amount(us), Decimal)


@pytest.mark.parametrize(
    ("text", "expected", "ambiguous"),
    [
        ("12 March 2020", date(2020, 3, 12), False),
        ("Thursday, 26 March 2020", date(2020, 3, 26), False),
        ("01/31/2021", date(2021, 1, 31), False),
        ("01-Jan-2021", date(2021, 1, 1), False),
        ("12/07/2019", date(2019, 12, 7), True),
        ("13/07/2019", date(2019, 7, 13), False),
        ("30.06.2013", date(2013, 6, 30), False),
        ("30. juni 2013", date(2013, 6, 30), False),
        ("March 12, 2019", date(2019, 3, 12), False),
        ("2024-02-29", date(2024, 2, 29), False),
    ],
)
def test_dates(text: str, expected: date, ambiguous: bool) -> None:
    assert parse_date(text) == (expected, ambiguous)


@pytest.mark.parametrize("text", ["", "no date", "31.02.2023", "13/13/2020"])
def test_not_dates(text: str) -> None:
    assert parse_date(text) is None
