"""The payment-approval workflow end to end on the local stack's moto (state machine from its ASL,
Lambda tasks routed in-process): one approval refused without step-up → two step-up approvals →
the message on payment-batches-outgoing → report(paid) → succeeded; a batch changed after an
approval needs new approvals; a batch not approved in time expires and frees its vouchers."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Any

import pytest

from infra.local import moto_lambda, resources
from infra.local.invoker import Invoker
from klientportal import aws
from klientportal.bootstrap import store
from klientportal.payments import bank_status
from klientportal.payments import workflow as wf
from klientportal.workflows import executions
from klientportal.workflows.human_tasks import HumanTasks
from tests.functions.payments.conftest import ACCOUNTANT, BASE, BUREAU_ADMIN, CLIENT_ADMIN, FJORD


def _until(what: str, probe: Callable[[], Any], timeout_s: float = 20) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _execution(batch_id: str) -> str:
    arn = os.environ[wf.ARN_VAR]
    return executions.execution_arn(arn, executions.execution_name("payment", FJORD, batch_id))


def _status(batch_id: str) -> str:
    return str(aws.client("stepfunctions").describe_execution(executionArn=_execution(batch_id))["status"])


def _states(batch_id: str) -> list[str]:
    return [e["state"] for e in executions.history(_execution(batch_id)) if e["type"].endswith("StateEntered")]


def _task_open(task_id: str) -> bool:
    rec = HumanTasks(store(), FJORD).get(task_id)
    return rec is not None and rec.data["status"] == "open"


def _outgoing() -> list[dict]:
    sqs = aws.client("sqs")
    url = sqs.get_queue_url(QueueName=resources.resource_name("queue", "payment-batches-outgoing"))["QueueUrl"]
    msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
    for m in msgs:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return [json.loads(m["Body"]) for m in msgs]


@pytest.fixture
def running(aws_env, monkeypatch):
    monkeypatch.setenv(wf.APPROVAL_VAR, "60")
    monkeypatch.setenv(wf.BANK_VAR, "60")
    moto_lambda.install(Invoker().invoke_deployed)


def _two_approver_threshold(api, pay) -> None:
    r = api.put(
        f"{BASE}/payment-settings", {"version": 0, "two_approver_threshold": "1000.00"}, token=pay.step_up(CLIENT_ADMIN)
    )
    assert r.status == 200, r


def test_refused_without_step_up_then_two_step_up_approvals_hand_it_to_the_bank_and_paid_ends_it(running, pay, api):
    _two_approver_threshold(api, pay)
    v1, v2 = pay.voucher(101, "802.00"), pay.voucher(102, "1500.00", kid=None)
    batch = pay.batch(execution_date="2026-12-03")
    bid = batch["batch_id"]
    _until("the approval task", lambda: _task_open(wf.approval_task_id(bid)))
    assert _status(bid) == "RUNNING"

    plain = pay.approve(batch, CLIENT_ADMIN, token=api.token(CLIENT_ADMIN))
    assert plain.status == 401 and plain.json["type"].endswith("/step-up-required"), plain
    first = pay.approve(batch, CLIENT_ADMIN)
    assert first.status == 200 and first.json["status"] == "awaiting_approval", first
    time.sleep(0.5)
    assert _outgoing() == [] and _task_open(wf.approval_task_id(bid))  # one approval is not enough
    second = pay.approve(batch, BUREAU_ADMIN)
    assert second.status == 200 and second.json["status"] == "approved", second

    [message] = _until("the hand-off message", _outgoing)
    assert message == {"client_id": FJORD, "batch_id": bid, "content_hash": batch["content_hash"]}
    assert pay.get(batch)["status"] == "sent"
    _until("the bank wait", lambda: _task_open(wf.bank_task_id(bid)))

    bank_status.report(store(), FJORD, bid, "accepted")
    assert _status(bid) == "RUNNING" and pay.get(batch)["status"] == "accepted"
    paid = bank_status.report(
        store(), FJORD, bid, "paid", [{"voucher_id": v1, "status": "paid", "paid_on": "2026-12-03"}]
    )
    assert paid["status"] == "paid"
    _until("the execution to succeed", lambda: _status(bid) == "SUCCEEDED")
    states = _states(bid)
    shown = api.get(f"{BASE}/payment-batches/{bid}/workflow", user=CLIENT_ADMIN)
    assert shown.status == 200 and shown.json["status"] == "SUCCEEDED", shown
    assert [e["state"] for e in shown.json["events"] if e["type"].endswith("StateEntered")] == states
    assert b"token" not in shown.raw.lower()
    for state in ("Begin", "AwaitApproval", "MarkSent", "HandToBank", "AwaitBankStatus", "BankOutcome", "Paid"):
        assert state in states, states
    assert pay.voucher_data(v1)["status"] == "paid" and pay.voucher_data(v2)["paid_on"]
    events, _ = store().audit_events(f"T#{FJORD}")
    sent = [e for e in events if e["action"] == "payment_batch.sent"]
    assert len(sent) == 1 and isinstance(sent[0]["after"]["lines"], list) and len(sent[0]["after"]["lines"]) == 2
    approvals = [a for e in events if e["action"] == "payment_batch.approved" for a in e["after"]["approvals"]]
    assert {a["auth_level"] for a in approvals} == {"urn:grn:authn:no:bankid"} and all(
        a["auth_time"] for a in approvals
    )
    assert _outgoing() == []  # handed over once


def test_a_batch_changed_after_an_approval_needs_new_approvals_and_the_bank_gets_the_new_hash(running, pay, api):
    _two_approver_threshold(api, pay)
    pay.voucher(101, "900.00")
    pay.voucher(102, "900.00")
    batch = pay.batch()
    bid = batch["batch_id"]
    _until("the approval task", lambda: _task_open(wf.approval_task_id(bid)))
    assert pay.approve(batch, CLIENT_ADMIN).status == 200
    changed = api.patch(
        f"{BASE}/payment-batches/{bid}",
        {"version": pay.get(batch)["version"], "execution_date": "2027-01-05"},
        user=ACCOUNTANT,
    ).json
    assert changed["content_hash"] != batch["content_hash"] and changed["valid_approvals"] == 0
    stale = pay.approve(batch, BUREAU_ADMIN)  # approves what they saw before the change
    assert stale.status == 409 and stale.json["type"].endswith("/content-hash-mismatch"), stale
    assert pay.approve(changed, BUREAU_ADMIN).json["status"] == "awaiting_approval"
    assert pay.approve(changed, CLIENT_ADMIN).json["status"] == "approved"
    [message] = _until("the hand-off message", _outgoing)
    assert message["content_hash"] == changed["content_hash"]
    _until("the bank wait", lambda: _task_open(wf.bank_task_id(bid)))
    bank_status.report(store(), FJORD, bid, "rejected")
    _until("the execution to fail", lambda: _status(bid) == "FAILED")
    assert "Rejected" in _states(bid)


def test_a_batch_not_approved_in_time_expires_and_frees_its_vouchers(aws_env, monkeypatch, pay, api):
    monkeypatch.setenv(wf.APPROVAL_VAR, "2")
    monkeypatch.setenv(wf.BANK_VAR, "60")
    moto_lambda.install(Invoker().invoke_deployed)
    vid = pay.voucher(101, "100.00")
    batch = pay.batch()
    bid = batch["batch_id"]
    _until("the expiry", lambda: _status(bid) == "SUCCEEDED", timeout_s=30)
    assert "Expired" in _states(bid)
    after = pay.get(batch)
    assert after["status"] == "cancelled" and after["cancelled"]["reason"] == "not approved in time"
    assert "payment_batch" not in pay.voucher_data(vid)
    late = pay.approve(batch, CLIENT_ADMIN)
    assert late.status == 409 and late.json["type"].endswith("/batch-not-awaiting-approval")
    assert HumanTasks(store(), FJORD).get(wf.approval_task_id(bid)).data["status"] == "cancelled"  # type: ignore[union-attr]
    # the freed voucher can be proposed and batched again
    assert api.post(f"{BASE}/payment-proposal/vouchers", {"voucher_id": vid}, user=ACCOUNTANT).status == 200
    assert pay.batch()["line_count"] == 1


def test_a_cancelled_batch_ends_its_workflow_and_frees_its_vouchers(running, pay, api):
    vid = pay.voucher(101, "100.00")
    batch = pay.batch()
    bid = batch["batch_id"]
    _until("the approval task", lambda: _task_open(wf.approval_task_id(bid)))
    r = api.post(
        f"{BASE}/payment-batches/{bid}/cancellation",
        {"version": pay.get(batch)["version"], "reason": "feil"},
        user=ACCOUNTANT,
    )
    assert r.status == 200 and r.json["status"] == "cancelled", r
    _until("the execution to end", lambda: _status(bid) == "SUCCEEDED")
    assert "Cancelled" in _states(bid) and "MarkSent" not in _states(bid)
    assert "payment_batch" not in pay.voucher_data(vid) and _outgoing() == []
