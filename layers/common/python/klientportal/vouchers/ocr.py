"""OCR of voucher images and scanned PDFs: the engine port and the reading of its answer.

An `OcrEngine` returns a Textract-shaped AnalyzeExpense response (sync `AnalyzeExpense` or the
merged pages of `GetExpenseAnalysis`). `read_expense` maps it onto an ExtractedVoucher: the summary
field with the highest confidence wins for each type, confidences are Textract's (min of type and
value, /100, never 1.0), amounts and dates are parsed leniently (US and Norwegian formats).
Norwegian fields Textract has no type for (KID, kontonummer, org.nr) are taken from labelled
OTHER fields. Engines: `ocr_engines.TextractExpenseEngine` (AWS) and `SimulatedTextract` (local).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from klientportal.errors import ReasonedError
from klientportal.vouchers.checks import bank_account_is_valid, kid_is_valid
from klientportal.vouchers.models import (
    DocumentType,
    Extracted,
    ExtractedVoucher,
    Totals,
    VoucherLine,
    VoucherSource,
)
from klientportal.vouchers.parsing import parse_amount, parse_date

MAX_OCR_CONFIDENCE = 0.99
_CURRENCY_SYMBOLS = (("$", "USD"), ("€", "EUR"), ("£", "GBP"), ("NOK", "NOK"), ("kr", "NOK"))
_OTHER_LABELS = (
    (re.compile(r"\bKID\b", re.I), "kid"),
    (re.compile(r"konto|bank\s*account|\bIBAN\b", re.I), "bank_account"),
    (re.compile(r"org\.?\s*n|organisasjonsn", re.I), "orgnr"),
    (re.compile(r"forfall", re.I), "due"),
)


class OcrError(ReasonedError, RuntimeError):
    """OCR did not produce a usable answer. Reasons: ocr-job-failed, ocr-not-finished, ocr-timeout,
    ocr-unsupported, ocr-no-staging-bucket, simulator-no-response."""


class OcrEngine(Protocol):
    """Anything that answers like Textract AnalyzeExpense."""

    def analyze_expense(self, document: bytes, *, content_type: str) -> dict[str, Any]: ...


Candidate = tuple[str, float, str]  # value text, confidence 0..1, label text


def _confidence(field: Mapping[str, Any]) -> float:
    type_conf: float = field.get("Type", {}).get("Confidence", 100.0)
    value_conf: float = field.get("ValueDetection", {}).get("Confidence", 0.0)
    return max(0.0, min(MAX_OCR_CONFIDENCE, min(type_conf, value_conf) / 100.0))


def _clean(text: str) -> str:
    return " ".join(text.split())


def _summary(response: Mapping[str, Any]) -> dict[str, list[Candidate]]:
    fields: dict[str, list[Candidate]] = {}
    for document in response.get("ExpenseDocuments", []):
        for field in document.get("SummaryFields", []):
            text = _clean(field.get("ValueDetection", {}).get("Text", ""))
            if not text:
                continue
            label = _clean((field.get("LabelDetection") or {}).get("Text", ""))
            kind = field.get("Type", {}).get("Text", "OTHER")
            fields.setdefault(kind, []).append((text, _confidence(field), label))
            code = (field.get("Currency") or {}).get("Code")
            if code:
                fields.setdefault("_CURRENCY", []).append((code, _confidence(field), ""))
    return fields


def _best(candidates: list[Candidate] | None) -> Candidate | None:
    return max(candidates, key=lambda c: c[1]) if candidates else None


def _text(fields: dict[str, list[Candidate]], kind: str) -> Extracted[str]:
    best = _best(fields.get(kind))
    return Extracted[str](value=best[0], confidence=best[1]) if best else Extracted[str]()


def _amount(best: Candidate | None) -> Extracted[Decimal]:
    value = parse_amount(best[0]) if best else None
    return Extracted[Decimal](value=value, confidence=best[1]) if best and value is not None else Extracted[Decimal]()


def _date(best: Candidate | None, warnings: list[str]) -> Extracted[date]:
    parsed = parse_date(best[0]) if best else None
    if best is None or parsed is None:
        return Extracted[date]()
    value, ambiguous = parsed
    if ambiguous:
        warnings.append(f"ambiguous-date: {best[0]!r} read as {value.isoformat()} (month first)")
    return Extracted[date](value=value, confidence=best[1] * (0.5 if ambiguous else 1.0))


def _labelled_others(fields: dict[str, list[Candidate]]) -> dict[str, Candidate]:
    found: dict[str, Candidate] = {}
    for candidate in sorted(fields.get("OTHER", []), key=lambda c: -c[1]):
        for pattern, name in _OTHER_LABELS:
            if name not in found and pattern.search(candidate[2]):
                found[name] = candidate
    return found


def _identifier(candidate: Candidate | None, pattern: str, check: Callable[[str], bool]) -> Extracted[str]:
    if candidate is None:
        return Extracted[str]()
    match = re.search(pattern, candidate[0])
    if match is None:
        return Extracted[str]()
    value = re.sub(r"[\s.]", "", match.group(1))
    return Extracted[str](value=value, confidence=candidate[1] if check(value) else min(candidate[1], 0.3))


def _orgnr(others: dict[str, Candidate], fields: dict[str, list[Candidate]]) -> Extracted[str]:
    from stdnum.no import orgnr

    vat = _best(fields.get("VENDOR_VAT_NUMBER"))
    for candidate in (others.get("orgnr"), vat if vat and re.search(r"MVA|^NO", vat[0], re.I) else None):
        found = _identifier(candidate, r"(?<!\d)(\d{3}[\s.]?\d{3}[\s.]?\d{3})(?!\d)", orgnr.is_valid)
        if found.found:
            return found
    return Extracted[str]()


def _currency(fields: dict[str, list[Candidate]]) -> Extracted[str]:
    coded = _best(fields.get("_CURRENCY"))
    if coded:
        return Extracted[str](value=coded[0], confidence=coded[1])
    for kind in ("TOTAL", "AMOUNT_DUE", "SUBTOTAL"):
        best = _best(fields.get(kind))
        if best is None:
            continue
        for symbol, code in _CURRENCY_SYMBOLS:
            if symbol in best[0]:
                return Extracted[str](value=code, confidence=best[1] * 0.8)
    return Extracted[str]()


def _document_type(fields: dict[str, list[Candidate]]) -> Extracted[DocumentType]:
    labels = " ".join(c[2] for candidates in fields.values() for c in candidates).lower()
    if "kreditnota" in labels or "credit note" in labels:
        kind = DocumentType.CREDIT_NOTE
    elif "DUE_DATE" in fields or "invoice" in labels or "faktura" in labels:
        kind = DocumentType.INVOICE
    else:
        kind = DocumentType.RECEIPT
    return Extracted[DocumentType](value=kind, confidence=0.6)


def _lines(response: Mapping[str, Any]) -> tuple[VoucherLine, ...]:
    lines = []
    for document in response.get("ExpenseDocuments", []):
        for group in document.get("LineItemGroups", []):
            for item in group.get("LineItems", []):
                cells: dict[str, list[Candidate]] = {}
                for field in item.get("LineItemExpenseFields", []):
                    text = _clean(field.get("ValueDetection", {}).get("Text", ""))
                    if text:
                        cells.setdefault(field.get("Type", {}).get("Text", "OTHER"), []).append(
                            (text, _confidence(field), "")
                        )
                description = _best(cells.get("ITEM") or cells.get("DESCRIPTION"))
                net = _best(cells.get("PRICE") or cells.get("TOTAL"))
                if description is None and net is None:
                    continue
                lines.append(
                    VoucherLine(
                        description=Extracted[str](value=description[0], confidence=description[1])
                        if description
                        else Extracted[str](),
                        quantity=_amount(_best(cells.get("QUANTITY"))),
                        unit_price=_amount(_best(cells.get("UNIT_PRICE"))),
                        net_amount=_amount(net),
                    )
                )
    return tuple(lines)


def read_expense(response: Mapping[str, Any]) -> ExtractedVoucher:
    """Map a Textract-shaped AnalyzeExpense / GetExpenseAnalysis response onto the voucher model."""
    status = response.get("JobStatus")
    if status == "FAILED":
        raise OcrError("ocr-job-failed", str(response.get("StatusMessage", "the OCR job failed")))
    if status == "IN_PROGRESS":
        raise OcrError("ocr-not-finished", "the OCR job is still running")
    fields = _summary(response)
    others = _labelled_others(fields)
    warnings: list[str] = []
    ids = {c[0] for c in fields.get("INVOICE_RECEIPT_ID", [])}
    if len(ids) > 1:
        warnings.append(f"multiple-documents: {len(ids)} different invoice numbers")
    total = _best(fields.get("TOTAL"))
    due = _best(fields.get("DUE_DATE")) or others.get("due")
    return ExtractedVoucher(
        source=VoucherSource.OCR,
        document_type=_document_type(fields),
        supplier_name=_text(fields, "VENDOR_NAME"),
        supplier_orgnr=_orgnr(others, fields),
        supplier_vat_id=_text(fields, "VENDOR_VAT_NUMBER"),
        supplier_address=_text(fields, "VENDOR_ADDRESS"),
        buyer_name=_text(fields, "RECEIVER_NAME"),
        invoice_number=_text(fields, "INVOICE_RECEIPT_ID"),
        issue_date=_date(_best(fields.get("INVOICE_RECEIPT_DATE")), warnings),
        due_date=_date(due, warnings),
        currency=_currency(fields),
        kid=_identifier(others.get("kid"), r"(?<!\d)(\d(?:\s?\d){1,24})(?!\d)", kid_is_valid),
        bank_account=_identifier(
            others.get("bank_account"), r"(?<!\d)(\d{4}[\s.]?\d{2}[\s.]?\d{5})(?!\d)", bank_account_is_valid
        ),
        lines=_lines(response),
        totals=Totals(
            tax_exclusive=_amount(_best(fields.get("SUBTOTAL"))),
            tax=_amount(_best(fields.get("TAX"))),
            tax_inclusive=_amount(total),
            payable=_amount(_best(fields.get("AMOUNT_DUE")) or total),
        ),
        warnings=tuple(warnings),
    )
