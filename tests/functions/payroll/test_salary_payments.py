"""Net pay and the tax payments as one payment batch of the approved run (moto, the real handlers):
net pay per employee, forskuddstrekk and arbeidsgiveravgift as two payments with their KIDs to the
tax office's account; a retry after a crash never makes a second batch; the batch is approved under
the payment rules (step-up, the creator never alone) and goes the bank routine's way."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from lxml import etree

from klientportal.bank import outgoing
from klientportal.bootstrap import store, tenancy_service
from klientportal.repository import keys
from klientportal.repository.store import SYSTEM, Store
from klientportal.tenancy.models import ClientUpdate, Module
from tests.functions.payroll.flow import finished, run_when, strong
from tests.functions.payroll.test_payroll_walk import (  # noqa: F401
    ADMIN,
    BASE,
    CLIENT,
    CONTRIBUTION_KID,
    RUN,
    SETTINGS,
    TAX_ACCOUNT,
    WITHHOLDING_KID,
    key,
    pay,
    sim_report,
)

BUREAU_ADMIN = "admin@byraet.no"


@pytest.fixture
def computed(pay):  # noqa: F811 (the fixture imported above)
    api, _ = pay
    service = tenancy_service()
    client = service.repo.client(CLIENT)[0]
    service.update_client(client, ClientUpdate(version=client.version, modules=[*client.modules, Module.BANK]), SYSTEM)
    assert api.post(f"{BASE}/tax-card-orders", {"income_year": 2026}, user=ADMIN, headers=key()).status == 200
    run = api.post(f"{BASE}/payroll-runs", RUN, user=ADMIN, headers=key()).json
    return api, run


def _batches() -> list:
    return store().query_all(keys.client_pk(CLIENT), keys.PAYMENT_BATCH_PREFIX)


def test_the_approved_run_is_one_batch_of_net_pay_and_two_tax_payments(computed) -> None:
    api, run = computed
    r = api.post(f"{BASE}/payroll-runs/{run['run_id']}/approval", token=strong(api, ADMIN))
    assert r.status == 200, r
    bid = run_when(api, BASE, run["run_id"], ADMIN, lambda x: bool(x.get("payment_batch_id")))["payment_batch_id"]
    batch = api.get(f"{BASE}/payment-batches/{bid}", user=ADMIN)
    assert batch.status == 200, batch
    b = batch.json
    assert b["status"] == "awaiting_approval" and b["execution_date"] == "2026-03-25"
    net = {p["employee_number"]: p["net"] for p in run["payslips"]}
    got = {(x["supplier_name"], x["amount"], x.get("kid"), x.get("message")) for x in b["lines"]}
    assert got == {
        ("Kari Fast", net[1], None, "Lønn 2026-03"),
        ("Ola Time", net[2], None, "Lønn 2026-03"),
        ("Skatteetaten", "20919.00", WITHHOLDING_KID, None),
        ("Skatteetaten", "8700.00", CONTRIBUTION_KID, None),
    }
    tax = [x for x in b["lines"] if x["supplier_name"] == "Skatteetaten"]
    assert all(x["creditor_account"] == {"bban": TAX_ACCOUNT} for x in tax)
    assert b["total_ore"] == sum(int(x["amount_ore"]) for x in b["lines"])
    assert b["total_ore"] == int((sum(map(Decimal, net.values())) + 20919 + 8700) * 100)

    # the payment rules apply: above the threshold (50 000) two people; the run's approver made the
    # batch and may be one of them, never the only one
    assert b["required_approvals"] == 2
    r = api.post(
        f"{BASE}/payment-batches/{bid}/approvals", {"content_hash": b["content_hash"]}, token=strong(api, ADMIN)
    )
    assert r.status == 200 and r.json["status"] == "awaiting_approval" and r.json["approvals_missing"] == 1, r
    r = api.post(
        f"{BASE}/payment-batches/{bid}/approvals", {"content_hash": b["content_hash"]}, token=strong(api, ADMIN)
    )
    assert r.status == 409 and r.json["type"].endswith("already-approved"), r
    r = api.post(f"{BASE}/payment-batches/{bid}/approvals", {"content_hash": b["content_hash"]}, user=BUREAU_ADMIN)
    assert r.status == 401, r  # no step-up
    r = api.post(
        f"{BASE}/payment-batches/{bid}/approvals", {"content_hash": b["content_hash"]}, token=strong(api, BUREAU_ADMIN)
    )
    assert r.status == 200 and r.json["status"] in ("approved", "sent"), r
    for _ in range(50):  # the workflow marks it sent and hands it to the bank routine
        sent = api.get(f"{BASE}/payment-batches/{bid}", user=ADMIN).json
        if sent["status"] == "sent":
            break
        time.sleep(0.2)
    assert sent["status"] == "sent", sent
    assert len(_batches()) == 1

    # the bank routine's pain.001 of it: four transfers, the tax payments with their own KIDs
    batch_data = _batches()[0].data
    pain, _ = outgoing.build_for_batch(
        batch_data, outgoing.Debtor("Byggmester Hansen AS", "15031234503"), sent["content_hash"]
    )
    root = etree.fromstring(pain)
    transfers = [
        (t.findtext(".//{*}Cdtr/{*}Nm"), t.findtext(".//{*}InstdAmt"), t.findtext(".//{*}CdtrRefInf/{*}Ref"))
        for t in root.iter("{*}CdtTrfTxInf")
    ]
    assert sorted(transfers, key=str) == sorted(
        [
            ("Kari Fast", net[1], None),
            ("Ola Time", net[2], None),
            ("Skatteetaten", "20919.00", WITHHOLDING_KID),
            ("Skatteetaten", "8700.00", CONTRIBUTION_KID),
        ],
        key=str,
    )


def test_a_crash_after_the_batch_was_written_never_makes_a_second_batch(computed, monkeypatch) -> None:
    api, run = computed
    write = Store.write

    def committed_then_lost(self, audit_pk, changes, actor):
        saved = write(self, audit_pk, changes, actor)
        if any(c.action == "payment_batch.created" for c in changes):
            raise TimeoutError("the answer of the committed transaction was lost")
        return saved

    monkeypatch.setattr(Store, "write", committed_then_lost)
    r = api.post(f"{BASE}/payroll-runs/{run['run_id']}/approval", token=strong(api, ADMIN))
    assert r.status == 200, r
    done = run_when(api, BASE, run["run_id"], ADMIN, finished)  # the workflow's BatchPayments step retried
    monkeypatch.setattr(Store, "write", write)
    assert done["workflow"]["execution"]["status"] == "SUCCEEDED"
    assert [x.data["batch_id"] for x in _batches()] == [done["payment_batch_id"]]
    r = api.post(f"{BASE}/payroll-runs/{run['run_id']}/approval", token=strong(api, ADMIN))
    assert r.status == 409, r  # nothing is left to do: a replayed approval makes nothing
    assert len(_batches()) == 1


def test_approval_without_the_tax_payment_settings_is_refused_and_changes_nothing(computed) -> None:
    api, run = computed
    bare = {"business_orgnr": SETTINGS["business_orgnr"], "zone": "1"}
    assert api.put(f"{BASE}/payroll-settings", bare, user=ADMIN).status == 200
    r = api.post(f"{BASE}/payroll-runs/{run['run_id']}/approval", token=strong(api, ADMIN))
    assert r.status == 422 and r.headers["content-type"].startswith("application/problem+json"), r
    assert {e["field"] for e in r.json["errors"]} == {
        "payroll_settings.tax_account",
        "payroll_settings.withholding_kid",
        "payroll_settings.contribution_kid",
    }
    after = api.get(f"{BASE}/payroll-runs/{run['run_id']}", user=ADMIN).json
    assert after["status"] == "awaiting_approval" and after["decision"] is None
    assert _batches() == [] and store().query_all(keys.client_pk(CLIENT), "JOURNAL#lonn#") == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("withholding_kid", "20260312"), ("contribution_kid", "12a4"), ("tax_account", "76940501005")],
)
def test_a_bad_kid_or_tax_account_in_the_settings_is_refused(computed, field: str, value: str) -> None:
    api, _ = computed
    r = api.put(f"{BASE}/payroll-settings", {**SETTINGS, field: value}, user=ADMIN)
    assert r.status == 422 and r.headers["content-type"].startswith("application/problem+json"), r
    assert [e["field"] for e in r.json["errors"]] == [field]
    assert api.get(f"{BASE}/payroll-settings", user=ADMIN).json == SETTINGS
