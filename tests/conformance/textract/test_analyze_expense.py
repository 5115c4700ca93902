"""Read the recorded (real, US) Textract AnalyzeExpense responses into ExtractedVoucher."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from klientportal.vouchers.checks import run_checks
from klientportal.vouchers.models import DocumentType, VoucherSource
from klientportal.vouchers.ocr import OcrError, read_expense
from klientportal.vouchers.ocr_engines import SimulatedTextract

EXPENSE = "textract/analyze-expense"


def _load(conformance_dir: Path, relative: str) -> dict:
    return json.loads((conformance_dir / relative).read_text())


def _responses(conformance_dir: Path) -> list[Path]:
    return sorted((conformance_dir / EXPENSE).rglob("*.json"))


def test_every_recorded_response_reads(conformance_dir: Path) -> None:
    paths = _responses(conformance_dir)
    assert len(paths) == 8
    for path in paths:
        voucher = read_expense(json.loads(path.read_text()))
        assert voucher.source is VoucherSource.OCR
        confidences = [
            voucher.supplier_name.confidence,
            voucher.totals.payable.confidence,
            voucher.issue_date.confidence,
        ]
        assert all(0 <= c < 1 for c in confidences), path.name
        assert all(isinstance(line.net_amount.value, (Decimal, type(None))) for line in voucher.lines)
        assert all(r.ok for r in run_checks(voucher) if r.code in {"lines-sum", "tax-inclusive", "payable"}), path.name


def test_invoice_response(conformance_dir: Path) -> None:
    voucher = read_expense(_load(conformance_dir, f"{EXPENSE}/response-parser/invoice-expense-response.json"))
    assert voucher.document_type.value is DocumentType.INVOICE
    assert voucher.invoice_number.value == "123PQR456"
    assert (voucher.issue_date.value, voucher.due_date.value) == (date(2021, 1, 1), date(2021, 1, 31))
    assert voucher.supplier_vat_id.value == "12-3456789" and voucher.supplier_orgnr.value is None
    assert voucher.supplier_address.value == "123 Some Street Some City, XYZ, USA"
    assert (voucher.totals.tax_exclusive.value, voucher.totals.tax.value, voucher.totals.tax_inclusive.value) == (
        Decimal("6169.40"),
        Decimal("61.69"),
        Decimal("6231.09"),
    )
    assert voucher.currency.value == "USD"
    assert [
        (line.description.value, line.quantity.value, line.unit_price.value, line.net_amount.value)
        for line in voucher.lines
    ][2] == ("Product 2", Decimal(2), Decimal("106.04"), Decimal("212.08"))
    assert {r.code: r.ok for r in run_checks(voucher)}["lines-sum"]


def test_receipt_response(conformance_dir: Path) -> None:
    voucher = read_expense(_load(conformance_dir, f"{EXPENSE}/textractor/receipt.jpg.analyze_expense.json"))
    assert voucher.document_type.value is DocumentType.RECEIPT
    assert voucher.supplier_name.value == "MEGA MARKET PLUS"
    assert voucher.totals.payable.value == Decimal("1810.46")
    assert [line.net_amount.value for line in voucher.lines] == [
        Decimal(v) for v in ("899.99", "689.99", "19.99", "89.99")
    ]
    assert voucher.issue_date.value == date(2019, 12, 7) and voucher.issue_date.confidence < 0.5
    assert any(w.startswith("ambiguous-date") for w in voucher.warnings)


def test_multipage_job_result_merges_pages(conformance_dir: Path) -> None:
    voucher = read_expense(_load(conformance_dir, f"{EXPENSE}/response-parser/analyzeExpenseResponse-multipage.json"))
    assert voucher.invoice_number.value == "00000135" and voucher.warnings == ()
    assert voucher.due_date.value == date(2020, 3, 26)
    assert voucher.totals.payable.value == Decimal("5715.00")
    assert len(voucher.lines) == 8
    assert voucher.supplier_name.confidence < 0.75


def test_missing_geometry_and_empty_values(conformance_dir: Path) -> None:
    voucher = read_expense(_load(conformance_dir, f"{EXPENSE}/response-parser/expense-missing-geoms-response.json"))
    assert voucher.lines == () and not voucher.totals.payable.found


@pytest.mark.parametrize(
    ("name", "reason"),
    [("test-failed-response.json", "ocr-job-failed"), ("test-inprogress-response.json", "ocr-not-finished")],
)
def test_unfinished_async_jobs_are_errors(conformance_dir: Path, name: str, reason: str) -> None:
    with pytest.raises(OcrError) as caught:
        read_expense(_load(conformance_dir, f"textract/async-job-status/{name}"))
    assert caught.value.reason == reason


def test_simulator_replays_a_recorded_response_and_marks_it(conformance_dir: Path) -> None:
    image = (conformance_dir / EXPENSE / "textractor" / "receipt.jpg").read_bytes()
    recorded = _load(conformance_dir, f"{EXPENSE}/textractor/receipt.jpg.analyze_expense.json")
    simulator = SimulatedTextract()
    simulator.record(image, recorded)
    response = simulator.analyze_expense(image, content_type="image/jpeg")
    assert response["ResponseMetadata"]["HTTPHeaders"]["x-klientportal-simulator"] == "SimulatedTextract"
    assert read_expense(response) == read_expense(recorded)
    assert "x-klientportal-simulator" not in recorded["ResponseMetadata"].get("HTTPHeaders", {})


def test_simulator_refuses_unknown_images(conformance_dir: Path) -> None:
    image = (conformance_dir / EXPENSE / "textractor" / "receipt.jpg").read_bytes()
    with pytest.raises(OcrError) as caught:
        SimulatedTextract().analyze_expense(image, content_type="image/jpeg")
    assert caught.value.reason == "simulator-no-response"
