"""What Klientportal extracts from an incoming voucher (EHF, PDF text layer or OCR).

Every value is wrapped in `Extracted`: the value (or None when not found) and a confidence in
[0, 1]. EHF values are exact (1.0); values read from a PDF text layer or OCR are below 1.
Money is Decimal throughout, in the document currency.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

EXACT = 1.0


class VoucherSource(StrEnum):
    """Where the extracted data came from; decides how strict the checks are."""

    EHF = "ehf"
    PDF_TEXT = "pdf-text"
    OCR = "ocr"


class DocumentType(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit-note"
    RECEIPT = "receipt"
    UNKNOWN = "unknown"


class Extracted(BaseModel, Generic[T]):
    """One extracted value with its confidence (0 = not found or pure guess, 1 = exact)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    value: T | None = None
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)

    @classmethod
    def exact(cls, value: T | None) -> Extracted[T]:
        """An exact value (EHF); a missing value keeps confidence 0."""
        return cls(value=value, confidence=EXACT if value is not None else 0.0)

    @property
    def found(self) -> bool:
        return self.value is not None


class VoucherLine(BaseModel):
    """One invoice line. `unit_price` is per `base_quantity` units (UBL BaseQuantity, default 1)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    description: Extracted[str] = Field(default_factory=Extracted)
    quantity: Extracted[Decimal] = Field(default_factory=Extracted)
    unit_code: str | None = None
    unit_price: Extracted[Decimal] = Field(default_factory=Extracted)
    base_quantity: Decimal | None = None
    net_amount: Extracted[Decimal] = Field(default_factory=Extracted)
    vat_category: Extracted[str] = Field(default_factory=Extracted)
    vat_rate: Extracted[Decimal] = Field(default_factory=Extracted)


class VatSubtotal(BaseModel):
    """VAT for one category and rate (UBL TaxSubtotal)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    category: str | None = None
    rate: Decimal | None = None
    taxable_amount: Decimal
    tax_amount: Decimal
    confidence: float = Field(default=EXACT, ge=0.0, le=1.0)


class Totals(BaseModel):
    """Document totals (UBL LegalMonetaryTotal plus the VAT total)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    line_extension: Extracted[Decimal] = Field(default_factory=Extracted)
    allowance_total: Extracted[Decimal] = Field(default_factory=Extracted)
    charge_total: Extracted[Decimal] = Field(default_factory=Extracted)
    tax_exclusive: Extracted[Decimal] = Field(default_factory=Extracted)
    tax: Extracted[Decimal] = Field(default_factory=Extracted)
    tax_inclusive: Extracted[Decimal] = Field(default_factory=Extracted)
    prepaid: Extracted[Decimal] = Field(default_factory=Extracted)
    rounding: Extracted[Decimal] = Field(default_factory=Extracted)
    payable: Extracted[Decimal] = Field(default_factory=Extracted)


class ExtractedVoucher(BaseModel):
    """A voucher's data as read from one source, before anyone has looked at it."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    source: VoucherSource
    document_type: Extracted[DocumentType] = Field(default_factory=Extracted)
    type_code: str | None = None
    customization_id: str | None = None
    profile_id: str | None = None
    supplier_name: Extracted[str] = Field(default_factory=Extracted)
    supplier_orgnr: Extracted[str] = Field(default_factory=Extracted)
    supplier_vat_id: Extracted[str] = Field(default_factory=Extracted)
    supplier_address: Extracted[str] = Field(default_factory=Extracted)
    buyer_name: Extracted[str] = Field(default_factory=Extracted)
    buyer_orgnr: Extracted[str] = Field(default_factory=Extracted)
    invoice_number: Extracted[str] = Field(default_factory=Extracted)
    issue_date: Extracted[date] = Field(default_factory=Extracted)
    due_date: Extracted[date] = Field(default_factory=Extracted)
    currency: Extracted[str] = Field(default_factory=Extracted)
    kid: Extracted[str] = Field(default_factory=Extracted)
    bank_account: Extracted[str] = Field(default_factory=Extracted)
    lines: tuple[VoucherLine, ...] = ()
    vat_breakdown: tuple[VatSubtotal, ...] = ()
    totals: Totals = Field(default_factory=Totals)
    warnings: tuple[str, ...] = ()
