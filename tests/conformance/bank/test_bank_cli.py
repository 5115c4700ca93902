"""`klientportal bank read FILE`: JSON of what was read; a refused file exits 1 with reason and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.cli import main


def test_ocr_file_is_printed_as_json(conformance_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bank", "read", str(conformance_dir / "nets-ocr/netsgiro/ocr_giro_transactions.txt")]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["format"], printed["count"], len(printed["entries"])) == ("nets-ocr", 20, 20)
    assert printed["entries"][0]["kid"] == "0000531" and printed["entries"][0]["message"] == "Foo bar baz"
    assert sum(e["amount_ore"] for e in printed["entries"]) == printed["credit_ore"] == 5_144_900


def test_summary_leaves_the_entries_out(conformance_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = conformance_dir / "iso20022/samples/iso-mdr/camt.053.001.02_AAAASESS-FP-STAT001.xml"
    assert main(["bank", "read", str(path), "--summary"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "format": "camt.053",
        "identity": "AAAASESS-FP-STAT001",
        "created": "2010-10-18T17:00:00+01:00",
        "count": 3,
        "credit_ore": 13_567_850,
        "debit_ore": 20_000_000,
    }


@pytest.mark.parametrize(
    ("name", "code", "line"),
    [
        ("nets-ocr/java-netsgiro/ocr1.txt", "control-total", 49),
        ("nets-ocr/netsgiro/avtalegiro_agreements.txt", "avtalegiro", 2),
        ("iso20022/samples/tryton/camt.053.001.02_example-BE.xml", "xsd", 12),
    ],
)
def test_refused_file_exits_1_with_reason_and_line(
    conformance_dir: Path, capsys: pytest.CaptureFixture[str], name: str, code: str, line: int
) -> None:
    assert main(["bank", "read", str(conformance_dir / name)]) == 1
    captured = capsys.readouterr()
    refusal = json.loads(captured.err)
    assert (refusal["error"], refusal["line"]) == (code, line) and refusal["reason"]
    assert captured.out == ""


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bank", "read", str(tmp_path / "nope.txt")]) == 2
    assert json.loads(capsys.readouterr().err)["error"] == "unreadable-file"


def test_pain001_is_read_with_its_own_reader(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from klientportal.formats.bank.pain001 import CreditTransfer, PaymentOrder, build_pain001

    order = PaymentOrder(
        "M-1",
        "P-1",
        datetime(2026, 12, 1, tzinfo=ZoneInfo("Europe/Oslo")),
        "A AS",
        "A AS",
        "15032080119",
        date(2026, 12, 3),
        (CreditTransfer("E-1", 100, "B AS", "12345678903", message="x"),),
    )
    path = tmp_path / "p.xml"
    path.write_bytes(build_pain001(order))
    assert main(["bank", "read", str(path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["format"] == "pain.001" and printed["transfers"][0]["end_to_end_id"] == "E-1"
