"""Payroll's request bodies take the project's strict boundary types (decision 0010, 0950): a flag
is true/false, a number a JSON integer, a date a string yyyy-mm-dd, a text one line without control
characters. Each refusal is a 422 problem naming the field, with nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from klientportal.bootstrap import store
from klientportal.repository import keys
from tests.functions.payroll.flow import register_customer
from tests.functions.payroll.test_payroll_walk import ADMIN, BASE, CLIENT, EMPLOYEES, RUN, key, pay, sim_report  # noqa: F401

OLA = f"{BASE}/timesheets/2"


def _entry(**more: Any) -> dict[str, Any]:
    return {"date": "2026-03-09", "hours": "7.5", "project": "P-100", "customer_number": 1, **more}


@pytest.fixture
def payroll(pay):  # noqa: F811 (the fixture imported above)
    api, _ = pay
    register_customer(CLIENT)
    return api


def _refused(r, field: str) -> None:
    assert r.status == 422 and r.headers["content-type"].startswith("application/problem+json"), (field, r)
    assert field in [e["field"] for e in r.json["errors"]], (field, r.json)


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        (_entry(billable="yes"), "entries.0.billable"),
        (_entry(billable=1), "entries.0.billable"),
        (_entry(overtime="true"), "entries.0.overtime"),
        (_entry(customer_number="1"), "entries.0.customer_number"),
        (_entry(customer_number=True), "entries.0.customer_number"),
        (_entry(date=1773014400), "entries.0.date"),
        (_entry(date="2026-03-09T00:00:00"), "entries.0.date"),
        (_entry(project="P-1\x00"), "entries.0.project"),
        (_entry(project="P-1\u202e"), "entries.0.project"),
        (_entry(activity="snekring\x1b[2J"), "entries.0.activity"),
        (_entry(comment="linje 1\nlinje 2"), "entries.0.comment"),
    ],
)
def test_an_hour_entry_takes_strict_types(payroll, entry, field) -> None:
    r = payroll.put(f"{OLA}/2026-W11", {"version": 0, "entries": [entry]}, user=ADMIN)
    _refused(r, field)
    assert store().query_all(keys.client_pk(CLIENT), keys.TIMESHEET_PREFIX) == []


def test_a_week_version_is_a_json_integer(payroll) -> None:
    _refused(payroll.put(f"{OLA}/2026-W11", {"version": "0", "entries": [_entry()]}, user=ADMIN), "version")


@pytest.mark.parametrize(
    ("employee", "entries", "field", "fragment"),
    [
        (2, [_entry(billable=True, customer_number=None)], "entries.0.customer_number", "need the customer"),
        (2, [_entry(), _entry(date="2026-03-10", customer_number=7)], "entries.1.customer_number", "no customer 7"),
        (2, [_entry(billable=True, customer_number=7)], "entries.0.customer_number", "no customer 7"),
        (3, [_entry(customer_number=None)], "entries.0.date", "after the employment ended (2026-01-31)"),
    ],
)
def test_hours_need_a_registered_customer_and_an_employment(payroll, employee, entries, field, fragment) -> None:
    r = payroll.put(f"{BASE}/timesheets/{employee}/2026-W11", {"version": 0, "entries": entries}, user=ADMIN)
    _refused(r, field)
    assert any(e["field"] == field and fragment in e["message"] for e in r.json["errors"]), r.json
    assert store().query_all(keys.client_pk(CLIENT), keys.TIMESHEET_PREFIX) == []


def test_hours_before_the_employment_starts_are_refused(payroll) -> None:
    r = payroll.put(f"{OLA}/2025-W30", {"version": 0, "entries": [_entry(date="2025-07-21")]}, user=ADMIN)
    _refused(r, "entries.0.date")
    assert "before the employment starts (2025-08-01)" in r.json["errors"][0]["message"]


def test_hours_without_a_customer_and_not_billable_are_fine(payroll) -> None:
    r = payroll.put(f"{OLA}/2026-W11", {"version": 0, "entries": [_entry(customer_number=None)]}, user=ADMIN)
    assert r.status == 200, r


ASK = {"customer_number": 1, "date_from": "2026-03-01", "date_to": "2026-03-31", "product_number": "TIME"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**ASK, "customer_number": "1"}, "customer_number"),
        ({**ASK, "date_from": 1772323200}, "date_from"),
        ({**ASK, "date_to": "2026-03-31T23:59:59"}, "date_to"),
        ({**ASK, "product_number": "TI\x00ME"}, "product_number"),
    ],
)
def test_an_hours_invoice_request_takes_strict_types(payroll, body, field) -> None:
    _refused(payroll.post(f"{BASE}/hours-invoices", body, user=ADMIN, headers=key()), field)


def _deduction(**more: Any) -> dict[str, Any]:
    return {"kind": "other", "amount": "100", "text": "Lån", **more}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**RUN, "pay_date": 1774396800}, "pay_date"),
        ({**RUN, "pay_date": "2026-03-25T00:00:00Z"}, "pay_date"),
        ({**RUN, "holiday_pay_month": "6"}, "holiday_pay_month"),
        ({**RUN, "holiday_pay_month": True}, "holiday_pay_month"),
        ({**RUN, "employees": {"2.0": {"hours": "1"}}}, "employees.2.0.[key]"),
        ({**RUN, "employees": {"02": {"hours": "1"}}}, "employees.02.[key]"),
        ({**RUN, "employees": {"2": {"deductions": [_deduction(text="Lån\x00")]}}}, "employees.2.deductions.0.text"),
        ({**RUN, "employees": {"2": {"deductions": [_deduction(text="Lån\r\nX")]}}}, "employees.2.deductions.0.text"),
        ({**RUN, "employees": {"2": {"lines": [{"salary_type": "bonus", "amount": "1", "text": "\x07"}]}}}, None),
    ],
)
def test_a_run_request_takes_strict_types(payroll, body, field) -> None:
    r = payroll.post(f"{BASE}/payroll-runs", body, user=ADMIN, headers=key())
    _refused(r, field or "employees.2.lines.0.text")
    assert store().query_all(keys.client_pk(CLIENT), keys.PAYROLL_RUN_PREFIX) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [({"income_year": "2026"}, "income_year"), ({"income_year": 2026, "changes_only": "yes"}, "changes_only")],
)
def test_a_tax_card_order_takes_strict_types(payroll, body, field) -> None:
    _refused(payroll.post(f"{BASE}/tax-card-orders", body, user=ADMIN, headers=key()), field)


def test_a_rejection_reason_is_one_line_of_text(payroll) -> None:
    r = payroll.post(f"{BASE}/payroll-runs/r-none/rejection", {"reason": "nei\x00"}, user=ADMIN)
    _refused(r, "reason")
    _refused(payroll.post(f"{BASE}/payroll-runs/r-none/rejection", {"reason": "   "}, user=ADMIN), "reason")


@pytest.mark.parametrize("value", [1704067200, "2024-03-01T00:00:00"])
def test_an_employment_date_is_a_date_string(payroll, value) -> None:
    body = {**EMPLOYEES[0], "employee_number": 9, "employment_start": value}
    _refused(payroll.post(f"{BASE}/employees", body, user=ADMIN, headers=key()), "employment_start")
    assert store().get(keys.client_pk(CLIENT), keys.register_sk("employee", 9)) is None
