"""The push API on moto: master data idempotent by external id and version-aware (every conflict
rule of docs/sync.md), journal entries into the ledger once, payment status through the invoicing
payments use case; bad input is a problem and writes nothing."""

from __future__ import annotations

import pytest

from infra.local import seed
from klientportal.bootstrap import tenancy_service

STAFF = "regnskap@byraet.no"
BASE = f"/clients/{seed.FJORD}/sync"
DEPT = f"{BASE}/master-data/departments"


def _head(api) -> int:
    return api.get(f"/clients/{seed.FJORD}/audit-events?limit=1", user="daglig@fjordkaffe.no").json["items"][0]["seq"]


def test_master_data_create_replay_update_and_stale(api):
    created = api.put(
        f"{DEPT}/ext-10", {"base_version": None, "data": {"department_number": "10", "name": "Butikk"}}, user=STAFF
    )
    assert created.status == 201 and created.json["outcome"] == "created", created
    assert created.json["version"] == 1
    head = _head(api)
    replay = api.put(
        f"{DEPT}/ext-10", {"base_version": None, "data": {"department_number": "10", "name": "Butikk"}}, user=STAFF
    )
    assert replay.status == 200 and replay.json["outcome"] == "unchanged"
    assert _head(api) == head  # nothing written

    # the portal changes it; the bureau, still on version 1, changes it too
    patched = api.patch(
        f"/clients/{seed.FJORD}/departments/10", {"version": 1, "name": "Butikken"}, user="daglig@fjordkaffe.no"
    )
    assert patched.status == 200, patched
    stale = api.put(
        f"{DEPT}/ext-10", {"base_version": 1, "data": {"department_number": "10", "name": "Kafé"}}, user=STAFF
    )
    assert stale.status == 409 and stale.json["type"].endswith("sync-conflict"), stale
    assert (stale.json["current_version"], stale.json["current"]["name"]) == (2, "Butikken")
    assert api.get(f"/clients/{seed.FJORD}/departments/10", user=STAFF).json["name"] == "Butikken"
    agree = api.put(
        f"{DEPT}/ext-10", {"base_version": 1, "data": {"department_number": "10", "name": "Butikken"}}, user=STAFF
    )
    assert agree.json["outcome"] == "unchanged"  # a stale base with the portal's content: both agree
    rebased = api.put(
        f"{DEPT}/ext-10", {"base_version": 2, "data": {"department_number": "10", "name": "Kafé"}}, user=STAFF
    )
    assert rebased.status == 200 and rebased.json["outcome"] == "updated" and rebased.json["version"] == 3
    future = api.put(
        f"{DEPT}/ext-10", {"base_version": 9, "data": {"department_number": "10", "name": "X"}}, user=STAFF
    )
    assert future.status == 422
    moved = api.put(f"{DEPT}/ext-10", {"base_version": 3, "data": {"department_number": "11", "name": "X"}}, user=STAFF)
    assert moved.status == 422  # an external id stays with its item


def test_an_item_made_in_the_portal_is_taken_over_only_from_its_version(api):
    r = api.post(f"/clients/{seed.FJORD}/departments", {"department_number": "20", "name": "Lager"}, user=STAFF)
    assert r.status == 201, r
    blind = api.put(
        f"{DEPT}/ext-20", {"base_version": None, "data": {"department_number": "20", "name": "Lageret"}}, user=STAFF
    )
    assert blind.status == 409 and blind.json["current_version"] == 1
    taken = api.put(
        f"{DEPT}/ext-20", {"base_version": 1, "data": {"department_number": "20", "name": "Lageret"}}, user=STAFF
    )
    assert taken.status == 200 and taken.json["outcome"] == "updated"
    other = api.put(f"{DEPT}/ext-99", {"base_version": 2, "data": {"department_number": "20", "name": "Y"}}, user=STAFF)
    assert other.status == 409  # linked to ext-20 already


@pytest.mark.parametrize(
    "kind, data, field",
    [
        ("accounts", {"number": "1920", "name": "Bank", "type": "asset", "standard_account_id": "1920"}, "data.number"),
        (
            "accounts",
            {"number": "1921", "name": "Bank 2", "type": "asset", "standard_account_id": "9999"},
            "data.standard_account_id",
        ),
        ("vat-codes", {"code": "H25", "standard_code": "77", "description": "?"}, "data.standard_code"),
        ("projects", {"project_number": "P1", "name": "Nytt", "customer_number": 424242}, "data.customer_number"),
        ("departments", {"department_number": "30"}, "data.name"),
    ],
)
def test_bad_master_data_is_refused_and_nothing_written(api, kind, data, field):
    head = _head(api)
    r = api.put(f"{BASE}/master-data/{kind}/bad-1", {"base_version": None, "data": data}, user=STAFF)
    assert r.status == 422 and r.headers["content-type"].startswith("application/problem+json"), r
    assert field in {e["field"] for e in r.json["errors"]}, r.json
    assert _head(api) == head


def test_other_kinds_and_who_may_push(api):
    for kind, data in (
        ("accounts", {"number": "1921", "name": "Driftskonto 2", "type": "asset", "standard_account_id": "1920"}),
        ("vat-codes", {"code": "H25", "standard_code": "3", "description": "Utgående høy sats"}),
        ("dimensions", {"dimension": "region", "code": "VEST", "name": "Vestlandet"}),
        ("projects", {"project_number": "P1", "name": "Nytt tak"}),
    ):
        r = api.put(f"{BASE}/master-data/{kind}/{kind}-1", {"base_version": None, "data": data}, user=STAFF)
        assert r.status == 201, (kind, r)
    assert any(a["number"] == "1921" for a in api.get(f"/clients/{seed.FJORD}/accounts", user=STAFF).json["items"])
    no = api.put(
        f"{DEPT}/ext-c",
        {"base_version": None, "data": {"department_number": "40", "name": "C"}},
        user="daglig@fjordkaffe.no",
    )
    assert no.status == 403


def _entry(amount: str = "1000.00", account: str = "6300") -> dict:
    return {
        "date": "2026-11-15",
        "text": "Husleie november (bokført i byråets system)",
        "postings": [
            {"account": account, "amount": amount, "text": "Husleie"},
            {"account": "1920", "amount": "-1000.00", "text": "Bank"},
        ],
    }


def test_journal_entries_are_booked_once_per_external_id(api):
    booked = api.put(f"{BASE}/journal-entries/gl-77", _entry(), user=STAFF)
    assert booked.status == 201, booked
    assert booked.json["data"]["series"] == "bilag" and booked.json["data"]["source"] == {
        "kind": "bureau",
        "id": "gl-77",
    }
    head = _head(api)
    again = api.put(f"{BASE}/journal-entries/gl-77", _entry(), user=STAFF)
    assert again.status == 200 and again.json["outcome"] == "unchanged"
    assert again.json["local_key"] == booked.json["local_key"] and _head(api) == head
    changed = api.put(f"{BASE}/journal-entries/gl-77", _entry("1000.00", "6340"), user=STAFF)
    assert changed.status == 409 and _head(api) == head


@pytest.mark.parametrize(
    "body, status",
    [(_entry(account="0999"), 422), (_entry(account="7777"), 422), (_entry(amount="900.00"), 409)],
)
def test_bad_journal_entries_write_nothing(api, body, status):
    head = _head(api)
    r = api.put(f"{BASE}/journal-entries/gl-bad", body, user=STAFF)
    assert r.status == status, r
    assert _head(api) == head


def test_payment_status_through_the_payments_use_case(api):
    seed.seed_invoicing(tenancy_service())
    invoices = api.get(f"/clients/{seed.FJORD}/invoices", user=STAFF).json["items"]
    invoice = next(i for i in invoices if i["status"] == "sent")
    body = {"invoice_id": invoice["id"], "amount": "100.00", "paid_on": "2026-11-20", "reference": "bank 1"}
    first = api.put(f"{BASE}/payments/pay-1", body, user=STAFF)
    assert first.status == 200 and first.json["outcome"] == "updated", first
    assert first.json["data"]["paid_amount"] in ("100.00", "100")
    head = _head(api)
    replay = api.put(f"{BASE}/payments/pay-1", body, user=STAFF)  # a replay: paid once, nothing written
    assert replay.status == 200 and replay.json["outcome"] == "unchanged", replay
    assert replay.json["version"] == first.json["version"] and replay.json["data"] == first.json["data"]
    assert _head(api) == head
    shown = api.get(f"/clients/{seed.FJORD}/invoices/{invoice['id']}", user=STAFF).json
    assert len(shown["payments"]) == 1
    other = api.put(f"{BASE}/payments/pay-1", {**body, "amount": "200.00"}, user=STAFF)
    assert other.status == 409


@pytest.mark.parametrize("amount", ["0.00", "-5.00"])
def test_a_pushed_payment_of_zero_or_less_is_a_422_and_writes_nothing(api, amount):
    seed.seed_invoicing(tenancy_service())
    invoices = api.get(f"/clients/{seed.FJORD}/invoices", user=STAFF).json["items"]
    invoice = next(i for i in invoices if i["status"] == "sent")
    head = _head(api)
    r = api.put(
        f"{BASE}/payments/pay-neg", {"invoice_id": invoice["id"], "amount": amount, "paid_on": "2026-11-20"}, user=STAFF
    )
    assert r.status == 422 and r.headers["content-type"] == "application/problem+json", r
    assert [e["field"] for e in r.json["errors"]] == ["amount"]
    assert _head(api) == head


@pytest.mark.parametrize("day", ["1899-12-31", "2100-01-01", "2999-12-01"])
def test_a_pushed_entry_dated_outside_the_ledgers_years_is_a_422_and_writes_nothing(api, day):
    """The ledger's queries, periods and SAF-T read the years 1900–2099: an entry outside them could be
    booked but never read (nor closed, nor exported)."""
    head = _head(api)
    r = api.put(f"{BASE}/journal-entries/gl-far", {**_entry(), "date": day}, user=STAFF)
    assert r.status == 422, r
    assert [e["field"] for e in r.json["errors"]] == ["date"]
    assert _head(api) == head
