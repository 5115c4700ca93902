"""The bank channel's local simulator behaves like a bank's file channel: listed until acknowledged,
downloads unaltered, acknowledgement repeatable, uploads received, names never reused."""

from __future__ import annotations

import pytest

from klientportal.adapters.bank_channel import BankChannelError, SimulatedBankChannel, UnknownFile, kind_of

OCR = b"NY000010" + b"0" * 72 + b"\r\n"
CAMT = b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"/>'


@pytest.fixture
def channel(tmp_path, monkeypatch) -> SimulatedBankChannel:
    monkeypatch.setenv("KP_SIM_BANK_DIR", str(tmp_path / "bank"))
    monkeypatch.setenv("KP_LOCAL_OUTBOX", str(tmp_path / "outbox"))
    return SimulatedBankChannel()


def test_a_file_is_listed_until_acknowledged_and_downloads_unaltered(channel: SimulatedBankChannel) -> None:
    offered = channel.offer("fjord", "ocr-1.txt", OCR)
    listed = channel.list_new("fjord")
    assert [(f.file_id, f.name, f.kind, f.size) for f in listed] == [(offered.file_id, "ocr-1.txt", "ocr", len(OCR))]
    assert channel.download("fjord", offered.file_id) == OCR
    assert channel.list_new("fjord") == listed  # a download alone does not take it off the list
    channel.acknowledge("fjord", offered.file_id)
    assert channel.list_new("fjord") == []
    channel.acknowledge("fjord", offered.file_id)  # a retried acknowledgement is harmless
    with pytest.raises(UnknownFile):
        channel.download("fjord", offered.file_id)


def test_customers_see_only_their_own_files(channel: SimulatedBankChannel) -> None:
    channel.offer("fjord", "camt-1.xml", CAMT)
    assert channel.list_new("bygg") == []
    file_id = channel.list_new("fjord")[0].file_id
    with pytest.raises(UnknownFile):
        channel.download("bygg", file_id)
    with pytest.raises(BankChannelError):
        channel.list_new("../fjord")


def test_a_file_id_names_one_content(channel: SimulatedBankChannel) -> None:
    first = channel.offer("fjord", "ocr-1.txt", OCR)
    with pytest.raises(BankChannelError):
        channel.offer("fjord", "ocr-1.txt", OCR + b"more")
    channel.acknowledge("fjord", first.file_id)
    again = channel.offer("fjord", "ocr-1.txt", OCR)  # the bank delivers the same file again
    assert again.file_id == first.file_id and channel.download("fjord", again.file_id) == OCR
    with pytest.raises(UnknownFile):
        channel.acknowledge("fjord", "ocr-1.txt.000000000000")


def test_upload_is_received_and_bad_names_refused(channel: SimulatedBankChannel, tmp_path) -> None:
    received = channel.upload("fjord", "pain001-1.xml", b"<Document/>")
    assert received.startswith("sim-bank-")
    assert (tmp_path / "bank" / "fjord" / "inbound" / "pain001-1.xml").read_bytes() == b"<Document/>"
    with pytest.raises(BankChannelError):
        channel.upload("fjord", "../x.xml", b"")


def test_kind_from_the_first_bytes() -> None:
    assert kind_of("a", OCR) == "ocr"
    assert kind_of("a", CAMT) == "camt.054"
    assert kind_of("a", b"%PDF") == "other"
