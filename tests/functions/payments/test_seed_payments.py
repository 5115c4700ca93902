"""The demo payment batch of the local stack: made through the intake, the voucher service and the
batch service, waiting for the two demo payers' step-up approvals."""

from __future__ import annotations

import time

from infra.local import moto_lambda, seed
from infra.local.invoker import Invoker
from klientportal.bootstrap import tenancy_service
from tests.functions.conftest import Api
from tests.functions.payments.conftest import BASE, BUREAU_ADMIN, CLIENT_ADMIN, Payments
from tests.functions.payments.test_payment_workflow import _outgoing, _until


def test_the_demo_batch_waits_for_two_step_up_approvals(aws_env, issuer):
    from infra.local.gateway import Gateway

    moto_lambda.install(Invoker().invoke_deployed)
    seed.seed(tenancy_service())
    api = Api(Gateway(Invoker(), issuer.verifier()), issuer)
    pay = Payments(api)
    [batch] = api.get(f"{BASE}/payment-batches", user=CLIENT_ADMIN).json["items"]
    assert batch["status"] == "awaiting_approval" and batch["line_count"] == 2 and batch["total"] == "8000.00"
    assert batch["required_approvals"] == 2 and batch["created_by"]["email"] == "regnskap@byraet.no"
    assert {line["supplier_name"] for line in batch["lines"]} == {"Kontorland AS"}
    for line in batch["lines"]:  # the voucher view shows the batch it is in
        voucher = api.get(f"{BASE}/vouchers/{line['voucher_id']}", user=CLIENT_ADMIN)
        assert voucher.status == 200 and voucher.json["payment_batch"]["batch_id"] == batch["batch_id"], voucher
        assert "payment_proposal" not in voucher.json
    assert sorted(bool(line.get("kid")) for line in batch["lines"]) == [False, True]
    time.sleep(0.5)
    assert pay.approve(batch, CLIENT_ADMIN).json["status"] == "awaiting_approval"
    assert pay.approve(batch, BUREAU_ADMIN).json["status"] == "approved"
    [message] = _until("the hand-off message", _outgoing)
    assert message["batch_id"] == batch["batch_id"]
