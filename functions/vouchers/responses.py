"""What the voucher API answers: a voucher with what was read, its checks, details, coding,
attestation and booking, and the payment proposal with its lines, typed to the last field.

Every model is a `ResponseModel`: a stored field the model does not declare is not sent, so the
OpenAPI document is exactly what a client receives; a new stored field reaches clients by being
declared here.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from functions.vouchers.creditor import CreditorAccount
from klientportal.api.response_model import ResponseModel
from klientportal.api.types import Money
from klientportal.vouchers.records import Queue

VoucherStatus = Queue  # one value per voucher status (klientportal.vouchers.records)


class _Out(ResponseModel):
    """A part of the response."""


class OriginalOut(_Out):
    """The original file, kept unaltered (Object Lock) until `retain_until`."""

    bucket: str
    key: str
    sha256: str
    size: int
    content_type: str
    retain_until: str
    filename: str | None = None


class MailSource(_Out):
    message_sha256: str
    original_key: str
    sender: str | None = None
    recipient: str | None = None
    subject: str | None = None
    message_id: str | None = None


class SourceOut(_Out):
    """How the voucher came in: by e-mail (the message), by upload (who) or from the access point."""

    inbound_key: str | None = None
    mail: MailSource | None = None
    uploaded_by: str | None = None
    routed_by: Literal["receiver", "key", "buyer"] | None = Field(
        default=None, description="An EHF filed by its receiver or buyer (orgnr), or by the key it came under"
    )
    receiver: str | None = Field(default=None, description="The EHF's receiver or buyer (organisation number)")
    addressed_to: str | None = Field(
        default=None, description="The client the e-mail was addressed to, when the EHF's buyer is another client"
    )
    ocr_engine: str | None = None


class HistoryEntry(_Out):
    at: str
    by: str
    what: str
    comment: str | None = None


class ExtractedValue(_Out):
    """One value read from the document (text, date or decimal string) and how sure the reading is."""

    value: str | None = None
    confidence: float = Field(ge=0, le=1)


class ExtractedLine(_Out):
    description: ExtractedValue
    quantity: ExtractedValue
    unit_code: str | None = None
    unit_price: ExtractedValue
    base_quantity: str | None = None
    net_amount: ExtractedValue
    vat_category: ExtractedValue
    vat_rate: ExtractedValue


class ExtractedVat(_Out):
    category: str | None = None
    rate: str | None = None
    taxable_amount: str = Field(description="as read from the document")
    tax_amount: str = Field(description="as read from the document")
    confidence: float = Field(ge=0, le=1)


class ExtractedTotals(_Out):
    line_extension: ExtractedValue
    allowance_total: ExtractedValue
    charge_total: ExtractedValue
    tax_exclusive: ExtractedValue
    tax: ExtractedValue
    tax_inclusive: ExtractedValue
    prepaid: ExtractedValue
    rounding: ExtractedValue
    payable: ExtractedValue


class ExtractedOut(_Out):
    """What was read from the document, before anyone looked at it (EHF exact, PDF text or OCR)."""

    source: Literal["ehf", "pdf-text", "ocr"]
    document_type: ExtractedValue
    type_code: str | None = None
    customization_id: str | None = None
    profile_id: str | None = None
    supplier_name: ExtractedValue
    supplier_orgnr: ExtractedValue
    supplier_vat_id: ExtractedValue
    supplier_address: ExtractedValue
    buyer_name: ExtractedValue
    buyer_orgnr: ExtractedValue
    invoice_number: ExtractedValue
    issue_date: ExtractedValue
    due_date: ExtractedValue
    currency: ExtractedValue
    kid: ExtractedValue
    bank_account: ExtractedValue
    lines: list[ExtractedLine] = []
    vat_breakdown: list[ExtractedVat] = []
    totals: ExtractedTotals
    warnings: list[str] = []


class CheckOut(_Out):
    """One automatic check of the voucher (KID, account, sums, …)."""

    code: str
    ok: bool
    message: str


class FailedRule(_Out):
    rule_id: str
    flag: str
    text: str


class ValidationOut(_Out):
    """EHF validation (XML schema and the PEPPOL/EHF Schematron rules); for a scanned voucher, the OCR
    engine that read it."""

    available: bool | None = Field(default=None, description="Whether the EHF validator could run")
    ocr_engine: str | None = None
    valid: bool | None = None
    xsd_errors: list[str] = []
    failed_rules: list[FailedRule] = []
    detail: str | None = None


class PreviewRef(_Out):
    bucket: str
    key: str
    content_type: str
    kind: Literal["original", "embedded-pdf", "summary"]


class DetailsOut(_Out):
    """The editable details of the voucher (from what was read, changed by the client)."""

    document_type: Literal["invoice", "credit-note", "receipt", "unknown"]
    supplier_number: int | None = None
    supplier_name: str | None = None
    supplier_orgnr: str | None = None
    invoice_number: str | None = None
    issue_date: date | None = None
    due_date: date | None = None
    currency: str
    kid: str | None = None
    bank_account: str | None = None
    net_total: Money | None = None
    vat_total: Money | None = None
    total: Money | None = None
    payable: Money | None = Field(default=None, description="The amount to pay (after prepaid amounts and rounding)")
    description: str | None = None


class SupplierMatchOut(_Out):
    supplier_number: int
    name: str
    orgnr: str | None = None
    matched_by: str = Field(description="orgnr, bank_account, created or chosen")


class SuggestionOut(_Out):
    """A coding suggestion: from this supplier's earlier vouchers, or its default account."""

    source: Literal["history", "supplier-default"]
    account: str
    vat_code: str | None = None
    project: str | None = None
    department: str | None = None
    seen: int


class CodingLineOut(_Out):
    account: str
    vat_code: str | None = None
    net_amount: Money
    vat_amount: Money
    project: str | None = None
    department: str | None = None
    description: str | None = None


class Decision(_Out):
    at: str
    by: str
    via: str | None = Field(default=None, description="'attestation' when the named attester approved")


class StepDecision(_Out):
    decision: Literal["approve", "reject"]
    comment: str | None = None
    by: str
    by_email: str | None = None
    at: str


class StepEvent(_Out):
    event: Literal["delegated", "reminded", "escalated"]
    at: str
    from_user: str | None = None
    to: str | None = None


class AttestationStep(_Out):
    """One step of the chain: who must attest and why, who has the task now (delegation,
    escalation), their decision with comment and time, and what happened while it waited."""

    step: int
    attester: str
    attester_email: str | None = None
    substitute: str | None = None
    substitute_email: str | None = None
    reason: str
    task_id: str = Field(description="The step's id: POST /clients/{client_id}/attestations/{task_id}/decision")
    status: Literal["pending", "waiting", "approved", "rejected", "expired", "aborted", "cancelled"]
    assignee: str | None = None
    assignee_email: str | None = None
    waiting_since: str | None = None
    decision: StepDecision | None = None
    events: list[StepEvent] = []


class AttestationOutcome(_Out):
    result: Literal["approved", "rejected", "expired", "aborted", "returned"]
    reason: str | None = None
    step: int | None = None
    at: str


class AttestationOut(_Out):
    """The voucher's attestation as its workflow decided it (0501): the chain, each step's assignee
    and decision, the execution it belongs to, and the outcome."""

    attestation_id: str
    round: int
    status: Literal["running", "approved", "rejected", "expired", "aborted", "returned", "not_started"]
    requested_by: str
    requested_by_email: str | None = None
    requested_at: str
    comment: str | None = None
    rules_version: int | None = None
    deadlines_hours: dict[str, int]
    execution: str | None = Field(default=None, description="The Step Functions execution ARN")
    chain: list[AttestationStep]
    outcome: AttestationOutcome | None = None


class ValidationOverride(_Out):
    """The client accepted an EHF that fails fatal rules, with the reason."""

    reason: str
    by: str
    by_email: str | None = None
    at: str
    rules: list[str] = []


class CorrectionRequest(_Out):
    comment: str
    by: str
    at: str


class Returned(_Out):
    comment: str
    by: str


class JournalLine(_Out):
    account: str
    debit: Money
    credit: Money
    vat_code: str | None = None
    supplier_number: int | None = None
    project: str | None = None
    department: str | None = None
    text: str | None = None


class BookingOut(_Out):
    """The balanced journal entry the voucher was booked as."""

    voucher_number: str
    year: int
    number: int
    date: date
    journal_key: str
    lines: list[JournalLine]


class QuarantineReason(_Out):
    reason: str
    detail: str


class ProposalMark(_Out):
    proposal_id: str
    added_at: str
    by: str


class BatchMark(_Out):
    """The payment batch the voucher is in (docs/payments.md)."""

    batch_id: str
    added_at: str
    by: str


class PaymentRejection(_Out):
    """The bank rejected the voucher's payment in a batch; it may be proposed again."""

    batch_id: str
    reason: str | None = None
    at: str


class Voucher(_Out):
    """A voucher: what was read (with confidences), the checks, the editable details, the coding,
    attestation and booking. Amounts are decimal strings in the document currency."""

    voucher_id: str
    client_id: str
    status: VoucherStatus
    channel: str
    received_at: str
    version: int
    created_at: str
    updated_at: str
    original: OriginalOut | None = None
    source: SourceOut | None = None
    history: list[HistoryEntry] = []
    extracted: ExtractedOut | None = None
    checks: list[CheckOut] = []
    validation: ValidationOut | None = None
    preview: PreviewRef | None = None
    details: DetailsOut | None = None
    supplier: SupplierMatchOut | None = None
    suggestion: SuggestionOut | None = None
    duplicate_of: str | None = None
    notes: list[str] = []
    coding: list[CodingLineOut] | None = None
    approved: Decision | None = None
    attestation: AttestationOut | None = None
    validation_override: ValidationOverride | None = None
    correction_request: CorrectionRequest | None = None
    returned: Returned | None = None
    paid_on: date | None = None
    booking: BookingOut | None = None
    quarantine: QuarantineReason | None = None
    payment_proposal: ProposalMark | None = None
    payment_batch: BatchMark | None = None
    payment_rejected: PaymentRejection | None = None


class VoucherPage(_Out):
    items: list[Voucher]
    next_cursor: str | None = None


class BureauQueueItem(Voucher):
    client_name: str


class BureauQueue(_Out):
    items: list[BureauQueueItem]
    next_cursor: str | None = None


class QuarantineItem(_Out):
    """A refused message or attachment, or a voucher whose file could not be read, with the reason."""

    quarantine_id: str
    kind: Literal["message-or-attachment", "voucher"]
    client_id: str | None = None
    voucher_id: str | None = None
    channel: str
    reason: str
    message: str | None = None
    filename: str | None = None
    original: OriginalOut | None = None
    received_at: str


class QuarantineList(_Out):
    items: list[QuarantineItem]


class PaymentLine(_Out):
    always_sent = frozenset({"kid", "message"})

    voucher_id: str
    supplier_number: int | None = None
    supplier_name: str | None = None
    invoice_number: str | None = None
    amount: Money
    currency: str
    due_date: date
    creditor_account: CreditorAccount
    kid: str | None = None
    message: str | None = None


class PaymentProposal(_Out):
    """The client's open payment proposal; the bank routine sends it as pain.001 after BankID."""

    proposal_id: str | None
    client_id: str
    status: str
    lines: list[PaymentLine]
    totals: dict[str, Money] = Field(description="The sum per currency")
    version: int
    created_at: str | None = None
    updated_at: str | None = None
