"""A simple interpreter for the text of a Norwegian invoice (PDF text layer or OCR lines).

It looks for values beside their usual labels: "Org.nr"/"NO ... MVA", "KID", "Kontonummer",
"Fakturanr", "Fakturadato", "Forfallsdato", "Å betale", "Sum eks. mva", "MVA". Confidences are
below 1: a labelled value gets `LABELLED`; identifiers that pass their check digit get `VERIFIED`,
those that fail get `DOUBTFUL`; a supplier name guessed from the letterhead gets `GUESSED`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from stdnum.no import orgnr

from klientportal.vouchers.checks import bank_account_is_valid, kid_is_valid
from klientportal.vouchers.models import DocumentType, Extracted, ExtractedVoucher, Totals, VoucherSource
from klientportal.vouchers.parsing import parse_amount, parse_date

VERIFIED = 0.9
LABELLED = 0.7
DOUBTFUL = 0.3
GUESSED = 0.3

_I = re.IGNORECASE
_DATE = r"(\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}\.?\s+[a-zæøå]{3,9}\.?\s+\d{4})"
_ORGNR = re.compile(
    r"(?:org(?:anisasjons)?\.?\s*-?\s*n(?:r|o|ummer)\.?|foretaksregisteret)\s*:?\s*(?:NO\s*)?(\d{3}[\s.]?\d{3}[\s.]?\d{3})(?!\d)",
    _I,
)
_VAT_NO = re.compile(r"\bNO\s?(\d{3}\s?\d{3}\s?\d{3})\s?MVA\b", _I)
_KID = re.compile(r"\bKID(?:[\s-]*(?:nr|nummer))?\.?\s*:?\s*(\d(?:[ ]?\d){1,24})(?!\d)", _I)
_ACCOUNT = re.compile(
    r"(?:konto\s*(?:nummer|nr)?|bankkonto|betales til|til konto)\.?\s*:?\s*(\d{4}[ .]?\d{2}[ .]?\d{5})(?!\d)", _I
)
_IBAN = re.compile(r"\bIBAN\s*:?\s*([A-Z]{2}\d{2}(?:\s?[A-Z0-9]){11,30})", _I)
_NUMBER = re.compile(r"(?:faktura|kreditnota)\s*-?\s*(?:nr|nummer|no)\.?\s*:?\s*([A-Za-z0-9][A-Za-z0-9\-/]{0,30})", _I)
_ISSUE = re.compile(r"(?:faktura\s*-?\s*dato|utstedt|^dato)\s*:?\s*" + _DATE, _I | re.M)
_DUE = re.compile(r"(?:forfalls\s*-?\s*dato|forfall|betalingsfrist)\s*:?\s*" + _DATE, _I)
_PAYABLE = re.compile(r"(?:(?:beløp|sum|totalt)\s+)?å\s+betale\b(.*)", _I)
_TAX_INCL = re.compile(r"(?:sum|total[t]?)\s+(?:inkl\.?|inklusive|med)\s+mva\b(.*)", _I)
_TAX_EXCL = re.compile(r"(?:sum|total[t]?|netto)\s+(?:eks\.?|ekskl\.?|eksklusive|uten)\s+mva\b(.*)", _I)
_TAX = re.compile(r"^(?:(?:sum|total[t]?)\s+)?(?:mva|merverdiavgift)\b(?!\s+(?:grunnlag|\d{3}))(.*)", _I | re.M)
_AMOUNT = re.compile(
    r"[-−]?\d{1,3}(?:[ \u00a0.]\d{3})*(?:,\d{1,2}|,-)(?!\d)|[-−]?\d+(?:[.,]\d{2})(?!\d)|[-−]?\d+(?!\d)"
)
_PERCENT = re.compile(r"\d+(?:[.,]\d+)?\s*%")
_COMPANY = re.compile(r"\b(?:AS|ASA|ANS|DA|SA|ENK|NUF)\b")


def interpret_invoice_text(text: str) -> ExtractedVoucher:
    """Best-effort extraction of the fields of a Norwegian invoice from its plain text."""
    supplier_orgnr, buyer_orgnr = _orgnrs(text)
    kid = _first(_KID, text)
    account = _first(_ACCOUNT, text) or _first(_IBAN, text)
    return ExtractedVoucher(
        source=VoucherSource.PDF_TEXT,
        document_type=_document_type(text),
        supplier_name=_supplier_name(text),
        supplier_orgnr=supplier_orgnr,
        buyer_orgnr=buyer_orgnr,
        invoice_number=_labelled(_first_raw(_NUMBER, text)),
        issue_date=_date(_ISSUE, text),
        due_date=_date(_DUE, text),
        currency=_currency(text),
        kid=_verified(_compact(kid), kid_is_valid),
        bank_account=_verified(_compact(account), bank_account_is_valid),
        totals=Totals(
            tax_exclusive=_amount(_TAX_EXCL, text),
            tax=_amount(_TAX, text),
            tax_inclusive=_amount(_TAX_INCL, text),
            payable=_amount(_PAYABLE, text),
        ),
    )


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group(1) if match else None


def _first_raw(pattern: re.Pattern[str], text: str) -> str | None:
    value = _first(pattern, text)
    return value.strip() if value else None


def _compact(value: str | None) -> str | None:
    return re.sub(r"[\s.]", "", value) if value else None


def _labelled(value: str | None) -> Extracted[str]:
    return Extracted[str](value=value, confidence=LABELLED if value else 0.0)


def _verified(value: str | None, check: Callable[[str], bool]) -> Extracted[str]:
    if not value:
        return Extracted[str]()
    return Extracted[str](value=value, confidence=VERIFIED if check(value) else DOUBTFUL)


def _orgnrs(text: str) -> tuple[Extracted[str], Extracted[str]]:
    supplier: str | None = None
    buyer: str | None = None
    for pattern in (_ORGNR, _VAT_NO):
        for match in pattern.finditer(text):
            line_start = text.rfind("\n", 0, match.start()) + 1
            number = _compact(match.group(1))
            if re.search(r"kunde|kjøper", text[line_start : match.start()], _I):
                buyer = buyer or number
            else:
                supplier = supplier or number
    return _verified(supplier, orgnr.is_valid), _verified(buyer, orgnr.is_valid)


def _date(pattern: re.Pattern[str], text: str) -> Extracted[date]:
    parsed = parse_date(_first(pattern, text))
    if parsed is None:
        return Extracted[date]()
    value, ambiguous = parsed
    return Extracted[date](value=value, confidence=DOUBTFUL if ambiguous else LABELLED)


def _amount(pattern: re.Pattern[str], text: str) -> Extracted[Decimal]:
    """The last amount on the labelled line (or the next line when the label stands alone)."""
    match = pattern.search(text)
    if match is None:
        return Extracted[Decimal]()
    rest = _PERCENT.sub(" ", match.group(1))
    if not _AMOUNT.search(rest):
        following = text[match.end() :].lstrip("\n").split("\n", 1)[0]
        rest = _PERCENT.sub(" ", following)
    amounts = _AMOUNT.findall(rest)
    value = parse_amount(amounts[-1]) if amounts else None
    return Extracted[Decimal](value=value, confidence=LABELLED if value is not None else 0.0)


def _currency(text: str) -> Extracted[str]:
    match = re.search(r"\b(NOK|SEK|DKK|EUR|USD|GBP)\b", text)
    if match:
        return Extracted[str](value=match.group(1), confidence=LABELLED)
    if re.search(r"\bkr\.?(?=\s|\d|$)", text, _I):
        return Extracted[str](value="NOK", confidence=0.5)
    return Extracted[str]()


def _document_type(text: str) -> Extracted[DocumentType]:
    lowered = text.lower()
    for word, kind in (
        ("kreditnota", DocumentType.CREDIT_NOTE),
        ("faktura", DocumentType.INVOICE),
        ("kvittering", DocumentType.RECEIPT),
    ):
        if word in lowered:
            return Extracted[DocumentType](value=kind, confidence=LABELLED)
    return Extracted[DocumentType](value=DocumentType.UNKNOWN, confidence=0.0)


def _supplier_name(text: str) -> Extracted[str]:
    lines = [line.strip() for line in text.splitlines() if line.strip()][:15]
    for line in lines:
        if _COMPANY.search(line) and len(line) <= 80 and not re.search(r"\d{5,}", line):
            return Extracted[str](value=line, confidence=0.5)
    first = next((line for line in lines if len(line) <= 80), None)
    return Extracted[str](value=first, confidence=GUESSED if first else 0.0)
