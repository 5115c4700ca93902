"""A supplier's bank account changes only with a second person's approval; until then no batch pays
the new account."""

from __future__ import annotations

from klientportal.bootstrap import store
from klientportal.repository import keys
from tests.functions.payments.conftest import ACCOUNTANT, BASE, CLIENT_ADMIN, FJORD

NEW = "12345678903"


def _supplier(api, number: int = 101) -> dict:
    return api.get(f"{BASE}/suppliers/{number}", user=ACCOUNTANT).json


def test_editing_the_account_is_refused_with_the_way_to_change_it(pay, api):
    s = _supplier(api)
    r = api.patch(f"{BASE}/suppliers/101", {"version": s["version"], "bank_account": NEW}, user=ACCOUNTANT)
    assert r.status == 409 and r.json["type"].endswith("/supplier-account-change-needs-approval"), r
    assert r.json["errors"][0]["field"] == "bank_account"
    assert _supplier(api)["bank_account"] == s["bank_account"] and _supplier(api)["version"] == s["version"]
    ok = api.patch(f"{BASE}/suppliers/101", {"version": s["version"], "email": "post@kontorland.no"}, user=ACCOUNTANT)
    assert ok.status == 200, ok  # other fields change as before


def test_a_pending_change_blocks_payment_to_the_new_account_until_a_second_person_approves(pay, recording, api):
    old = _supplier(api)["bank_account"]
    req = api.post(
        f"{BASE}/suppliers/101/account-change", {"bank_account": NEW, "reason": "brev fra leverandør"}, user=ACCOUNTANT
    )
    assert req.status == 201 and req.json["status"] == "pending", req
    change = req.json
    assert change["current_account"]["bank_account"] == old and change["new_account"]["bank_account"] == NEW
    twice = api.post(f"{BASE}/suppliers/101/account-change", {"bank_account": "97100000001"}, user=CLIENT_ADMIN)
    assert twice.status == 409 and twice.json["change_id"] == change["change_id"]
    assert _supplier(api)["bank_account"] == old  # the register is unchanged while pending

    vid = pay.voucher(101, "500.00", account=NEW)  # the invoice says: pay the new account
    refused = api.post(f"{BASE}/payment-batches", {}, user=ACCOUNTANT)
    assert refused.status == 409 and refused.json["type"].endswith("/payment-lines-refused"), refused
    assert refused.json["errors"][0]["field"] == f"vouchers.{vid}.creditor_account"
    assert "waits for a second person's approval" in refused.json["errors"][0]["message"]
    assert api.get(f"{BASE}/payment-proposal", user=ACCOUNTANT).json["lines"]  # nothing moved

    same = api.post(
        f"{BASE}/suppliers/101/account-change/approval", {"change_id": change["change_id"]}, user=ACCOUNTANT
    )
    assert same.status == 403 and same.json["type"].endswith("/account-change-same-person"), same
    approved = api.post(
        f"{BASE}/suppliers/101/account-change/approval",
        {"change_id": change["change_id"], "comment": "ringt leverandøren"},
        user=CLIENT_ADMIN,
    )
    assert approved.status == 200 and approved.json["status"] == "approved", approved
    assert approved.json["decided_by"]["email"] == CLIENT_ADMIN
    assert _supplier(api)["bank_account"] == NEW
    batch = api.post(f"{BASE}/payment-batches", {}, user=ACCOUNTANT)
    assert batch.status == 201 and batch.json["lines"][0]["creditor_account"] == {"bban": NEW}, batch
    history = api.get(f"{BASE}/suppliers/101/account-change", user=ACCOUNTANT).json["items"]
    assert [h["status"] for h in history] == ["approved"]
    events, _ = store().audit_events(keys.client_pk(FJORD))
    actions = [e["action"] for e in events]
    assert "supplier.account_change_requested" in actions and "supplier.account_change_approved" in actions
    assert actions.index("supplier.updated", actions.index("supplier.account_change_requested")) > 0


def test_an_account_other_than_the_suppliers_is_refused(pay, recording, api):
    vid = pay.voucher(102, "500.00", account="97100000001")
    refused = api.post(f"{BASE}/payment-batches", {}, user=ACCOUNTANT)
    assert refused.status == 409 and "not supplier 102's account" in refused.json["errors"][0]["message"], refused
    assert refused.json["errors"][0]["field"] == f"vouchers.{vid}.creditor_account"


def test_a_rejected_change_leaves_the_register(pay, api):
    change = api.post(f"{BASE}/suppliers/102/account-change", {"bank_account": NEW}, user=ACCOUNTANT).json
    r = api.post(
        f"{BASE}/suppliers/102/account-change/rejection", {"change_id": change["change_id"]}, user=CLIENT_ADMIN
    )
    assert r.status == 200 and r.json["status"] == "rejected"
    assert _supplier(api, 102)["bank_account"] == "86011117947"
    gone = api.post(
        f"{BASE}/suppliers/102/account-change/approval", {"change_id": change["change_id"]}, user=CLIENT_ADMIN
    )
    assert gone.status == 404
