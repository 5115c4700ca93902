"""Every Nets sample read by our streaming reader agrees with netsgiro, the independent oracle.

netsgiro does not reconcile the end records' control totals; where a sample's end record claims a
wrong total, netsgiro reads it and we refuse it, and the test shows the claim is really wrong.
"""

from __future__ import annotations

from pathlib import Path

import netsgiro
import pytest

from klientportal.formats.bank import BankFileRejected, read_bank_file
from klientportal.formats.bank.ocr import transactions

NETS = ["netsgiro/ocr_giro_transactions.txt", "java-netsgiro/ocr1.txt", "java-netsgiro/ocr3.txt"]
AVTALEGIRO = ["netsgiro/avtalegiro_agreements.txt", "netsgiro/avtalegiro_payment_request.txt"]
WRONG_TOTALS = {"java-netsgiro/ocr1.txt"}


def _ours(data: bytes) -> list[tuple[object, ...]]:
    """Our transactions as tuples, read up to the point of a fault (netsgiro has no such point)."""
    rows = []
    try:
        for t in transactions(data):
            i1, i2 = t.item1, t.item2
            rows.append(
                (
                    t.assignment.agreement_id,
                    t.assignment.account,
                    i1.transaction_type,
                    i1.transaction_number,
                    i1.nets_date,
                    i1.amount_ore,
                    i1.kid,
                    i2.reference,
                    t.text,
                    i1.centre_id,
                    i1.day_code,
                    i1.partial_settlement_number,
                    i1.partial_settlement_serial_number,
                    "-" if i1.negative else "0",
                    i2.form_number,
                    i2.bank_date,
                    i2.debit_account or "00000000000",
                )
            )
    except BankFileRejected:
        pass
    return rows


def _oracle(data: bytes) -> list[tuple[object, ...]]:
    transmission = netsgiro.parse(data.decode("iso-8859-1"))
    return [
        (
            a.agreement_id,
            a.account,
            int(t.type),
            t.number,
            t.date,
            t.amount_in_cents,
            t.kid,
            t.reference,
            t.text,
            t.centre_id,
            t.day_code,
            t.partial_settlement_number,
            t.partial_settlement_serial_number,
            t.sign,
            t.form_number,
            t.bank_date,
            t.debit_account,
        )
        for a in transmission.assignments
        for t in a.transactions
    ]


@pytest.mark.parametrize("name", NETS)
def test_every_transaction_agrees_with_netsgiro(conformance_dir: Path, name: str) -> None:
    data = (conformance_dir / "nets-ocr" / name).read_bytes()
    ours, oracle = _ours(data), _oracle(data)
    assert oracle, "the sample has transactions"
    assert ours == oracle


@pytest.mark.parametrize("name", sorted(set(NETS) - WRONG_TOTALS))
def test_samples_are_read_whole_and_match_netsgiro_totals(conformance_dir: Path, name: str) -> None:
    data = (conformance_dir / "nets-ocr" / name).read_bytes()
    read = read_bank_file(data)
    entries = list(read.entries)
    oracle = netsgiro.parse(data.decode("iso-8859-1"))
    assert read.format == "nets-ocr"
    assert read.count == len(entries) == oracle.get_num_transactions()
    assert sum(e.amount_ore for e in entries) == int(oracle.get_total_amount() * 100)
    assert read.identity == f"{oracle.data_recipient}-{oracle.number}"
    assert len({e.reference for e in entries}) == len(entries)
    assert all(e.amount_ore > 0 and e.credit for e in entries)
    assert [e.kid for e in entries] == [t.kid for a in oracle.assignments for t in a.transactions]


def test_sample_whose_end_records_claim_a_wrong_total_is_refused(conformance_dir: Path) -> None:
    data = (conformance_dir / "nets-ocr" / "java-netsgiro/ocr1.txt").read_bytes()
    oracle = netsgiro.parse(data.decode("iso-8859-1"))  # netsgiro reads it without a word
    claimed = int(data.decode().splitlines()[48][24:41])
    actual = sum(t.amount_in_cents for a in oracle.assignments for t in a.transactions)
    assert claimed == 1_563_000 != actual == 1_993_000
    with pytest.raises(BankFileRejected) as refused:
        read_bank_file(data)
    assert (refused.value.code, refused.value.line) == ("control-total", 49)
    assert "1563000" in refused.value.reason and "1993000" in refused.value.reason


@pytest.mark.parametrize("name", AVTALEGIRO)
def test_avtalegiro_files_are_refused_with_the_reason(conformance_dir: Path, name: str) -> None:
    data = (conformance_dir / "nets-ocr" / name).read_bytes()
    assert netsgiro.parse(data.decode("iso-8859-1")).assignments  # a valid AvtaleGiro file
    with pytest.raises(BankFileRejected) as refused:
        read_bank_file(data)
    assert (refused.value.code, refused.value.line) == ("avtalegiro", 2)
    assert "AvtaleGiro" in refused.value.reason
