"""Fixtures for payments on moto: suppliers, approved vouchers in the payment proposal, tokens with
and without a fresh BankID sign-in, and a recording approval workflow where a test does not run the
real one."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import pytest

from klientportal.bootstrap import store
from klientportal.payments import workflow as payment_workflow
from klientportal.payments.step_up import DEFAULT_ACR_VALUES
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import SYSTEM

FJORD = "c-fjordkaffe"
BASE = f"/clients/{FJORD}"
ACCOUNTANT = "regnskap@byraet.no"  # makes batches; no payment right
CLIENT_ADMIN = "daglig@fjordkaffe.no"  # payment right
BUREAU_ADMIN = "admin@byraet.no"  # payment right
USER = "salg@fjordkaffe.no"  # a client user: no payment right
BANKID = DEFAULT_ACR_VALUES[0]
SUPPLIERS = {
    101: ("Kontorland AS", "15031234503", "974760673"),
    102: ("Rørlegger Hansen AS", "86011117947", "123456785"),
}


class RecordingWorkflow:
    """The ApprovalWorkflow port, recording what the domain asks of it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def start(self, client_id: str, batch_id: str) -> str:
        self.calls.append(("start", batch_id))
        return f"exec-{batch_id}"

    def execution_arn(self, client_id: str, batch_id: str) -> str:
        return f"arn:aws:states:eu-north-1:123456789012:execution:none:{batch_id}"

    def complete(self, task_id: str, output: dict[str, Any]) -> bool:
        self.calls.append(("complete", (task_id, output)))
        return True

    def fail(self, task_id: str, error: str, cause: str) -> bool:
        self.calls.append(("fail", (task_id, error)))
        return True

    def heartbeat(self, task_id: str) -> bool:
        self.calls.append(("heartbeat", task_id))
        return True


@pytest.fixture
def recording(monkeypatch) -> RecordingWorkflow:
    fake = RecordingWorkflow()
    monkeypatch.setattr(payment_workflow, "approval_workflow", lambda *a, **k: fake)
    return fake


class Payments:
    def __init__(self, api: Any) -> None:
        self.api = api
        self.counter = 0

    def step_up(self, email: str, age: int = 0) -> str:
        now = int(time.time())
        return self.api.issuer.issue(email, auth_level=BANKID, auth_time=now - age, now=now)

    def suppliers(self) -> None:
        for number, (name, account, orgnr) in SUPPLIERS.items():
            r = self.api.post(
                f"{BASE}/suppliers",
                {"supplier_number": number, "name": name, "bank_account": account, "orgnr": orgnr},
                user=ACCOUNTANT,
            )
            assert r.status == 201, r

    def voucher(
        self, supplier: int, payable: str, *, kid: str | None = "1234567897", account: str | None = None
    ) -> str:
        """An approved voucher of `supplier` (written as approval leaves it), added to the proposal by API."""
        self.counter += 1
        vid = hashlib.sha256(f"voucher-{self.counter}".encode()).hexdigest()[:24]
        name, own_account, _ = SUPPLIERS[supplier]
        details = {
            "supplier_number": supplier,
            "supplier_name": name,
            "invoice_number": f"F-{self.counter}",
            "due_date": "2026-12-15",
            "currency": "NOK",
            "total": payable,
            "payable": payable,
            "bank_account": account or own_account,
            "document_type": "invoice",
            **({"kid": kid} if kid else {}),
        }
        data = {
            "voucher_id": vid,
            "client_id": FJORD,
            "status": "approved",
            "channel": "upload",
            "details": details,
            "coding": [{"account": "6600", "vat_code": "1", "net_amount": payable}],
            "approved": {"at": "2026-12-01T10:00:00.000Z", "by": "someone"},
            "history": [],
        }
        rec = Record(
            keys.client_pk(FJORD),
            keys.voucher_sk(vid),
            "voucher",
            data,
            gsi1pk=keys.voucher_queue_gsi(FJORD, "approved"),
            gsi1sk=f"2026-12-01T10:00:00.000Z#{vid}",
        )
        store().create(rec, SYSTEM, "voucher.approved")
        r = self.api.post(f"{BASE}/payment-proposal/vouchers", {"voucher_id": vid}, user=ACCOUNTANT)
        assert r.status == 200, r
        return vid

    def batch(self, **body: Any) -> dict:
        r = self.api.post(f"{BASE}/payment-batches", body, user=ACCOUNTANT)
        assert r.status == 201, r
        return r.json

    def approve(self, batch: dict, email: str, *, token: str | None = None, content_hash: str | None = None) -> Any:
        return self.api.post(
            f"{BASE}/payment-batches/{batch['batch_id']}/approvals",
            {"content_hash": content_hash or batch["content_hash"]},
            token=token or self.step_up(email),
        )

    def get(self, batch: dict) -> dict:
        return self.api.get(f"{BASE}/payment-batches/{batch['batch_id']}", user=ACCOUNTANT).json

    def voucher_data(self, vid: str) -> dict:
        rec = store().get(keys.client_pk(FJORD), keys.voucher_sk(vid))
        assert rec is not None
        return rec.data


@pytest.fixture
def pay(api) -> Payments:
    p = Payments(api)
    p.suppliers()
    return p
