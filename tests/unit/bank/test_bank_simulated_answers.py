"""The bank simulator's answers to uploads, and how a pain.002 becomes a batch status."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from klientportal.bank import outgoing
from klientportal.bank.answering_bank import AnsweringBankChannel
from klientportal.formats.bank.pain002 import Verdict, build_pain002, read_pain002

OSLO = ZoneInfo("Europe/Oslo")
BATCH: dict[str, Any] = {
    "batch_id": "pb-0123456789abcdef",
    "status": "sent",
    "lines": [
        {"voucher_id": "v-a", "amount_ore": 100, "status": "sent"},
        {"voucher_id": "v-b", "amount_ore": 200, "status": "sent"},
    ],
}


def test_a_file_the_bank_cannot_read_is_rejected_whole_with_ff01(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("KP_SIM_BANK_DIR", str(tmp_path))
    monkeypatch.setenv("KP_LOCAL_DIR", str(tmp_path / "local"))
    bank = AnsweringBankChannel()
    bank.upload(
        "cust-1",
        "pain001-x.xml",
        b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:pain.001.001.03'><MsgId>M-9</MsgId></Document>",
    )
    (answer,) = [f for f in bank.list_new("cust-1") if f.kind == "pain.002"]
    report = read_pain002(bank.download("cust-1", answer.file_id))
    assert (report.group_status, report.group_reasons[0].code, report.payments) == ("RJCT", "FF01", ())
    assert report.group_reasons[0].text and "XSD" in report.group_reasons[0].text


def _report(*verdicts: Verdict, message_id: str = BATCH["batch_id"]) -> bytes:
    return build_pain002("S-1", datetime(2026, 12, 1, tzinfo=OSLO), str(message_id), "p", verdicts)


def test_pain002_to_batch_status() -> None:
    e1, e2 = outgoing.end_to_end_id(BATCH["batch_id"], 1), outgoing.end_to_end_id(BATCH["batch_id"], 2)
    accepted = outgoing.status_from_pain002(read_pain002(_report(Verdict(e1, "ACCP"), Verdict(e2, "ACCP"))), BATCH)
    assert accepted.status == "accepted" and {x["status"] for x in accepted.lines} == {"accepted"}
    part = outgoing.status_from_pain002(read_pain002(_report(Verdict(e1, "ACCP"), Verdict(e2, "RJCT", "AC01"))), BATCH)
    assert part.status == "partly_rejected"
    assert [x for x in part.lines if x["status"] == "rejected"] == [
        {"voucher_id": "v-b", "status": "rejected", "reason": "AC01: wrong account number"}
    ]
    both = outgoing.status_from_pain002(
        read_pain002(_report(Verdict(e1, "RJCT", "AC04"), Verdict(e2, "RJCT", "AC04"))), BATCH
    )
    assert both.status == "rejected"
    with pytest.raises(ValueError, match="not batch"):
        outgoing.status_from_pain002(
            read_pain002(_report(Verdict(e1, "ACCP"), message_id="pb-ffffffffffffffff")), BATCH
        )
    with pytest.raises(ValueError, match="not a line"):
        outgoing.status_from_pain002(read_pain002(_report(Verdict(BATCH["batch_id"] + "-3", "ACCP"))), BATCH)


def test_ids_lead_back_to_the_batch() -> None:
    assert outgoing.batch_id_of("pb-0123456789abcdef-12") == "pb-0123456789abcdef"
    assert outgoing.batch_id_of("pb-0123456789abcdef") == "pb-0123456789abcdef"
    assert outgoing.batch_id_of("MUELL/FINP/RA12345") is None
