"""Outgoing invoices and credit notes: the domain model that EHF, PDF and totals are made from.

Money and quantities are Decimal; a float anywhere is refused. The validators hold the EN 16931 VAT
rules that depend on more than one field (which VAT categories need a seller VAT number, exemption
reasons, one reason per category), so that every valid model can become a valid EHF document.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

from klientportal.formats.ehf.codelists import (
    ALLOWANCE_REASON_CODES,
    ATTACHMENT_MIME_TYPES,
    CHARGE_REASON_CODES,
    CURRENCY_CODES,
    VATEX_CATEGORY,
    VATEX_CODES,
)
from klientportal.formats.ehf.ubl import SCHEME_NO_ORGNR
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
ExchangeRate = Annotated[Decimal, BeforeValidator(_no_float), AfterValidator(_max_places(6)), Field(gt=0)]
Percent = Annotated[Decimal, BeforeValidator(_no_float), AfterValidator(_max_places(2)), Field(gt=0, le=100)]


def percent_of(base: Decimal, percent: Decimal) -> Decimal:
    """`percent` % of `base`, rounded to øre half away from zero (the rounding rule of calc)."""
    return (base * percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


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
    """Validators built on first use (a draft, an issue, a rendition), not at import (cold start, bench/)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


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
    {
        VatCategory.EXEMPT,
        VatCategory.REVERSE_CHARGE,
        VatCategory.INTRA_COMMUNITY,
        VatCategory.EXPORT,
        VatCategory.OUTSIDE_SCOPE,
    }
)


class Vat(_Model):
    """VAT treatment of a line or allowance/charge. Only S carries a rate above zero."""

    category: VatCategory
    rate: Rate = Decimal(0)
    exemption_reason: Text | None = None
    exemption_reason_code: Annotated[str, Field(pattern=r"^VATEX-[A-Z]{2}-[A-Z0-9-]+$")] | None = None

    @model_validator(mode="after")
    def _rules(self) -> Vat:
        code = self.exemption_reason_code
        if code is not None and code not in VATEX_CODES:
            raise ValueError(f"{code} is not a VATEX exemption reason code")
        if code in VATEX_CATEGORY and VATEX_CATEGORY[code] != self.category:
            raise ValueError(f"{code} is only for VAT category {VATEX_CATEGORY[code]}")
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
        if self.scheme == SCHEME_NO_ORGNR:
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


class Period(_Model):
    """An invoicing period (BG-14) or line period (BG-26): a start, an end, or both (BR-CO-19/20)."""

    start: date | None = None
    end: date | None = None

    @model_validator(mode="after")
    def _dates(self) -> Period:
        if self.start is None and self.end is None:
            raise ValueError("a period needs a start date, an end date or both")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError("the period ends before it starts")
        return self

    def covers(self, other: Period) -> bool:
        """True when `other` starts and ends within this period (PEPPOL-EN16931-R110/R111)."""
        dates = [x for x in (other.start, other.end) if x is not None]
        if self.start is not None and min(dates) < self.start:
            return False
        return not (self.end is not None and max(dates) > self.end)


def _reason_code(is_charge: bool, code: str | None) -> None:
    if code is None:
        return
    if is_charge and code not in CHARGE_REASON_CODES:
        raise ValueError(f"{code} is not a charge reason code (UNCL 7161)")
    if not is_charge and code not in ALLOWANCE_REASON_CODES:
        raise ValueError(f"{code} is not an allowance reason code (UNCL 5189)")


class LineAllowanceCharge(_Model):
    """A line allowance (BG-27) or charge (BG-28): an amount, or a percent of the line's gross amount
    (quantity x net price / base quantity), with a reason and optionally a UNCL 5189 / 7161 code."""

    is_charge: bool
    amount: Money | None = Field(default=None, gt=0)
    percent: Percent | None = None
    reason: Text
    reason_code: Annotated[str, Field(pattern=r"^[A-Z0-9]{1,3}$")] | None = None

    @model_validator(mode="after")
    def _rules(self) -> LineAllowanceCharge:
        if (self.amount is None) == (self.percent is None):
            raise ValueError("give an amount or a percent, one of them")
        _reason_code(self.is_charge, self.reason_code)
        return self


class InvoiceLine(_Model):
    """`unit_price` is the net price (BT-146) per `base_quantity` units (BT-149, default 1); with
    `gross_price` (BT-148) the price discount (BT-147) is gross_price - unit_price."""

    description: Text
    quantity: Quantity
    unit_code: Annotated[str, Field(pattern=r"^[A-Z0-9]{2,3}$")] = "EA"
    unit_price: Price
    gross_price: Price | None = None
    base_quantity: Quantity | None = Field(default=None, gt=0)
    vat: Vat
    discount_amount: Money | None = Field(default=None, gt=0)
    discount_percent: Rate | None = Field(default=None, gt=0, le=100)
    allowances_charges: Annotated[tuple[LineAllowanceCharge, ...], Field(max_length=20)] = ()
    period: Period | None = None

    @model_validator(mode="after")
    def _discount(self) -> InvoiceLine:
        if self.quantity == 0:
            raise ValueError("quantity must not be zero")
        if self.discount_amount is not None and self.discount_percent is not None:
            raise ValueError("give a discount amount or a discount percent, not both")
        if (self.has_discount or self.allowances_charges) and self.quantity < 0:
            raise ValueError("a discount, allowance or charge applies only to a line with positive quantity")
        if self.discount_amount is not None and self.discount_amount > self.quantity * self.unit_price / self.per:
            raise ValueError("the discount is larger than the line amount")
        if self.gross_price is not None and self.gross_price < self.unit_price:
            raise ValueError("the gross price is below the net price (the price discount would be negative)")
        return self

    @property
    def has_discount(self) -> bool:
        return self.discount_amount is not None or self.discount_percent is not None

    @property
    def per(self) -> Decimal:
        """The price base quantity (1 unless given)."""
        return self.base_quantity if self.base_quantity is not None else Decimal(1)

    @property
    def price_discount(self) -> Decimal | None:
        """BT-147: gross price - net price, when a gross price is given."""
        return None if self.gross_price is None else self.gross_price - self.unit_price


class AllowanceCharge(_Model):
    """A document-level allowance (is_charge=False) or charge, e.g. freight or an order discount: an
    amount, or `percent` of `base_amount` (BT-94/BT-93; amount = base x percent / 100, rounded to
    øre and filled in here), with a reason and optionally a UNCL 5189 / 7161 reason code."""

    is_charge: bool
    amount: Money = Field(gt=0)
    percent: Percent | None = None
    base_amount: Money | None = Field(default=None, gt=0)
    reason: Text
    reason_code: Annotated[str, Field(pattern=r"^[A-Z0-9]{1,3}$")] | None = None
    vat: Vat

    @model_validator(mode="before")
    @classmethod
    def _amount_from_percent(cls, data: Any) -> Any:
        if (
            isinstance(data, dict)
            and data.get("amount") is None
            and data.get("percent") is not None
            and data.get("base_amount") is not None
        ):
            try:
                base, percent = Decimal(_no_float(data["base_amount"])), Decimal(_no_float(data["percent"]))
            except (ArithmeticError, TypeError, ValueError):
                return data  # the field validators say what is wrong
            if base.is_finite() and percent.is_finite():
                return {**data, "amount": percent_of(base, percent)}
        return data

    @model_validator(mode="after")
    def _rules(self) -> AllowanceCharge:
        if (self.percent is None) != (self.base_amount is None):
            raise ValueError("a percent needs its base amount and a base amount its percent (PEPPOL-EN16931-R041/R042)")
        if (
            self.percent is not None
            and self.base_amount is not None
            and self.amount != percent_of(self.base_amount, self.percent)
        ):
            raise ValueError("the amount is not percent x base amount / 100")
        _reason_code(self.is_charge, self.reason_code)
        return self


class Attachment(_Model):
    """A document embedded in the EHF (the invoice PDF, or the customer's own supporting documents).
    The MIME types are the ones PEPPOL allows (BR-CL-24)."""

    filename: ShortText
    mime_code: str = "application/pdf"
    content: bytes = Field(min_length=1)
    description: Text | None = None

    @model_validator(mode="after")
    def _mime(self) -> Attachment:
        if self.mime_code not in ATTACHMENT_MIME_TYPES:
            raise ValueError(
                f"{self.mime_code} cannot be attached to an EHF (allowed: {', '.join(sorted(ATTACHMENT_MIME_TYPES))})"
            )
        return self


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
    nok_exchange_rate: ExchangeRate | None = None
    buyer_reference: ShortText | None = None
    order_reference: ShortText | None = None
    note: LongText | None = None
    credited_invoice_number: Identifier | None = None
    credited_invoice_date: date | None = None
    delivery_date: date | None = None
    delivery_country: CountryCode | None = None
    period: Period | None = None
    prepaid_amount: Money = Field(default=Decimal(0), ge=0)
    round_payable_to_krone: bool = False
    attachments: tuple[Attachment, ...] = ()

    @model_validator(mode="after")
    def _document_rules(self) -> Invoice:
        _check_dates_and_kind(self)
        _check_currency(self)
        _check_vat(self)
        _check_periods_and_attachments(self)
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


def _check_periods_and_attachments(inv: Invoice) -> None:
    for number, line in enumerate(inv.lines, start=1):
        if line.period is not None and inv.period is not None and not inv.period.covers(line.period):
            raise ValueError(f"the period of line {number} is not within the invoice period")
    names = [x.filename for x in inv.attachments]
    if len(set(names)) != len(names):
        raise ValueError("two attachments have the same file name")


def _check_currency(inv: Invoice) -> None:
    if inv.currency not in CURRENCY_CODES:
        raise ValueError(f"{inv.currency} is not an ISO 4217 currency code")
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
        if (inv.delivery_date is None and inv.period is None) or inv.delivery_country is None:
            raise ValueError("category K needs a delivery date or invoice period, and a delivery country")
    reasons: dict[VatCategory, tuple[str | None, str | None]] = {}
    for vat in inv.vats:
        reason = (vat.exemption_reason, vat.exemption_reason_code)
        if reasons.setdefault(vat.category, reason) != reason:
            raise ValueError(f"all category {vat.category} items must share one exemption reason")
