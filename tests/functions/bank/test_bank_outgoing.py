"""Outgoing payments on moto: an approved batch handed to the bank → the pain.001 built from it,
stored and uploaded once whatever the retries, the simulated bank's pain.002 (a closed account
rejected) and its later camt.054 debit notification → lines and vouchers rejected and paid."""

from __future__ import annotations

import json
from datetime import date

import pytest
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from functions.bank import outgoing as outgoing_handler
from klientportal.bank import answers, outgoing
from klientportal.bank.agreements import Agreements, BankAgreement
from klientportal.bank.answering_bank import AnsweringBankChannel
from klientportal.bootstrap import invocation, store
from klientportal.formats.bank import read_bank_file
from klientportal.formats.bank.pain001 import read_pain001
from klientportal.payments.batches import PaymentBatchService
from klientportal.repository import keys
from klientportal.repository.store import SYSTEM
from tests.functions.payments.conftest import (  # noqa: F401 - fixtures
    ACCOUNTANT,
    BASE,
    CLIENT_ADMIN,
    FJORD,
    SUPPLIERS,
    pay,
    recording,
)

CUSTOMER = "fjordkaffe-dnb"
KID = "1234567897"
EXECUTION = "2027-01-15"


@pytest.fixture
def sim(tmp_path, monkeypatch) -> AnsweringBankChannel:
    monkeypatch.setenv("KP_SIM_BANK_DIR", str(tmp_path / "bank"))
    agreement = BankAgreement.model_validate(
        {"accounts": [{"account": "15032080119"}], "channel_customer_id": CUSTOMER, "ocr_agreement_id": "001008566"}
    )
    Agreements(store(), FJORD).put(agreement, SYSTEM)
    return AnsweringBankChannel()


def _sent(pay, recording, *suppliers: int) -> tuple[dict, list[str]]:  # noqa: F811
    """A batch handed to the bank, to be executed on a Friday well after today (the debits wait for it)."""
    vids = [pay.voucher(s, f"{100 * (n + 1)}.50", kid=KID if n == 0 else None) for n, s in enumerate(suppliers)]
    batch = pay.batch(execution_date=EXECUTION)
    assert pay.approve(batch, CLIENT_ADMIN).status == 200
    service = PaymentBatchService(store(), FJORD, recording)
    service.hand_to_bank(batch["batch_id"], "pk-" + batch["batch_id"], SYSTEM)
    return pay.get(batch), vids


def _message(batch: dict) -> SQSRecord:
    body = {"client_id": FJORD, "batch_id": batch["batch_id"], "content_hash": batch["content_hash"]}
    return SQSRecord({"messageId": "m-1", "body": json.dumps(body)})


def test_batch_to_bank_and_back(pay, recording, sim, tmp_path, api):  # noqa: F811
    closed = SUPPLIERS[102][1]
    (tmp_path / "bank" / "closed-accounts.txt").parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / "bank" / "closed-accounts.txt").write_text(closed + "\n")
    batch, (v1, v2) = _sent(pay, recording, 101, 102)

    inv = invocation()
    for _ in range(3):  # the queue delivers the message again (visibility timeout, a retry): one upload
        outgoing_handler.handle_record(_message(batch), inv)
    uploaded = list((tmp_path / "bank" / CUSTOMER / "inbound").iterdir())
    assert [p.name for p in uploaded] == [outgoing.file_name(batch["batch_id"])]
    sent = uploaded[0].read_bytes()
    order = read_pain001(sent)
    assert order.message_id == batch["batch_id"] and order.debtor_account == "15032080119"
    assert {t.end_to_end_id for t in order.transfers} == {f"{batch['batch_id']}-1", f"{batch['batch_id']}-2"}
    by_amount = {t.amount_ore: t for t in order.transfers}  # lines are in voucher order
    assert by_amount[10050].kid == KID and by_amount[10050].message is None
    assert by_amount[20050].kid is None and (by_amount[20050].message or "").startswith("Faktura F-")

    reply = api.get(f"{BASE}/payment-batches/{batch['batch_id']}/pain001", user=ACCOUNTANT)
    assert reply.status == 200 and reply.raw == sent  # the exact file sent
    assert api.get(f"{BASE}/payment-batches/pb-0000000000000000/pain001", user=ACCOUNTANT).status == 404

    assert answers.collect_answers(inv, sim) == {"applied": 1, "refused": 0}  # the pain.002
    after = pay.get(batch)
    assert after["status"] == "partly_rejected"
    lines = {x["voucher_id"]: x for x in after["lines"]}
    assert lines[v1]["status"] == "accepted" and lines[v2]["status"] == "rejected"
    assert lines[v2]["reason"] == "AC04: Kontoen er avsluttet"
    assert pay.voucher_data(v2)["payment_rejected"]["reason"] == "AC04: Kontoen er avsluttet"
    assert answers.collect_answers(inv, sim) == {"applied": 0, "refused": 0}  # acknowledged: not again

    execution = date.fromisoformat(batch["execution_date"])
    assert sim.release_debits(CUSTOMER, date.fromordinal(execution.toordinal() - 1)) == []  # not yet due
    (notice,) = sim.release_debits(CUSTOMER, execution)
    debits = read_bank_file(sim.download(CUSTOMER, notice.file_id))
    assert debits.format == "camt.054"
    updates = answers.apply_debits(
        store(), FJORD, answers.read_debit_notification(sim.download(CUSTOMER, notice.file_id))
    )
    assert [(u.status, [x["voucher_id"] for x in u.lines]) for u in updates] == [("paid", [v1])]
    paid = pay.get(batch)
    assert paid["status"] == "paid"
    assert pay.voucher_data(v1)["status"] == "paid" and pay.voucher_data(v1)["paid_on"] == batch["execution_date"]
    assert (
        answers.apply_debits(store(), FJORD, answers.read_debit_notification(sim.download(CUSTOMER, notice.file_id)))
        == []
    )
    outgoing_handler.handle_record(_message(batch), inv)  # a late duplicate message: still one upload
    assert len(list((tmp_path / "bank" / CUSTOMER / "inbound").iterdir())) == 1


def test_a_crash_during_the_upload_is_never_uploaded_again_by_itself(pay, recording, sim, tmp_path, monkeypatch):  # noqa: F811
    batch, _ = _sent(pay, recording, 101)
    sender = invocation().bank_sender(FJORD)

    def lost(*_: object) -> str:
        raise TimeoutError("the bank did not answer")

    monkeypatch.setattr(sender.channel, "upload", lost)
    with pytest.raises(TimeoutError):
        sender.send(batch["batch_id"], batch["content_hash"])
    monkeypatch.undo()
    monkeypatch.setenv("KP_SIM_BANK_DIR", str(tmp_path / "bank"))
    again = invocation().bank_sender(FJORD).send(batch["batch_id"], batch["content_hash"])
    assert again.outcome == "in-doubt"
    assert not (tmp_path / "bank" / CUSTOMER / "inbound").exists()
    claim = store().get(keys.client_pk(FJORD), outgoing.outgoing_sk(batch["batch_id"]))
    assert claim is not None and claim.data["status"] == "uploading"


def test_a_message_for_other_content_sends_nothing(pay, recording, sim, tmp_path):  # noqa: F811
    batch, _ = _sent(pay, recording, 101)
    wrong = {**batch, "content_hash": "0" * 64}
    outgoing_handler.handle_record(_message(wrong), invocation())
    assert not (tmp_path / "bank" / CUSTOMER / "inbound").exists()
    assert store().get(keys.client_pk(FJORD), outgoing.outgoing_sk(batch["batch_id"])) is None


def test_without_a_bank_agreement_the_batch_is_rejected_with_the_reason(pay, recording, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("KP_SIM_BANK_DIR", str(tmp_path / "bank"))
    batch, (v1,) = _sent(pay, recording, 101)
    outgoing_handler.handle_record(_message(batch), invocation())
    after = pay.get(batch)
    assert after["status"] == "rejected"
    assert "no bank agreement" in after["lines"][0]["reason"]
    assert "no bank agreement" in pay.voucher_data(v1)["payment_rejected"]["reason"]
    assert not (tmp_path / "bank").exists()
