"""OCR engines: the Textract adapter against botocore's Stubber, and the local simulator."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from klientportal.vouchers.invoice_text import interpret_invoice_text
from klientportal.vouchers.ocr import OcrEngine, OcrError, read_expense
from klientportal.vouchers.ocr_engines import SimulatedTextract, TextractExpenseEngine

MULTIPAGE = "textract/analyze-expense/response-parser/analyzeExpenseResponse-multipage.json"
CREDENTIALS = {"region_name": "eu-north-1", "aws_access_key_id": "test", "aws_secret_access_key": "test"}


def _client(service: str):
    return boto3.client(service, **CREDENTIALS)


def test_engines_satisfy_the_port() -> None:
    engines: list[OcrEngine] = [SimulatedTextract(), TextractExpenseEngine(client=object())]
    assert all(callable(engine.analyze_expense) for engine in engines)
    assert SimulatedTextract.is_simulator


def test_images_use_synchronous_analyze_expense(conformance_dir: Path) -> None:
    recorded = json.loads(
        (conformance_dir / "textract/analyze-expense/textractor/receipt.jpg.analyze_expense.json").read_text()
    )
    image = (conformance_dir / "textract/analyze-expense/textractor/receipt.jpg").read_bytes()
    client = _client("textract")
    with Stubber(client) as stub:
        stub.add_response(
            "analyze_expense", {"ExpenseDocuments": recorded["ExpenseDocuments"]}, {"Document": {"Bytes": image}}
        )
        response = TextractExpenseEngine(client=client).analyze_expense(image, content_type="image/jpeg")
        stub.assert_no_pending_responses()
    assert read_expense(response).totals.payable == read_expense(recorded).totals.payable


def test_multipage_pdf_is_staged_and_polled(conformance_dir: Path, pdf) -> None:
    recorded = json.loads((conformance_dir / MULTIPAGE).read_text())
    document = pdf(("Faktura",), pages=2)
    textract, s3 = _client("textract"), _client("s3")
    sleeps: list[float] = []
    first, second = dict(recorded), dict(recorded)
    first["ExpenseDocuments"], second["ExpenseDocuments"] = (
        recorded["ExpenseDocuments"][:1],
        recorded["ExpenseDocuments"][1:],
    )
    first["NextToken"] = "page-2"
    with Stubber(textract) as tstub, Stubber(s3) as sstub:
        sstub.add_response("put_object", {}, None)
        tstub.add_response("start_expense_analysis", {"JobId": "job-1"}, None)
        tstub.add_response("get_expense_analysis", {"JobStatus": "IN_PROGRESS"}, {"JobId": "job-1", "MaxResults": 20})
        tstub.add_response("get_expense_analysis", first, {"JobId": "job-1", "MaxResults": 20})
        tstub.add_response("get_expense_analysis", second, {"JobId": "job-1", "MaxResults": 20, "NextToken": "page-2"})
        engine = TextractExpenseEngine(client=textract, s3_client=s3, staging_bucket="staging", sleep=sleeps.append)
        response = engine.analyze_expense(document, content_type="application/pdf")
        tstub.assert_no_pending_responses()
    assert sleeps == [2.0]
    assert len(response["ExpenseDocuments"]) == 2
    assert read_expense(response) == read_expense(recorded)


def test_failed_and_endless_jobs() -> None:
    textract = _client("textract")
    with Stubber(textract) as stub:
        stub.add_response("start_expense_analysis", {"JobId": "job-2"}, None)
        stub.add_response("get_expense_analysis", {"JobStatus": "FAILED", "StatusMessage": "bad page"}, None)
        with pytest.raises(OcrError) as failed:
            TextractExpenseEngine(client=textract).analyze_stored("vouchers", "k.pdf")
        stub.add_response("start_expense_analysis", {"JobId": "job-3"}, None)
        for _ in range(3):
            stub.add_response("get_expense_analysis", {"JobStatus": "IN_PROGRESS"}, None)
        with pytest.raises(OcrError) as slow:
            TextractExpenseEngine(client=textract, max_wait_seconds=4, sleep=lambda _: None).analyze_stored(
                "vouchers", "k.pdf"
            )
    assert (failed.value.reason, slow.value.reason) == ("ocr-job-failed", "ocr-timeout")


def test_multipage_without_staging_bucket_is_an_error(pdf) -> None:
    with pytest.raises(OcrError) as caught:
        TextractExpenseEngine(client=object()).analyze_expense(pdf(("x",), pages=2), content_type="application/pdf")
    assert caught.value.reason == "ocr-no-staging-bucket"


def test_unsupported_content_is_refused_before_calling_aws() -> None:
    with pytest.raises(OcrError) as caught:
        TextractExpenseEngine(client=object()).analyze_expense(b"<xml/>", content_type="application/xml")
    assert caught.value.reason == "ocr-unsupported"


def test_simulator_reads_a_text_layer_pdf_like_textract_would(norwegian_invoice_pdf: bytes) -> None:
    response = SimulatedTextract().analyze_expense(norwegian_invoice_pdf, content_type="application/pdf")
    assert response["AnalyzeExpenseModelVersion"].startswith("simulated")
    assert response["ResponseMetadata"]["HTTPHeaders"]["x-klientportal-simulator"] == "SimulatedTextract"
    voucher = read_expense(response)
    from_text = interpret_invoice_text("\n".join(_pdf_text(norwegian_invoice_pdf)))
    for name in (
        "supplier_name",
        "supplier_orgnr",
        "invoice_number",
        "issue_date",
        "due_date",
        "kid",
        "bank_account",
        "currency",
    ):
        assert getattr(voucher, name).value == getattr(from_text, name).value, name
    assert voucher.totals.payable.value == from_text.totals.payable.value
    assert voucher.totals.tax.value == from_text.totals.tax.value


def _pdf_text(document: bytes) -> list[str]:
    from klientportal.vouchers.pdf_text import extract_text

    return list(extract_text(document).pages)
