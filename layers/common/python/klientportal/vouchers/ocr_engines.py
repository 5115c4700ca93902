"""OCR engines: Amazon Textract (AnalyzeExpense) and a local simulator with the same answer shape.

`TextractExpenseEngine` is the only code here that talks to AWS; boto3 is imported inside it.
Images and single-page PDFs go through synchronous AnalyzeExpense; multi-page PDFs must be in S3,
so they are staged in a bucket (expire the prefix with a lifecycle rule) and read with
StartExpenseAnalysis + GetExpenseAnalysis polling, pages merged into one response.

`SimulatedTextract` is NOT Textract. It answers from recorded responses (keyed by the SHA-256 of
the document) or, for PDFs with a text layer, builds a Textract-shaped response from the text.
Every response it returns says so in `ResponseMetadata` and `AnalyzeExpenseModelVersion`.
"""

from __future__ import annotations

import copy
import hashlib
import time
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from klientportal.vouchers import sniff
from klientportal.vouchers.models import Extracted
from klientportal.vouchers.ocr import OcrError

SIMULATOR_MARK = "SimulatedTextract"
_POLL_PAGE_SIZE = 20


class TextractExpenseEngine:
    """Amazon Textract AnalyzeExpense (sync for images and one-page PDFs, async for longer PDFs)."""

    def __init__(
        self,
        *,
        client: Any = None,
        s3_client: Any = None,
        staging_bucket: str | None = None,
        staging_prefix: str = "ocr-staging/",
        poll_seconds: float = 2.0,
        max_wait_seconds: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._s3 = s3_client
        self._bucket = staging_bucket
        self._prefix = staging_prefix
        self._poll = poll_seconds
        self._max_wait = max_wait_seconds
        self._sleep = sleep

    def _textract(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.client("textract")
        return self._client

    def analyze_expense(self, document: bytes, *, content_type: str) -> dict[str, Any]:
        kind = sniff.normalise_declared(content_type) or sniff.sniff(document)
        if kind not in (sniff.PDF, sniff.PNG, sniff.JPEG, sniff.TIFF):
            raise OcrError("ocr-unsupported", f"Textract reads PDF, PNG, JPEG and TIFF, not {content_type}")
        if kind == sniff.PDF and _page_count(document) > 1:
            return self._analyze_staged(document)
        response: dict[str, Any] = self._textract().analyze_expense(Document={"Bytes": document})
        return response

    def _analyze_staged(self, document: bytes) -> dict[str, Any]:
        if self._bucket is None:
            raise OcrError("ocr-no-staging-bucket", "multi-page PDFs need an S3 staging bucket")
        if self._s3 is None:
            import boto3

            self._s3 = boto3.client("s3")
        key = f"{self._prefix}{hashlib.sha256(document).hexdigest()}.pdf"
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=document, ContentType=sniff.PDF)
        return self.analyze_stored(self._bucket, key)

    def analyze_stored(self, bucket: str, key: str) -> dict[str, Any]:
        """Run the async job on an object already in S3 and merge all result pages."""
        client = self._textract()
        job_id = client.start_expense_analysis(DocumentLocation={"S3Object": {"Bucket": bucket, "Name": key}})["JobId"]
        waited = 0.0
        while True:
            page = client.get_expense_analysis(JobId=job_id, MaxResults=_POLL_PAGE_SIZE)
            status = page.get("JobStatus")
            if status == "FAILED":
                raise OcrError("ocr-job-failed", str(page.get("StatusMessage", "Textract job failed")))
            if status != "IN_PROGRESS":
                break
            if waited >= self._max_wait:
                raise OcrError("ocr-timeout", f"job {job_id} still running after {waited:.0f} s")
            self._sleep(self._poll)
            waited += self._poll
        merged = {
            key_: page[key_] for key_ in ("JobStatus", "DocumentMetadata", "AnalyzeExpenseModelVersion") if key_ in page
        }
        merged["ExpenseDocuments"] = list(page.get("ExpenseDocuments", []))
        while token := page.get("NextToken"):
            page = client.get_expense_analysis(JobId=job_id, MaxResults=_POLL_PAGE_SIZE, NextToken=token)
            merged["ExpenseDocuments"].extend(page.get("ExpenseDocuments", []))
        return merged


def _page_count(document: bytes) -> int:
    from klientportal.vouchers.pdf_text import count_pages

    return count_pages(document)


class SimulatedTextract:
    """A LOCAL SIMULATOR of Textract AnalyzeExpense for the local stack and tests (not Textract)."""

    is_simulator = True

    def __init__(self, recorded: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self._recorded: dict[str, Mapping[str, Any]] = dict(recorded or {})

    def record(self, document: bytes, response: Mapping[str, Any]) -> None:
        """Answer `response` whenever exactly these bytes are analysed."""
        self._recorded[hashlib.sha256(document).hexdigest()] = response

    def analyze_expense(self, document: bytes, *, content_type: str) -> dict[str, Any]:
        digest = hashlib.sha256(document).hexdigest()
        if digest in self._recorded:
            response = copy.deepcopy(dict(self._recorded[digest]))
        elif sniff.sniff(document) == sniff.PDF:
            response = _response_from_text_layer(document)
        else:
            raise OcrError(
                "simulator-no-response", f"the simulator cannot read {content_type} without a recorded response"
            )
        metadata = response.setdefault("ResponseMetadata", {})
        metadata["RequestId"] = f"simulated-{digest[:16]}"
        metadata.setdefault("HTTPHeaders", {})["x-klientportal-simulator"] = SIMULATOR_MARK
        return response


def _response_from_text_layer(document: bytes) -> dict[str, Any]:
    from klientportal.vouchers.invoice_text import interpret_invoice_text
    from klientportal.vouchers.pdf_text import extract_text

    text = extract_text(document)
    voucher = interpret_invoice_text(text.text)
    totals = voucher.totals
    wanted: list[tuple[str, str, Extracted[Any]]] = [
        ("VENDOR_NAME", "", voucher.supplier_name),
        ("INVOICE_RECEIPT_ID", "Fakturanr", voucher.invoice_number),
        ("INVOICE_RECEIPT_DATE", "Fakturadato", voucher.issue_date),
        ("DUE_DATE", "Forfallsdato", voucher.due_date),
        ("SUBTOTAL", "Sum eks. mva", totals.tax_exclusive),
        ("TAX", "MVA", totals.tax),
        ("TOTAL", "Sum inkl. mva", totals.tax_inclusive),
        ("AMOUNT_DUE", "Å betale", totals.payable),
        ("OTHER", "KID", voucher.kid),
        ("OTHER", "Kontonummer", voucher.bank_account),
        ("OTHER", "Org.nr", voucher.supplier_orgnr),
    ]
    fields = [
        _summary_field(kind, label, value, voucher.currency.value) for kind, label, value in wanted if value.found
    ]
    return {
        "DocumentMetadata": {"Pages": max(len(text.pages), 1)},
        "ExpenseDocuments": [{"ExpenseIndex": 1, "SummaryFields": fields, "LineItemGroups": []}],
        "AnalyzeExpenseModelVersion": f"simulated-by-{SIMULATOR_MARK}",
    }


def _summary_field(kind: str, label: str, extracted: Extracted[Any], currency: str | None) -> dict[str, Any]:
    value = extracted.value
    if isinstance(value, date):
        text = value.strftime("%d.%m.%Y")
    elif isinstance(value, Decimal):
        text = f"{value:,.2f}".replace(",", " ").replace(".", ",")
    else:
        text = str(value)
    field: dict[str, Any] = {
        "Type": {"Text": kind, "Confidence": 99.0},
        "ValueDetection": {"Text": text, "Confidence": round(extracted.confidence * 100, 1)},
        "PageNumber": 1,
    }
    if currency and isinstance(value, Decimal):
        field["Currency"] = {"Code": currency}
    if label:
        field["LabelDetection"] = {"Text": label, "Confidence": 99.0}
    return field
