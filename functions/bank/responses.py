"""What the bank API answers: the agreement, imports with their state and counts, payments with the
explanation of their match (and suggestions while unmatched), and the open items."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from klientportal.api.response_model import ResponseModel
from klientportal.api.types import Money


class _Out(ResponseModel):
    """A part of the response."""


class BankAgreementAccountOut(_Out):
    account: str
    ledger_account: str


class BankAgreementOut(_Out):
    accounts: list[BankAgreementAccountOut]
    channel_customer_id: str
    ocr_agreement_id: str | None = None
    egiro_agreement_id: str | None = None
    retrieval: bool
    version: int
    updated_at: str


class BankRejectionOut(_Out):
    reason: str
    line: int | None = None
    code: str


class BankAmountsOut(_Out):
    total: Money
    matched: Money
    unmatched: Money


class BankCountsOut(_Out):
    transactions: int
    matched: int
    unmatched: int
    duplicates: int
    ignored: int
    amounts: BankAmountsOut


class BankImportOut(_Out):
    """A bank file import. `received`: stored, waiting for the queue; `booked`: every payment recorded
    (matched and booked, unmatched, or recognised as already recorded); `rejected`: nothing booked,
    the reason and line say why (the file is kept)."""

    import_id: str
    state: Literal["received", "booked", "rejected"]
    source: str
    format: str | None = None
    identity: str | None = None
    size: int
    sha256: str
    received_at: str
    finished_at: str | None = None
    rejection: BankRejectionOut | None = None
    counts: BankCountsOut | None = None
    version: int


class BankImportPage(_Out):
    items: list[BankImportOut]
    next_cursor: str | None = None


class BankUploadTargetOut(_Out):
    key: str
    url: str
    method: Literal["POST"]
    fields: dict[str, str]
    expires_in: int


class BankExplanationOut(_Out):
    rule: str
    text: str


class BankAllocationOut(_Out):
    kind: Literal["invoice", "external"]
    ref: str
    number: str
    customer_number: int
    amount: Money
    overpaid: Money
    invoice_status: str | None = None


class BankJournalRefOut(_Out):
    voucher_number: str | None = None
    entry_sk: str | None = None


class BankSuggestionOut(_Out):
    number: str
    kind: str
    ref: str
    remaining: Money
    reasons: list[str]


class BankPaymentOut(_Out):
    payment_id: str
    import_id: str
    format: str
    status: Literal["matched", "unmatched"]
    reference: str
    end_to_end_id: str | None = None
    account: str | None = None
    amount: Money
    kid: str | None = None
    message: str | None = None
    booking_date: str
    value_date: str | None = None
    payer_name: str | None = None
    payer_account: str | None = None
    line: int | None = None
    explanation: BankExplanationOut
    candidates: list[str] | None = None
    allocations: list[BankAllocationOut] | None = None
    journal: BankJournalRefOut | None = Field(
        None, description="The entry that booked the payment: to suspense (2990) while unmatched, to 1500 once matched"
    )
    suspense_journal: BankJournalRefOut | None = Field(
        None, description="A payment matched by hand: the entry that first booked it to suspense"
    )
    not_booked: str | None = Field(
        None, description="Why the ledger refused to book the unmatched payment (a closed period)"
    )
    suggestions: list[BankSuggestionOut] | None = None
    version: int


class BankPaymentPage(_Out):
    items: list[BankPaymentOut]
    next_cursor: str | None = None


class BankItemPaymentOut(_Out):
    payment_id: str
    amount: Money
    paid_on: str
    overpaid: Money | None = None


class ReceivableOut(_Out):
    source: Literal["portal", "external"]
    invoice_number: str
    invoice_id: str | None = None
    customer_number: int
    customer_name: str | None = None
    kid: str | None = None
    issue_date: str | None = None
    due_date: str | None = None
    amount: Money
    paid: Money
    credited: Money
    remaining: Money
    overpaid: Money
    status: Literal["open", "partly_paid", "paid", "overpaid"]
    payments: list[BankItemPaymentOut]


class ReceivableList(_Out):
    items: list[ReceivableOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page; absent on the last page")
