"""Payment batches through the API on moto: made from the proposal, approved with step-up under the
four-eyes rule, every refusal a precise problem with nothing changed (the approval workflow is a
recording fake here; test_payment_workflow.py runs the real one)."""

from __future__ import annotations

from klientportal.bootstrap import store
from klientportal.repository import keys
from tests.functions.payments.conftest import ACCOUNTANT, BASE, BUREAU_ADMIN, CLIENT_ADMIN, FJORD, USER


def _problem(reply, status: int, slug: str) -> dict:
    assert reply.status == status, reply
    assert reply.headers.get("Content-Type", reply.headers.get("content-type")) == "application/problem+json"
    assert reply.json["type"].endswith("/" + slug), reply.json
    return reply.json


def _audit_actions() -> list[str]:
    events, _ = store().audit_events(keys.client_pk(FJORD))
    return [e["action"] for e in events]


def test_a_batch_freezes_the_proposal_lines_and_takes_the_vouchers(pay, recording, api):
    v1, v2 = pay.voucher(101, "802.00"), pay.voucher(102, "1500.50", kid=None)
    batch = pay.batch(execution_date="2026-12-03")
    assert batch["status"] == "awaiting_approval" and batch["line_count"] == 2
    assert batch["total"] == "2302.50" and batch["total_ore"] == 230250
    assert {x["voucher_id"]: x["amount_ore"] for x in batch["lines"]} == {v1: 80200, v2: 150050}
    assert next(x for x in batch["lines"] if x["voucher_id"] == v2)["message"] == "Faktura F-2"
    assert len(batch["content_hash"]) == 64 and batch["required_approvals"] == 1
    assert recording.calls == [("start", batch["batch_id"])]
    assert api.get(f"{BASE}/payment-proposal", user=ACCOUNTANT).json["lines"] == []
    assert pay.voucher_data(v1)["payment_batch"]["batch_id"] == batch["batch_id"]
    assert "payment_proposal" not in pay.voucher_data(v1)
    # the voucher is in no second batch, and cannot be marked paid or returned by hand
    again = api.post(f"{BASE}/payment-batches", {}, user=ACCOUNTANT)
    _problem(again, 409, "payment-proposal-empty")
    paid = api.post(f"{BASE}/vouchers/{v1}/payment", {"version": 3, "paid_on": "2026-12-03"}, user=CLIENT_ADMIN)
    assert paid.status == 409 and "payment batch" in paid.json["detail"]
    _problem(api.get(f"{BASE}/payment-batches", user=USER), 403, "forbidden")  # not given the bank module
    listed = api.get(f"{BASE}/payment-batches", user=CLIENT_ADMIN).json
    assert [b["batch_id"] for b in listed["items"]] == [batch["batch_id"]]
    assert "payment_batch.created" in _audit_actions()


def test_the_execution_date_follows_norwegian_bank_days(pay, recording, api):
    pay.voucher(101, "100.00")
    for day, slug in (("2020-01-02", "validation-error"), ("2026-12-25", "validation-error")):
        refused = _problem(api.post(f"{BASE}/payment-batches", {"execution_date": day}, user=ACCOUNTANT), 422, slug)
        assert refused["errors"][0]["field"] == "execution_date" and "next_business_day" in refused
    assert api.get(f"{BASE}/payment-proposal", user=ACCOUNTANT).json["lines"]  # nothing moved


def test_one_approval_with_step_up_approves_a_small_batch(pay, recording, api):
    pay.voucher(101, "802.00")
    batch = pay.batch()
    before = _audit_actions()
    plain = _problem(pay.approve(batch, CLIENT_ADMIN, token=api.token(CLIENT_ADMIN)), 401, "step-up-required")
    assert plain["acr_values"] and plain["max_age"] == 300
    stale = _problem(pay.approve(batch, CLIENT_ADMIN, token=pay.step_up(CLIENT_ADMIN, age=301)), 401, "step-up-stale")
    assert stale["auth_age"] >= 301
    creator = _problem(pay.approve(batch, ACCOUNTANT), 403, "forbidden")  # an accountant has no payment right
    assert creator["status"] == 403
    _problem(pay.approve(batch, CLIENT_ADMIN, content_hash="0" * 64), 409, "content-hash-mismatch")
    assert _audit_actions() == before and pay.get(batch)["approvals"] == []
    ok = pay.approve(batch, CLIENT_ADMIN)
    assert ok.status == 200, ok
    approved = ok.json
    assert approved["status"] == "approved" and approved["valid_approvals"] == 1
    assert approved["approvals"][0]["auth_level"] == "urn:grn:authn:no:bankid"
    assert ("complete", ("pa-" + batch["batch_id"], {"approved": True, "content_hash": batch["content_hash"]})) in [
        (c[0], c[1]) for c in recording.calls
    ] or ("start", batch["batch_id"]) in recording.calls
    _problem(pay.approve(batch, BUREAU_ADMIN), 409, "batch-not-awaiting-approval")
    assert _audit_actions()[-1] == "payment_batch.approved"


def test_above_the_threshold_two_different_people_and_the_creator_not_alone(pay, recording, api):
    put = api.put(
        f"{BASE}/payment-settings", {"version": 0, "two_approver_threshold": "1000.00"}, token=pay.step_up(CLIENT_ADMIN)
    )
    assert put.status == 200 and put.json["two_approver_threshold"] == "1000.00", put
    plain_put = api.put(f"{BASE}/payment-settings", {"version": 1, "two_approver_threshold": "5.00"}, user=CLIENT_ADMIN)
    _problem(plain_put, 401, "step-up-required")
    pay.voucher(101, "1000.01")
    big = api.post(f"{BASE}/payment-batches", {}, token=pay.step_up(CLIENT_ADMIN)).json  # made by a payer
    assert big["required_approvals"] == 2
    first = pay.approve(big, CLIENT_ADMIN)  # the creator may be one of two
    assert first.status == 200 and first.json["status"] == "awaiting_approval" and first.json["approvals_missing"] == 1
    _problem(pay.approve(big, CLIENT_ADMIN), 409, "already-approved")
    second = pay.approve(big, BUREAU_ADMIN)
    assert second.status == 200 and second.json["status"] == "approved"
    assert {a["email"] for a in second.json["approvals"]} == {CLIENT_ADMIN, BUREAU_ADMIN}

    pay.voucher(102, "10.00")
    small = api.post(f"{BASE}/payment-batches", {}, token=pay.step_up(CLIENT_ADMIN)).json
    assert small["required_approvals"] == 1
    alone = _problem(pay.approve(small, CLIENT_ADMIN), 409, "creator-approves-alone")
    assert alone["required_approvals"] == 1 and pay.get(small)["approvals"] == []
    assert pay.approve(small, BUREAU_ADMIN).json["status"] == "approved"


def test_a_change_after_an_approval_needs_new_approvals(pay, recording, api):
    pay.voucher(101, "40000.00")
    v2 = pay.voucher(102, "20000.00")
    batch = pay.batch()
    assert batch["required_approvals"] == 2
    assert pay.approve(batch, CLIENT_ADMIN).json["valid_approvals"] == 1
    changed = api.patch(
        f"{BASE}/payment-batches/{batch['batch_id']}",
        {"version": pay.get(batch)["version"], "remove_voucher_ids": [v2]},
        user=ACCOUNTANT,
    )
    assert changed.status == 200, changed
    new = changed.json
    assert new["content_hash"] != batch["content_hash"] and new["required_approvals"] == 1
    assert new["approvals"] == [] and new["superseded_approvals"][0]["email"] == CLIENT_ADMIN
    assert "payment_batch" not in pay.voucher_data(v2)  # freed
    # the old content cannot be approved; the new one needs a fresh approval (the same person may give it)
    _problem(pay.approve(batch, BUREAU_ADMIN), 409, "content-hash-mismatch")
    assert pay.approve(new, CLIENT_ADMIN).json["status"] == "approved"
    stale_version = api.patch(
        f"{BASE}/payment-batches/{batch['batch_id']}", {"version": 1, "execution_date": "2026-12-10"}, user=ACCOUNTANT
    )
    assert stale_version.status == 409


def test_a_replayed_approval_with_its_key_answers_the_same_and_changes_nothing(pay, recording, api):
    pay.voucher(101, "60000.00")
    batch = pay.batch()
    token = pay.step_up(CLIENT_ADMIN)
    headers = {"Idempotency-Key": "approve-1"}
    first = api.call(
        "POST",
        f"{BASE}/payment-batches/{batch['batch_id']}/approvals",
        body={"content_hash": batch["content_hash"]},
        token=token,
        headers=headers,
    )
    count = len(_audit_actions())
    again = api.call(
        "POST",
        f"{BASE}/payment-batches/{batch['batch_id']}/approvals",
        body={"content_hash": batch["content_hash"]},
        token=token,
        headers=headers,
    )
    assert first.status == again.status == 200 and again.json == first.json
    assert again.headers.get("idempotent-replayed") == "true" and len(_audit_actions()) == count


def test_cancellation_frees_the_vouchers(pay, recording, api):
    vid = pay.voucher(101, "100.00")
    batch = pay.batch()
    r = api.post(
        f"{BASE}/payment-batches/{batch['batch_id']}/cancellation",
        {"version": 1, "reason": "feil dato"},
        user=ACCOUNTANT,
    )
    assert r.status == 200 and r.json["status"] == "cancelled", r
    assert "payment_batch" not in pay.voucher_data(vid)
    _problem(pay.approve(batch, CLIENT_ADMIN), 409, "batch-not-awaiting-approval")


def test_a_client_without_the_bank_module_has_no_batches(api):
    from infra.local.seed import BUREAU_ID
    from klientportal.bootstrap import tenancy_service
    from klientportal.repository.store import SYSTEM
    from klientportal.tenancy.models import ClientCreate, Module, Tier

    service = tenancy_service()
    client = ClientCreate(name="Uten Bank AS", orgnr="912345696", tier=Tier.PORTAL, modules=[Module.INVOICING])
    service.create_client(BUREAU_ID, client, SYSTEM, client_id="c-utenbank")
    service.add_member("client", "c-utenbank", "eier@utenbank.no", "Eier", "client_admin", SYSTEM)
    r = api.get("/clients/c-utenbank/payment-batches", user="eier@utenbank.no")
    _problem(r, 403, "forbidden")


def test_two_approvers_at_the_same_moment_both_count(pay, recording, api):
    import threading
    import time

    from klientportal.auth.principal import Principal
    from klientportal.auth.subjects import local_subject
    from klientportal.payments.batches import PaymentBatchService

    pay.voucher(101, "60000.00")
    batch = pay.batch()
    barrier, results = threading.Barrier(2), {}

    def approve(email: str) -> None:
        who = Principal(
            local_subject(email), email, (), auth_level="urn:grn:authn:no:bankid", auth_time=int(time.time())
        )
        service = PaymentBatchService(store(), FJORD, recording)
        barrier.wait()
        results[email] = service.approve(batch["batch_id"], batch["content_hash"], who).data["status"]

    threads = [threading.Thread(target=approve, args=(e,)) for e in (CLIENT_ADMIN, BUREAU_ADMIN)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == ["approved", "awaiting_approval"], results
    final = pay.get(batch)
    assert final["status"] == "approved" and final["valid_approvals"] == 2


def test_a_batch_whose_execution_date_passed_is_changed_before_it_is_approved(pay, recording, api):
    from klientportal import clock

    pay.voucher(101, "100.00")
    batch = pay.batch()
    try:
        clock.set_clock("+30d")  # a month later, nobody approved it (and the expiry was not reached)
        late = _problem(pay.approve(batch, CLIENT_ADMIN), 409, "execution-date-passed")
        assert late["next_business_day"] > batch["execution_date"]
        changed = api.patch(
            f"{BASE}/payment-batches/{batch['batch_id']}",
            {"version": pay.get(batch)["version"], "execution_date": late["next_business_day"]},
            user=ACCOUNTANT,
        ).json
        assert pay.approve(changed, CLIENT_ADMIN).json["status"] == "approved"
    finally:
        clock.set_clock(None)
