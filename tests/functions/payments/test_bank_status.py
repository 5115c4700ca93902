"""The bank's status of a sent batch (contract 4): lines and vouchers follow it, a replay changes
nothing, an impossible status is refused (the workflow's hand-off is simulated here)."""

from __future__ import annotations

import pytest

from klientportal.bootstrap import store
from klientportal.errors import InvalidInput, RuleViolation
from klientportal.payments import bank_status
from klientportal.payments.batches import PaymentBatchService
from klientportal.repository.store import SYSTEM
from tests.functions.payments.conftest import CLIENT_ADMIN, FJORD


def _sent(pay, recording) -> tuple[dict, list[str]]:
    vids = [pay.voucher(101, "100.00"), pay.voucher(102, "200.00")]
    batch = pay.batch()
    assert pay.approve(batch, CLIENT_ADMIN).status == 200
    service = PaymentBatchService(store(), FJORD, recording)
    with pytest.raises(RuleViolation):
        bank_status.report(store(), FJORD, batch["batch_id"], "paid", workflow=recording)  # not sent yet
    sent = service.hand_to_bank(batch["batch_id"], "pk-" + batch["batch_id"], SYSTEM)
    assert sent.data["status"] == "sent" and {x["status"] for x in sent.data["lines"]} == {"sent"}
    again = service.hand_to_bank(batch["batch_id"], "pk-" + batch["batch_id"], SYSTEM)  # a retried step
    assert again.version == sent.version and again.data["sent"] == sent.data["sent"]
    return batch, vids


def test_partly_rejected_then_paid(pay, recording):
    batch, (v1, v2) = _sent(pay, recording)
    part = bank_status.report(
        store(),
        FJORD,
        batch["batch_id"],
        "partly_rejected",
        [{"voucher_id": v2, "status": "rejected", "reason": "AC01 ugyldig konto"}],
        workflow=recording,
    )
    assert part["status"] == "partly_rejected"
    assert {x["voucher_id"]: x["status"] for x in part["lines"]} == {v1: "accepted", v2: "rejected"}
    assert pay.voucher_data(v2)["payment_rejected"]["reason"] == "AC01 ugyldig konto"
    assert "payment_batch" not in pay.voucher_data(v2)
    assert recording.calls[-1] == ("heartbeat", "pk-" + batch["batch_id"])
    paid = bank_status.report(
        store(),
        FJORD,
        batch["batch_id"],
        "paid",
        [{"voucher_id": v1, "status": "paid", "paid_on": "2026-12-03"}],
        workflow=recording,
    )
    assert (
        paid["status"] == "paid" and next(x for x in paid["lines"] if x["voucher_id"] == v1)["paid_on"] == "2026-12-03"
    )
    assert pay.voucher_data(v1)["status"] == "paid" and pay.voucher_data(v1)["paid_on"] == "2026-12-03"
    assert pay.voucher_data(v2)["status"] == "approved"  # the rejected one waits to be paid again
    assert recording.calls[-1] == ("complete", ("pk-" + batch["batch_id"], {"status": "paid"}))
    version = pay.get(batch)["version"]
    replay = bank_status.report(
        store(),
        FJORD,
        batch["batch_id"],
        "paid",
        [{"voucher_id": v1, "status": "paid", "paid_on": "2026-12-03"}],
        workflow=recording,
    )
    assert replay["version"] == version
    with pytest.raises(RuleViolation):
        bank_status.report(store(), FJORD, batch["batch_id"], "rejected", workflow=recording)


def test_bad_reports_are_refused_with_nothing_changed(pay, recording):
    batch, (v1, _) = _sent(pay, recording)
    version = pay.get(batch)["version"]
    for lines in ([{"voucher_id": "f" * 24, "status": "paid"}], [{"voucher_id": v1, "status": "lost"}]):
        with pytest.raises(InvalidInput):
            bank_status.report(store(), FJORD, batch["batch_id"], "accepted", lines, workflow=recording)
    with pytest.raises(InvalidInput):
        bank_status.report(store(), FJORD, batch["batch_id"], "partly_rejected", workflow=recording)
    assert pay.get(batch)["version"] == version
    rejected = bank_status.report(store(), FJORD, batch["batch_id"], "rejected", workflow=recording)
    assert rejected["status"] == "rejected" and {x["status"] for x in rejected["lines"]} == {"rejected"}
    assert "payment_batch" not in pay.voucher_data(v1)
