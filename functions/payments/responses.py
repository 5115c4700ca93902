"""What the payments API answers: payment batches with their frozen lines, approvals and bank status,
the client's payment settings, and supplier account changes."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from functions.vouchers.creditor import CreditorAccount
from klientportal.api.response_model import ResponseModel
from klientportal.api.types import Money

BatchStatus = Literal[
    "awaiting_approval", "approved", "sent", "accepted", "partly_rejected", "paid", "rejected", "cancelled"
]


class _Out(ResponseModel):
    """A part of the response."""


class BatchLine(_Out):
    always_sent = frozenset({"kid", "message"})

    voucher_id: str
    supplier_number: int | None = None
    supplier_name: str | None = None
    invoice_number: str | None = None
    amount: Money
    amount_ore: int = Field(description="The amount in øre (what the content hash covers)")
    currency: str
    due_date: date
    creditor_account: CreditorAccount
    kid: str | None = None
    message: str | None = None
    status: Literal["pending", "sent", "accepted", "rejected", "paid"]
    reason: str | None = None
    paid_on: date | None = None
    kind: Literal["net_pay", "forskuddstrekk", "arbeidsgiveravgift", "utleggstrekk", "deduction"] | None = Field(
        default=None, description="A payroll batch's line: what it pays (h-payroll2)"
    )
    employee_number: int | None = None


class BatchSource(_Out):
    """Where a batch that is not made from the payment proposal comes from (a payroll run)."""

    kind: Literal["payroll_run"]
    run_id: str
    period: str


class Approval(_Out):
    sub: str
    email: str | None = None
    content_hash: str = Field(description="The content the approver saw and approved")
    at: str
    auth_level: str = Field(description="The token's acr: the strong authentication used")
    auth_time: int = Field(description="When the approver authenticated (epoch seconds)")
    creator: bool


class Person(_Out):
    sub: str
    email: str | None = None


class HistoryEntry(_Out):
    at: str
    by: str
    what: str
    content_hash: str | None = None


class Cancellation(_Out):
    at: str
    reason: str
    by: str


class Sent(_Out):
    at: str
    content_hash: str


class PaymentBatch(_Out):
    """A payment batch: what is paid (frozen lines, content hash), who approved which content with
    which authentication, and what the bank said."""

    batch_id: str
    client_id: str
    status: BatchStatus
    execution_date: date
    currency: str
    lines: list[BatchLine]
    line_count: int
    total: Money
    total_ore: int
    content_hash: str = Field(description="sha256 of the canonical content; approvals are bound to it")
    required_approvals: int = Field(description="1, or 2 above the client's threshold")
    valid_approvals: int = Field(description="Approvals of the current content")
    approvals_missing: int
    approvals: list[Approval]
    superseded_approvals: list[Approval] = Field(description="Approvals of an earlier content: no longer count")
    created_by: Person
    proposal_id: str | None = Field(default=None, description="The payment proposal it was made from")
    source: BatchSource | None = None
    history: list[HistoryEntry]
    cancelled: Cancellation | None = None
    sent: Sent | None = None
    version: int
    created_at: str
    updated_at: str


class PaymentBatchPage(_Out):
    items: list[PaymentBatch]
    next_cursor: str | None


class PaymentSettings(_Out):
    two_approver_threshold: Money = Field(description="Above this batch total (NOK) two different approvers")
    version: int
    default: bool = Field(description="True while the default applies (never set)")
    updated_at: str | None = None


class SupplierAccount(_Out):
    always_sent = frozenset({"bank_account", "iban", "bic"})

    bank_account: str | None = None
    iban: str | None = None
    bic: str | None = None


class AccountChange(_Out):
    """A change of a supplier's bank account; applied to the register only when a second person approves."""

    change_id: str
    supplier_number: int
    supplier_name: str | None = None
    status: Literal["pending", "approved", "rejected"]
    current_account: SupplierAccount = Field(description="The account in the register when the change was requested")
    new_account: SupplierAccount
    reason: str | None = None
    requested_by: Person
    requested_at: str
    decided_by: Person | None = None
    decided_at: str | None = None
    comment: str | None = None
    version: int
    created_at: str
    updated_at: str


class AccountChanges(_Out):
    items: list[AccountChange]


class WorkflowEvent(_Out):
    id: int
    type: str
    at: str
    state: str | None = None


class BatchWorkflow(_Out):
    """The batch's payment-approval execution: its status and history (no task tokens in it)."""

    arn: str
    status: str
    started_at: str
    stopped_at: str | None = None
    events: list[WorkflowEvent]
