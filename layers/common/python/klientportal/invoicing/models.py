"""Outgoing invoices and credit notes: the domain model that EHF, PDF and totals are made from.

Money and quantities are Decimal; a float anywhere is refused. The validators hold the EN 16931 VAT
rules that depend on more than one field (which VAT categories need a seller VAT number, exemption
reasons, one reason per category), so that every valid model can become a valid EHF document.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

from klientportal.formats.kid import validate_kid
from klientportal.validation.countries import CountryCode
from klientportal.validation.norwegian import BankAccount, Bic, Email, Iban, OrgNumber, PhoneNumber, validate_orgnr

NORWEGIAN_VAT_RATES = frozenset({Decimal(25), Decimal(15), Decimal(12)})


def _no_float(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError("money and quantities must be Decimal, int or str, never float")
    return value


def _max_places(places: int) -> Callable[[Decimal], Decimal]:
    def check(value: Decimal) -> Decimal:
        if not value.is_finite():
            raise ValueError("must be a finite number")
        exponent = value.as_tuple().exponent  # an int for every finite value
        if not isinstance(exponent, int) or -exponent > places:
            raise ValueError(f"at most {places} decimal places")
        return value

    return check


Money = Annotated[Decimal, BeforeValidator(_no_float), AfterValidator(_max_places(2))]
Price = Annotated[Decimal, BeforeValidator(_no_float), AfterValidator(_max_places(4)), Field(ge=0)]
Quantity = Annotated[Decimal, BeforeValidator(_no_float), AfterValidator(_max_places(4))]
Rate = Annotated[Decimal, BeforeValidator(_no_float), AfterValidator(_max_places(2))]

_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(value: str) -> str:
    if _XML_FORBIDDEN.search(value):
        raise ValueError("contains characters that XML cannot carry")
    return value


_XML_TEXT = AfterValidator(_xml_text)
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), _XML_TEXT]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), _XML_TEXT]
Identifier = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), _XML_TEXT]
PostalZone = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20), _XML_TEXT]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), _XML_TEXT]


def _kid(value: str) -> str:
    if not validate_kid(value):
        raise ValueError("not a valid KID (MOD10 or MOD11)")
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class VatCategory(StrEnum):
    """UNCL 5305 VAT category codes used in EN 16931."""

    STANDARD = "S"
    ZERO_RATED = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"
    INTRA_COMMUNITY = "K"
    EXPORT = "G"
    OUTSIDE_SCOPE = "O"


NEEDS_EXEMPTION_REASON = frozenset(
    {VatCategory.EXEMPT, VatCategory.REVERSE_CHARGE, VatCategory.INTRA_COMMUNITY, VatCategory.EXPORT,
     VatCategory.OUTSIDE_SCOPE}
)


class Vat(_Model):
    """VAT treatment of a line or allowance/charge. Only S carries a rate above zero."""

    category: VatCategory
    rate: Rate = Decimal(0)
    exemption_reason: Text | None = None
    exemption_reason_code: Annotated[str, Field(pattern=r"^VATEX-[A-Z]{2}-[A-Z0-9-]+$")] | None = None

    @model_validator(mode="after")
    def _rules(self) -> Vat:
        if self.category is VatCategory.STANDARD:
            if self.rate not in NORWEGIAN_VAT_RATES:
                raise ValueError(f"standard rate must be one of 25, 15, 12 (got {self.rate})")
        elif self.rate != 0:
            raise ValueError(f"category {self.category} has rate 0")
        has_reason = self.exemption_reason is not None or self.exemption_reason_code is not None
        if self.category in NEEDS_EXEMPTION_REASON and not has_reason:
            raise ValueError(f"category {self.category} needs an exemption reason or reason code")
        if self.category not in NEEDS_EXEMPTION_REASON and has_reason:
            raise ValueError(f"category {self.category} takes no exemption reason")
        return self

    @property
    def key(self) -> tuple[VatCategory, Decimal]:
        """The VAT breakdown group this belongs to (category and rate)."""
        return self.category, self.rate


class Address(_Model):
    street: Text | None = None
    additional_street: Text | None = None
    postal_zone: PostalZone | None = None
    city: Text | None = None
    country: CountryCode = "NO"


class PeppolEndpoint(_Model):
    """An electronic address: EAS scheme (e.g. 0192 Norwegian orgnr) and identifier."""

    scheme: Annotated[str, Field(pattern=r"^[0-9]{4}$")]
    identifier: Annotated[str, Field(pattern=r"^[A-Za-z0-9.:_-]{1,50}$")]

    @model_validator(mode="after")
    def _orgnr_scheme(self) -> PeppolEndpoint:
        if self.scheme == "0192":
            validate_orgnr(self.identifier)
        return self


class Seller(_Model):
    name: Text
    orgnr: OrgNumber
    mva_registered: bool
    foretaksregisteret: bool
    address: Address
    bank_account: BankAccount
    iban: Iban | None = None
    bic: Bic | None = None
    email: Email | None = None
    phone: PhoneNumber | None = None

    @property
    def mva_number(self) -> str | None:
        """NO<orgnr>MVA when registered for VAT, else None."""
        return f"NO{self.orgnr}MVA" if self.mva_registered else None


class Buyer(_Model):
    name: Text
    orgnr: OrgNumber | None = None
    vat_number: Annotated[str, Field(pattern=r"^[A-Z]{2}[A-Za-z0-9+*.]{2,}$")] | None = None
    address: Address
    email: Email | None = None
    peppol_endpoint: PeppolEndpoint | None = None


class InvoiceLine(_Model):
    description: Text
    quantity: Quantity
    unit_code: Annotated[str, Field(pattern=r"^[A-Z0-9]{2,3}$")] = "EA"
    unit_price: Price
    vat: Vat
    discount_amount: Money | None = Field(default=None, gt=0)
    discount_percent: Rate | None = Field(default=None, gt=0, le=100)

    @model_validator(mode="after")
    def _discount(self) -> InvoiceLine:
        if self.quantity == 0:
            raise ValueError("quantity must not be zero")
        if self.discount_amount is not None and self.discount_percent is not None:
            raise ValueError("give a discount amount or a discount percent, not both")
        if self.has_discount and self.quantity < 0:
            raise ValueError("a discount applies only to a line with positive quantity")
        if self.discount_amount is not None and self.discount_amount > self.quantity * self.unit_price:
            raise ValueError("the discount is larger than the line amount")
        return self

    @property
    def has_discount(self) -> bool:
        return self.discount_amount is not None or self.discount_percent is not None


class AllowanceCharge(_Model):
    """A document-level allowance (is_charge=False) or charge, e.g. freight or an order discount."""

    is_charge: bool
    amount: Money = Field(gt=0)
    reason: Text
    reason_code: Annotated[str, Field(pattern=r"^[A-Z0-9]{1,3}$")] | None = None
    vat: Vat


class Attachment(_Model):
    """A document embedded in the EHF (e.g. the invoice PDF)."""

    filename: ShortText
    mime_code: Annotated[str, Field(pattern=r"^[a-z]+/[a-z0-9.+-]+$")] = "application/pdf"
    content: bytes = Field(min_length=1)
    description: Text | None = None


class Invoice(_Model):
    """An invoice or credit note to one buyer. Amounts on a credit note are positive."""

    kind: DocumentKind = DocumentKind.INVOICE
    number: Identifier
    issue_date: date
    due_date: date | None = None
    seller: Seller
    buyer: Buyer
    lines: Annotated[tuple[InvoiceLine, ...], Field(min_length=1, max_length=9999)]
    allowances_charges: tuple[AllowanceCharge, ...] = ()
    kid: Annotated[str, AfterValidator(_kid)] | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "NOK"
    nok_exchange_rate: Annotated[Decimal, BeforeValidator(_no_float), Field(gt=0)] | None = None
    buyer_reference: ShortText | None = None
    order_reference: ShortText | None = None
    note: LongText | None = None
    credited_invoice_number: Identifier | None = None
    credited_invoice_date: date | None = None
    delivery_date: date | None = None
    delivery_country: CountryCode | None = None
    prepaid_amount: Money = Decimal(0)
    round_payable_to_krone: bool = False
    attachments: tuple[Attachment, ...] = ()

    @model_validator(mode="after")
    def _document_rules(self) -> Invoice:
        _check_dates_and_kind(self)
        _check_currency(self)
        _check_vat(self)
        return self

    @property
    def vats(self) -> tuple[Vat, ...]:
        return tuple(x.vat for x in self.lines) + tuple(x.vat for x in self.allowances_charges)


def _check_dates_and_kind(inv: Invoice) -> None:
    if inv.due_date is not None and inv.due_date < inv.issue_date:
        raise ValueError("due date is before the issue date")
    if inv.kind is DocumentKind.CREDIT_NOTE and inv.credited_invoice_number is None:
        raise ValueError("a credit note must name the invoice it credits")
    if inv.kind is DocumentKind.INVOICE and inv.credited_invoice_number is not None:
        raise ValueError("only a credit note credits an invoice")
    if inv.credited_invoice_date is not None and inv.credited_invoice_number is None:
        raise ValueError("credited invoice date without a credited invoice number")


def _check_currency(inv: Invoice) -> None:
    if inv.currency == "NOK" and inv.nok_exchange_rate is not None:
        raise ValueError("an exchange rate is only for invoices in a foreign currency")
    if inv.currency != "NOK" and inv.nok_exchange_rate is None:
        raise ValueError("a foreign-currency invoice needs nok_exchange_rate (VAT is accounted in NOK)")


def _check_vat(inv: Invoice) -> None:
    categories = {v.category for v in inv.vats}
    if not inv.seller.mva_registered and categories != {VatCategory.OUTSIDE_SCOPE}:
        raise ValueError("a seller not registered for VAT invoices with category O only")
    if inv.seller.mva_registered and VatCategory.OUTSIDE_SCOPE in categories:
        raise ValueError("category O (outside the scope of VAT) is for sellers not registered for VAT")
    if VatCategory.OUTSIDE_SCOPE in categories and inv.buyer.vat_number is not None:
        raise ValueError("category O invoices carry no buyer VAT number")
    if VatCategory.REVERSE_CHARGE in categories and not (inv.buyer.vat_number or inv.buyer.orgnr):
        raise ValueError("reverse charge (AE) needs the buyer's VAT number or organisation number")
    if VatCategory.INTRA_COMMUNITY in categories:
        if not inv.buyer.vat_number or inv.buyer.address.country == inv.seller.address.country:
            raise ValueError("category K needs a buyer VAT number in another country")
        if inv.delivery_date is None or inv.delivery_country is None:
            raise ValueError("category K needs a delivery date and delivery country")
    reasons: dict[VatCategory, tuple[str | None, str | None]] = {}
    for vat in inv.vats:
        reason = (vat.exemption_reason, vat.exemption_reason_code)
        if reasons.setdefault(vat.category, reason) != reason:
            raise ValueError(f"all category {vat.category} items must share one exemption reason")

