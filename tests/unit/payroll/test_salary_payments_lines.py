"""The run's payments as batch lines: net pay per employee, the two tax payments with their own KIDs,
no payment of zero, the execution date on a bank business day no later than the pay date."""

from __future__ import annotations

from datetime import date

import pytest

from klientportal.payments.content import content_hash
from klientportal.payroll.salary_payments import batch_id, execution_date, missing_settings, payment_lines

SETTINGS = {"tax_account": "76940501004", "withholding_kid": "20260311", "contribution_kid": "97400016"}
RUN = {
    "run_id": "pr-2026-05-0a1b2c3d",
    "period": "2026-05",
    "pay_date": "2026-05-20",
    "totals": {"withholding": 8157, "contribution": 0},
}
SLIPS = [
    {"employee_number": 1, "name": "Kari Fast", "net": "26843.00", "bank_account": "86011117947"},
    {"employee_number": 4, "name": "Null Lønn", "net": "0.00", "bank_account": "86011117947"},
]


def test_net_pay_per_employee_and_withholding_with_its_kid_no_line_of_zero() -> None:
    lines = payment_lines(RUN, SLIPS, SETTINGS)
    assert [
        (x["voucher_id"], x["amount_ore"], x.get("kid"), x.get("message"), x["creditor_account"]) for x in lines
    ] == [
        ("lonn-pr-2026-05-0a1b2c3d-000001", 2684300, None, "Lønn 2026-05", {"bban": "86011117947"}),
        ("skatt-pr-2026-05-0a1b2c3d-forskuddstrekk", 815700, "20260311", None, {"bban": "76940501004"}),
    ]
    content_hash("2026-05-20", lines)  # the payments' own hash takes the lines as they are


def test_the_settings_needed_are_named() -> None:
    assert [e.field for e in missing_settings(RUN, {"tax_account": "76940501004"})] == [
        "payroll_settings.withholding_kid"
    ]
    both = {**RUN, "totals": {"withholding": 1, "contribution": 1}}
    assert {e.field for e in missing_settings(both, {})} == {
        "payroll_settings.tax_account",
        "payroll_settings.withholding_kid",
        "payroll_settings.contribution_kid",
    }
    assert missing_settings(RUN, SETTINGS) == []


@pytest.mark.parametrize(
    ("pay_date", "today", "expected"),
    [
        (date(2026, 3, 25), date(2026, 3, 20), date(2026, 3, 25)),  # a Wednesday
        (date(2026, 5, 17), date(2026, 5, 1), date(2026, 5, 15)),  # Sunday and Constitution Day: the Friday before
        (date(2026, 12, 25), date(2026, 12, 1), date(2026, 12, 23)),  # Christmas, and the 24th is no bank day
        (date(2026, 3, 25), date(2026, 3, 27), date(2026, 3, 27)),  # the pay date has passed: today
        (date(2026, 3, 29), date(2026, 3, 28), date(2026, 3, 30)),  # nothing left before it: the next bank day
    ],
)
def test_the_execution_date(pay_date: date, today: date, expected: date) -> None:
    assert execution_date(pay_date, today) == expected


def test_one_batch_id_per_run() -> None:
    assert batch_id("c-a", "pr-1") == batch_id("c-a", "pr-1") != batch_id("c-a", "pr-2") != batch_id("c-b", "pr-1")
