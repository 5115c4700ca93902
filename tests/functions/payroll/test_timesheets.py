"""Hours (moto, the real handlers): registered per day, checked, submitted, approved and locked; the
approved weeks are the hourly employee's payroll basis (each day in its own month)."""

from __future__ import annotations

from typing import Any

import pytest

from klientportal.bootstrap import store
from klientportal.registers.service import REGISTERS, RegisterService
from klientportal.repository import keys
from klientportal.repository.store import SYSTEM, Store
from tests.functions.payroll.flow import register_customer
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
    register_customer(CLIENT)
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


def _invoiced_once(sheets) -> str:
    api = sheets
    registers = RegisterService(store(), CLIENT)
    spec = REGISTERS["products"]
    item = {"product_number": "TIME", "name": "Snekkertime", "unit": "HUR", "unit_price": "850.00"}
    registers.create(spec, spec.create.model_validate(item), SYSTEM)
    _approve(
        api,
        "2026-W11",
        [*WEEK_11, day("2026-03-12", "1", billable=False), day("2026-03-12", "1.5", project="P-7", billable=True)],
    )
    assert _put(api, "2026-W12", [day("2026-03-16", "8", billable=True)]).status == 200  # not approved: not invoiced
    ask = {"customer_number": 1, "date_from": "2026-03-01", "date_to": "2026-03-31", "product_number": "TIME"}
    r = api.post(f"{BASE}/hours-invoices", ask, user=ADMIN, headers=key())
    assert r.status == 201, r
    # P-100: 5 × 7.5 billable (the overtime and the 1 hour are not billable); P-7: 1.5
    assert r.json["lines"] == [
        {"description": "Timer prosjekt P-100 2026-03-01–2026-03-31", "quantity": "37.5"},
        {"description": "Timer prosjekt P-7 2026-03-01–2026-03-31", "quantity": "1.5"},
    ]
    invoice = api.get(f"{BASE}/invoices/{r.json['invoice_id']}", user=ADMIN)
    assert invoice.status == 200 and invoice.json["status"] == "draft", invoice
    assert [(x["quantity"], x["unit_price"]) for x in invoice.json["lines"]] == [("37.5", "850.00"), ("1.5", "850.00")]

    again = api.post(f"{BASE}/hours-invoices", ask, user=ADMIN, headers=key())  # every hour is invoiced
    assert again.status == 409 and again.json["already_invoiced"] == 6, again
    claims = store().query_all(keys.client_pk(CLIENT), keys.HOUR_CLAIM_PREFIX)
    assert len(claims) == 6 and {c.data["invoice_id"] for c in claims} == {r.json["invoice_id"]}
    drafts = [x for x in store().query_all(keys.client_pk(CLIENT), keys.INVOICE_PREFIX) if x.entity == "invoice"]
    assert len(drafts) == 1
    bad = api.post(f"{BASE}/hours-invoices", {**ask, "date_to": "2026-02-01"}, user=ADMIN, headers=key())
    assert bad.status == 422, bad
    return r.json["invoice_id"]


def test_billable_approved_hours_become_one_invoice_draft_and_are_never_invoiced_twice(sheets) -> None:
    _invoiced_once(sheets)


def test_a_concurrent_invoice_of_the_same_hours_writes_nothing(sheets, monkeypatch) -> None:
    first = _invoiced_once(sheets)
    get_many = Store.get_many

    def read_before_the_other_wrote(self, wanted):  # the claims look free, as they did before the other's write
        return {k: (None if k[1].startswith(keys.HOUR_CLAIM_PREFIX) else v) for k, v in get_many(self, wanted).items()}

    monkeypatch.setattr(Store, "get_many", read_before_the_other_wrote)
    ask = {"customer_number": 1, "date_from": "2026-03-01", "date_to": "2026-03-31", "product_number": "TIME"}
    r = sheets.post(f"{BASE}/hours-invoices", ask, user=ADMIN, headers=key())
    assert r.status == 409, r
    monkeypatch.undo()
    drafts = [x for x in store().query_all(keys.client_pk(CLIENT), keys.INVOICE_PREFIX) if x.entity == "invoice"]
    assert [d.data["id"] for d in drafts] == [first]
    assert {c.data["invoice_id"] for c in store().query_all(keys.client_pk(CLIENT), keys.HOUR_CLAIM_PREFIX)} == {first}


def test_approved_hours_after_the_employment_ended_are_refused_not_paid(sheets) -> None:
    api = sheets
    _approve(api, "2026-W11", WEEK_11)  # 9–13 March
    version = api.get(f"{BASE}/employees/2", user=ADMIN).json["version"]
    r = api.patch(
        f"{BASE}/employees/2",
        {"version": version, "employment_end": "2026-03-11", "end_reason": "kontraktenErUtloept"},
        user=ADMIN,
        headers=key(),
    )
    assert r.status == 200, r
    assert api.post(f"{BASE}/tax-card-orders", {"income_year": 2026}, user=ADMIN, headers=key()).status == 200
    r = api.post(f"{BASE}/payroll-runs", RUN, user=ADMIN, headers=key())
    assert r.status == 422, r
    assert {"field": "employees.2.hours", "message": "approved hours on 2026-03-12, 2026-03-13, not employed"} in (
        r.json["errors"]
    )
    assert store().query_all(keys.client_pk(CLIENT), keys.PAYROLL_RUN_PREFIX) == []
