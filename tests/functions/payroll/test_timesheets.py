"""Hours (moto, the real handlers): registered per day, checked, submitted, approved and locked; the
approved weeks are the hourly employee's payroll basis (each day in its own month)."""

from __future__ import annotations

from typing import Any

import pytest

from klientportal.bootstrap import store
from klientportal.repository import keys
from tests.functions.payroll.test_payroll_walk import ADMIN, BASE, CLIENT, RUN, key, pay, sim_report  # noqa: F401

OLA = f"{BASE}/timesheets/2"


def day(d: str, hours: str, **more: Any) -> dict[str, Any]:
    return {"date": d, "hours": hours, "project": "P-100", "activity": "snekring", "customer_number": 1, **more}


WEEK_11 = [day(f"2026-03-{d:02d}", "7.5", billable=True) for d in range(9, 14)] + [
    day("2026-03-13", "2", overtime=True, comment="Lekkasje hos kunden")
]


@pytest.fixture
def sheets(pay):  # noqa: F811 (the fixture imported above)
    api, _ = pay
    return api


def _put(api, week: str, entries: list, version: int = 0):
    return api.put(f"{OLA}/{week}", {"version": version, "entries": entries}, user=ADMIN)


def test_hours_are_checked_and_a_submitted_or_approved_week_is_locked(sheets) -> None:
    api = sheets
    r = _put(api, "2026-W11", WEEK_11)
    assert r.status == 200 and r.json["status"] == "open" and r.json["version"] == 1, r
    saved = r.json
    bad = [
        ([day("2026-03-09", "-1")], "entries.0.hours"),
        ([day("2026-03-09", "25")], "entries.0.hours"),
        ([day("2026-03-09", "7.555")], "entries.0.hours"),
        ([day("2026-03-09", "16"), day("2026-03-09", "8.5")], "entries.1.hours"),
        ([day("2026-03-16", "7.5")], "entries.0.date"),
        ([{**day("2026-03-09", "7.5"), "minutes": 3}], "entries.0.minutes"),
    ]
    for entries, field in bad:
        r = _put(api, "2026-W11", entries, version=1)
        assert r.status == 422 and r.headers["content-type"].startswith("application/problem+json"), (field, r)
        assert field in [e["field"] for e in r.json["errors"]], (field, r.json)
    for week in ("2025-W53", "2026-W60"):
        assert _put(api, week, WEEK_11[:1]).status == 422
    assert _put(api, "2026-W11", WEEK_11[:1], version=0).status == 409  # stale
    assert api.get(f"{OLA}/2026-W11", user=ADMIN).json == saved  # nothing changed
    assert api.put(f"{BASE}/timesheets/99/2026-W11", {"version": 0, "entries": []}, user=ADMIN).status == 404

    r = api.post(f"{OLA}/2026-W11/submission", user=ADMIN)
    assert r.status == 200 and r.json["status"] == "submitted", r
    for status in ("submitted", "approved"):
        r = _put(api, "2026-W11", WEEK_11[:1], version=r.json["version"])
        assert r.status == 409 and r.json["type"].endswith("week-locked"), r
        assert r.json["current_status"] == status
        if status == "submitted":
            r = api.post(f"{OLA}/2026-W11/approval", user=ADMIN)
            assert r.status == 200 and r.json["status"] == "approved", r
    assert api.post(f"{OLA}/2026-W11/approval", user=ADMIN).status == 409  # approved once
    assert api.get(f"{OLA}/2026-W11", user=ADMIN).json["entries"] == saved["entries"]
    assert api.post(f"{OLA}/2026-W12/submission", user=ADMIN).status == 409  # nothing registered


def _approve(api, week: str, entries: list) -> None:
    assert _put(api, week, entries).status == 200
    assert api.post(f"{OLA}/{week}/submission", user=ADMIN).status == 200
    assert api.post(f"{OLA}/{week}/approval", user=ADMIN).status == 200


def test_approved_hours_are_the_hourly_employees_payroll_basis(sheets) -> None:
    api = sheets
    _approve(api, "2026-W11", WEEK_11)
    _approve(api, "2026-W14", [day("2026-03-31", "4"), day("2026-04-01", "5")])  # across the month's end
    assert _put(api, "2026-W12", [day("2026-03-16", "8")]).status == 200  # not approved: not paid
    assert api.post(f"{BASE}/tax-card-orders", {"income_year": 2026}, user=ADMIN, headers=key()).status == 200
    r = api.post(f"{BASE}/payroll-runs", RUN, user=ADMIN, headers=key())  # the body says 96.5 and 4
    assert r.status == 201, r
    assert r.json["hours_from_timesheets"] == [2]
    ola = next(p for p in r.json["payslips"] if p["employee_number"] == 2)
    # 37.5 + 4 (31 March) = 41.5 hours × 250; overtime 2 × 250 × 1.4
    assert [(i["description"], i["quantity"], i["amount"]) for i in ola["incomes"]] == [
        ("timeloenn", "41.5", "10375.00"),
        ("overtidsgodtgjoerelse", "2", "700.00"),
    ]
    weeks = store().query_all(keys.client_pk(CLIENT), keys.TIMESHEET_PREFIX)
    assert {w.data["week"]: w.data["status"] for w in weeks} == {
        "2026-W11": "approved",
        "2026-W12": "open",
        "2026-W14": "approved",
    }
