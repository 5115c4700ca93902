"""What the invoicing API answers: an invoice or credit note, typed to the last field.

Every model is a `ResponseModel`: a stored field the model does not declare is not sent, so the
OpenAPI document is exactly what a client receives; a new stored field reaches clients by being
declared here.
"""

from __future__ import annotations

import datetime
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field

from klientportal.api.response_model import ResponseModel
from klientportal.api.types import Money, Percent, Quantity, Rate, UnitPrice
from klientportal.invoicing.records import InvoiceKind, InvoiceStatus

Channel = Literal["email", "ehf", "print"]
_REASON_CODE = "UNCL 5189 code for an allowance, UNCL 7161 code for a charge"


class _Out(ResponseModel):
    """A part of the response."""


class PeriodOut(_Out):
    """An invoice period (BG-14) or line period (BG-26): a start, an end, or both."""

    start: date | None = None
    end: date | None = None


class LineAllowanceChargeOut(_Out):
    """A line allowance (BG-27) or charge (BG-28) as given: an amount, or a percent of the line's gross
    amount (quantity × unit_price / base_quantity), the other one null."""

    is_charge: bool
    amount: Money | None = None
    percent: Percent | None = None
    reason: str
    reason_code: str | None = Field(default=None, pattern=r"^[A-Z0-9]{1,3}$", description=_REASON_CODE)


class LineOut(_Out):
    """A line as given (from a product or free text). `unit_price` is the net price (BT-146) per
    `base_quantity` units; with `gross_price` (BT-148) the price discount is their difference."""

    product_number: str | None = None
    description: str
    quantity: Quantity
    unit_code: str | None = Field(default=None, pattern=r"^[A-Z0-9]{2,3}$")
    unit_price: UnitPrice
    gross_price: UnitPrice | None = Field(default=None, description="Price before the price discount (BT-148)")
    base_quantity: Quantity | None = Field(
        default=None, description="unit_price is per this many units (BT-149); 1 when absent"
    )
    vat_code: str = Field(description="SAF-T output VAT code")
    exemption_reason: str | None = Field(default=None, description="Replaces the VAT code's exemption text")
    exemption_reason_code: str | None = Field(default=None, description="VATEX code of an exempt line")
    income_account: str | None = None
    discount_percent: Percent | None = None
    discount_amount: Money | None = None
    allowances_charges: list[LineAllowanceChargeOut] = []
    period: PeriodOut | None = None


class AllowanceChargeOut(_Out):
    """A document allowance or charge as given: an amount, or a percent of `base_amount` (null: of the
    net amount of the lines with its VAT code), the other one null; `totals` has the amounts."""

    is_charge: bool
    amount: Money | None = None
    percent: Percent | None = None
    base_amount: Money | None = None
    reason: str
    reason_code: str | None = Field(default=None, pattern=r"^[A-Z0-9]{1,3}$", description=_REASON_CODE)
    vat_code: str = Field(description="SAF-T output VAT code")
    exemption_reason: str | None = None
    exemption_reason_code: str | None = Field(default=None, description="VATEX code")


class TotalsOut(_Out):
    """Document totals (BG-22) in the invoice's currency: payable = tax_inclusive - prepaid + rounding."""

    always_sent = frozenset({"prepaid", "rounding"})

    line_extension: Money
    allowance_total: Money
    charge_total: Money
    tax_exclusive: Money
    vat: Money
    tax_inclusive: Money
    prepaid: Money = Field(default=Decimal("0.00"), description="Already paid (BT-113)")
    rounding: Money = Field(default=Decimal("0.00"), description="Rounding of the payable amount (BT-114)")
    payable: Money
    vat_nok: Money | None = Field(
        default=None, description="The VAT total in NOK (BT-111); only on an invoice in another currency"
    )


class VatOut(_Out):
    """VAT of one category and rate."""

    category: str
    rate: Percent
    taxable: Money
    vat: Money


class DeliveryOut(_Out):
    """The last delivery attempt by the invoice's channel."""

    channel: Channel
    attempt: int
    delivery_id: str
    status: Literal["submitting", "submitted", "delivered", "rejected", "failed"]
    started_at: str
    finished_at: str | None = None
    reason: str | None = None
    reference: str | None = None
    receipt: str | None = None
    receipt_at: str | None = None


class PaymentOut(_Out):
    payment_id: str
    amount: Money
    paid_on: date
    reference: str | None = None
    overpaid: Money | None = Field(default=None, description="The part of the payment beyond what was owed")


class ReminderOut(_Out):
    """A reminder (purring) or the inkassovarsel, with the legal basis of its fee and interest."""

    seq: int
    kind: Literal["purring", "inkassovarsel"]
    at: str
    date: datetime.date
    fee: Money
    interest: Money
    interest_rate: Percent
    new_due_date: datetime.date
    channel: Channel
    legal_source: str


class PaymentRequestOut(_Out):
    seq: int
    at: str
    to: str
    status: str


class CollectionEventOut(_Out):
    status: str
    at: str
    reason: str | None = None


class CollectionOut(_Out):
    """The debt-collection case (Svea)."""

    provider: str
    status: str
    case_id: str | None = None
    started_at: str
    history: list[CollectionEventOut] = []


class CreditNoteRef(_Out):
    id: str
    number: int | None = None
    amount: Money


class AddressOut(_Out):
    street: str
    postal_code: str
    city: str
    country: str = "NO"


class RecipientOut(_Out):
    """The customer as the invoice was issued to (name, addresses, channel)."""

    customer_number: int
    name: str
    email: str | None = None
    address: AddressOut | None = None
    orgnr: str | None = None
    peppol_id: str | None = None
    delivery_channel: Channel | None = None


class AttachmentOut(_Out):
    """One of the customer's own documents embedded in the EHF."""

    filename: str
    mime_code: str
    description: str | None = None
    size: int
    sha256: str
    key: str


class InvoiceOut(_Out):
    """An invoice or credit note. Amounts are decimal strings in NOK."""

    always_sent = frozenset(
        {
            "number",
            "issue_date",
            "due_date",
            "kid",
            "totals",
            "vat",
            "delivery",
            "paid_amount",
            "credited_amount",
            "overpaid_amount",
        }
    )

    id: str
    kind: InvoiceKind
    status: InvoiceStatus
    number: int | None = Field(default=None, description="From the gapless series when issued")
    customer_number: int
    version: int
    created_at: str
    updated_at: str
    lines: list[LineOut]
    allowances_charges: list[AllowanceChargeOut] = []
    buyer_reference: str | None = None
    order_reference: str | None = None
    note: str | None = None
    due_days: int | None = None
    channel: Channel | None = None
    issue_date: date | None = None
    due_date: date | None = None
    kid: str | None = None
    pdf_key: str | None = Field(default=None, description="Where the issued PDF is stored")
    totals: TotalsOut | None = None
    vat: list[VatOut] = []
    delivery: DeliveryOut | None = None
    sent_at: str | None = None
    recipient: RecipientOut | None = None
    paid_amount: Money | None = None
    credited_amount: Money | None = None
    overpaid_amount: Money | None = Field(
        default=None, description="Paid or credited beyond the total; the customer's credit (customer-credits)"
    )
    payments: list[PaymentOut] = []
    reminders: list[ReminderOut] = []
    payment_requests: list[PaymentRequestOut] = []
    collection: CollectionOut | None = None
    credit_notes: list[CreditNoteRef] = []
    credited_invoice_id: str | None = Field(default=None, description="A credit note: the invoice it credits")
    credited_invoice_number: str | None = None
    credited_invoice_date: date | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$", description="ISO 4217; NOK unless stated")
    nok_exchange_rate: Rate | None = Field(default=None, description="NOK for 1 unit of `currency`")
    period: PeriodOut | None = Field(default=None, description="The invoice period (BG-14)")
    prepaid_amount: Money | None = Field(default=None, description="Already paid, as given; totals.prepaid")
    round_payable_to_krone: bool | None = Field(default=None, description="Payable rounded to whole units")
    attachments: list[AttachmentOut] = []


class InvoicePage(_Out):
    items: list[InvoiceOut]
    next_cursor: str | None = None


class PdfLink(_Out):
    url: str
    key: str
    expires_in: int


class CreditEntry(_Out):
    """What one part of a customer's credit came from: an overpayment or a credit note."""

    amount: Money
    currency: str
    invoice_id: str
    invoice_number: int | None = None
    at: str
    payment_id: str | None = None
    paid_on: date | None = None
    credit_note_id: str | None = None
    credit_note_number: int | None = None
    settlement_id: str | None = Field(
        None, description="Set on a use of the credit (a negative amount) for this invoice"
    )


class CustomerCreditOut(_Out):
    customer_number: int
    balances: dict[str, Money] = Field(description="Currency → amount the client owes the customer")
    entries: list[CreditEntry] = Field(description="What each part of the credit came from")
    version: int
    updated_at: str | None = None


class SettlementOut(_Out):
    """A settlement from the customer's credit: the credit after it and the invoice it paid."""

    credit: CustomerCreditOut
    invoice: InvoiceOut
