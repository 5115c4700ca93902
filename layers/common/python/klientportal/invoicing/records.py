"""The stored shapes of the invoicing routine: invoice status and kind, the stored invoice, a
payment, and a customer's credit (docs/invoicing.md, "Data").

`StoredInvoice` types the `data` of an `INVOICE#<id>` item (drafts and issued invoices alike). It
allows fields it does not name, so that new invoice shapes stored beside these keep round-tripping;
the use cases read through it and write plain JSON (money as decimal strings).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

CENT = Decimal("0.01")


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    SENT = "sent"
    DELIVERY_FAILED = "delivery_failed"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    REMINDED = "reminded"
    IN_COLLECTION = "in_collection"
    CREDITED = "credited"


class InvoiceKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


def money(value: Decimal) -> str:
    """An amount as the stored decimal string with two decimals (exact: callers pass øre amounts)."""
    return str(value.quantize(CENT))


def _at_most_ore(value: Decimal) -> Decimal:
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -2:
        raise ValueError("an amount has at most 2 decimals (øre); it is never rounded")
    return value.quantize(CENT)


class Payment(BaseModel):
    """A payment of an invoice as the bank (or a user) reports it. `payment_id` is the bank's id:
    the same id with the same content is one payment (a replay), with other content a conflict."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    payment_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")
    amount: Decimal = Field(gt=0)
    paid_on: date
    reference: str | None = Field(default=None, max_length=100)

    _ore = field_validator("amount")(_at_most_ore)

    def content(self) -> dict[str, Any]:
        """What makes two reports of one payment_id the same payment."""
        return {"amount": money(self.amount), "paid_on": self.paid_on.isoformat(), "reference": self.reference}

    def stored(self) -> dict[str, Any]:
        return {"payment_id": self.payment_id, **self.content()}


class StoredPayment(Payment):
    """A payment entry of a stored invoice; `overpaid` is the part of it beyond what was owed."""

    model_config = ConfigDict(frozen=True, extra="allow", defer_build=True)

    overpaid: Decimal = Decimal("0.00")


class StoredInvoice(BaseModel):
    """The `data` of an invoice or credit note item."""

    model_config = ConfigDict(frozen=True, extra="allow", defer_build=True)

    id: str
    kind: InvoiceKind
    status: InvoiceStatus
    number: int | None = None
    customer_number: int
    lines: list[dict[str, Any]] = []
    allowances_charges: list[dict[str, Any]] = []
    buyer_reference: str | None = None
    order_reference: str | None = None
    note: str | None = None
    due_days: int | None = None
    channel: str | None = None
    # EHF shapes (docs/invoicing.md) as the API took them (the draft's `currency` stays an extra key: the
    # property `currency` is the issued document's); attachments are metadata, the files in S3 (0106)
    nok_exchange_rate: str | None = None
    period: dict[str, str | None] | None = None
    prepaid_amount: str | None = None
    round_payable_to_krone: bool | None = None
    attachments: list[dict[str, Any]] = []
    totals: dict[str, str] | None = None
    vat: list[dict[str, str]] = []
    # set on issue
    issue_date: date | None = None
    due_date: date | None = None
    kid: str | None = None
    document: dict[str, Any] | None = None
    pdf_key: str | None = None
    recipient: dict[str, Any] | None = None
    paid_amount: Decimal = Decimal("0.00")
    credited_amount: Decimal = Decimal("0.00")
    overpaid_amount: Decimal = Decimal("0.00")
    payments: list[StoredPayment] = []
    credit_notes: list[dict[str, Any]] = []
    reminders: list[dict[str, Any]] = []
    payment_requests: list[dict[str, Any]] = []
    delivery: dict[str, Any] | None = None
    sent_at: str | None = None
    collection: dict[str, Any] | None = None
    # credit notes only
    credited_invoice_id: str | None = None
    credited_invoice_number: str | None = None
    credited_invoice_date: date | None = None

    @property
    def payable(self) -> Decimal:
        return Decimal((self.totals or {}).get("payable", "0"))

    @property
    def currency(self) -> str:
        return str((self.document or {}).get("currency") or "NOK")

    def payment(self, payment_id: str) -> StoredPayment | None:
        return next((p for p in self.payments if p.payment_id == payment_id), None)


class CustomerCredit(BaseModel):
    """What the client owes a customer (overpayments, credit notes beyond what was left to pay),
    per currency, with the entries it came from. Item CUSTOMER_CREDIT#<customer number>."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    customer_number: int
    balances: dict[str, Decimal] = {}
    entries: list[dict[str, Any]] = []
