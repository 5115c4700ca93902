"""What the voucher API answers: a voucher with what was read, its checks, details, coding,
attestation and booking, and the payment proposal with its lines, typed to the last field.

Every model is a `ResponseModel`: a stored field the model does not declare is not sent, so the
OpenAPI document is exactly what a client receives; a new stored field reaches clients by being
declared here.
"""
from __future__ import annotations

from datetime import date
from typing import Literal, Optional

from pydantic import Field

from klientportal.api.response_model import ResponseModel
from klientportal.api.types import Money

VoucherStatus = Literal["received", "quarantined", "new", "to_approve", "in_attestation", "approved", "paid",
                        "booked", "returned", "rejected", "correction_requested"]


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
    filename: Optional[str] = None


class MailSource(_Out):
    message_sha256: str
    original_key: str
    sender: Optional[str] = None
    recipient: Optional[str] = None
    subject: Optional[str] = None
    message_id: Optional[str] = None


class SourceOut(_Out):
    """How the voucher came in: by e-mail (the message), by upload (who) or from the access point."""

    inbound_key: Optional[str] = None
    mail: Optional[MailSource] = None
    uploaded_by: Optional[str] = None
    routed_by: Optional[Literal["receiver", "key", "buyer"]] = Field(
        default=None, description="An EHF filed by its receiver or buyer (orgnr), or by the key it came under")
    receiver: Optional[str] = Field(default=None, description="The EHF's receiver or buyer (organisation number)")
    addressed_to: Optional[str] = Field(default=None, description="The client the e-mail was addressed to, when the "
                                                                  "EHF's buyer is another client")
    ocr_engine: Optional[str] = None


class HistoryEntry(_Out):
    at: str
    by: str
    what: str
    comment: Optional[str] = None


class ExtractedValue(_Out):
    """One value read from the document (text, date or decimal string) and how sure the reading is."""

    value: Optional[str] = None
    confidence: float = Field(ge=0, le=1)


class ExtractedLine(_Out):
    description: ExtractedValue
    quantity: ExtractedValue
    unit_code: Optional[str] = None
    unit_price: ExtractedValue
    base_quantity: Optional[str] = None
    net_amount: ExtractedValue
    vat_category: ExtractedValue
    vat_rate: ExtractedValue


class ExtractedVat(_Out):
    category: Optional[str] = None
    rate: Optional[str] = None
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
    type_code: Optional[str] = None
    customization_id: Optional[str] = None
    profile_id: Optional[str] = None
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

    available: Optional[bool] = Field(default=None, description="Whether the EHF validator could run")
    ocr_engine: Optional[str] = None
    valid: Optional[bool] = None
    xsd_errors: list[str] = []
    failed_rules: list[FailedRule] = []
    detail: Optional[str] = None


class PreviewRef(_Out):
    bucket: str
    key: str
    content_type: str
    kind: Literal["original", "embedded-pdf", "summary"]


class DetailsOut(_Out):
    """The editable details of the voucher (from what was read, changed by the client)."""

    document_type: Literal["invoice", "credit-note", "receipt", "unknown"]
    supplier_number: Optional[int] = None
    supplier_name: Optional[str] = None
    supplier_orgnr: Optional[str] = None
    invoice_number: Optional[str] = None
    issue_date: Optional[date] = None
    due_date: Optional[date] = None
    currency: str
    kid: Optional[str] = None
    bank_account: Optional[str] = None
    net_total: Optional[Money] = None
    vat_total: Optional[Money] = None
    total: Optional[Money] = None
    payable: Optional[Money] = Field(default=None, description="The amount to pay (after prepaid amounts and rounding)")
    description: Optional[str] = None


class SupplierMatchOut(_Out):
    supplier_number: int
    name: str
    orgnr: Optional[str] = None
    matched_by: str = Field(description="orgnr, bank_account, created or chosen")


class SuggestionOut(_Out):
    """A coding suggestion: from this supplier's earlier vouchers, or its default account."""

    source: Literal["history", "supplier-default"]
    account: str
    vat_code: Optional[str] = None
    project: Optional[str] = None
    department: Optional[str] = None
    seen: int


class CodingLineOut(_Out):
    account: str
    vat_code: Optional[str] = None
    net_amount: Money
    vat_amount: Money
    project: Optional[str] = None
    department: Optional[str] = None
    description: Optional[str] = None


class Decision(_Out):
    at: str
    by: str
    via: Optional[str] = Field(default=None, description="'attestation' when the named attester approved")


class AttestationOutcome(_Out):
    decision: Literal["approve", "reject"]
    by: str
    at: str
    comment: Optional[str] = None


class AttestationOut(_Out):
    """Who the voucher was sent to for attestation, by whom, and the attester's decision."""

    attester: str
    attester_email: Optional[str] = None
    requested_by: str
    requested_at: str
    comment: Optional[str] = None
    outcome: Optional[AttestationOutcome] = None


class ValidationOverride(_Out):
    """The client accepted an EHF that fails fatal rules, with the reason."""

    reason: str
    by: str
    by_email: Optional[str] = None
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
    vat_code: Optional[str] = None
    supplier_number: Optional[int] = None
    project: Optional[str] = None
    department: Optional[str] = None
    text: Optional[str] = None


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
    original: Optional[OriginalOut] = None
    source: Optional[SourceOut] = None
    history: list[HistoryEntry] = []
    extracted: Optional[ExtractedOut] = None
    checks: list[CheckOut] = []
    validation: Optional[ValidationOut] = None
    preview: Optional[PreviewRef] = None
    details: Optional[DetailsOut] = None
    supplier: Optional[SupplierMatchOut] = None
    suggestion: Optional[SuggestionOut] = None
    duplicate_of: Optional[str] = None
    notes: list[str] = []
    coding: Optional[list[CodingLineOut]] = None
    approved: Optional[Decision] = None
    attestation: Optional[AttestationOut] = None
    validation_override: Optional[ValidationOverride] = None
    correction_request: Optional[CorrectionRequest] = None
    returned: Optional[Returned] = None
    paid_on: Optional[date] = None
    booking: Optional[BookingOut] = None
    quarantine: Optional[QuarantineReason] = None
    payment_proposal: Optional[ProposalMark] = None


class VoucherPage(_Out):
    items: list[Voucher]
    next_cursor: Optional[str] = None


class BureauQueueItem(Voucher):
    client_name: str


class BureauQueue(_Out):
    items: list[BureauQueueItem]
    next_cursor: Optional[str] = None


class QuarantineItem(_Out):
    """A refused message or attachment, or a voucher whose file could not be read, with the reason."""

    quarantine_id: str
    kind: Literal["message-or-attachment", "voucher"]
    client_id: Optional[str] = None
    voucher_id: Optional[str] = None
    channel: str
    reason: str
    message: Optional[str] = None
    filename: Optional[str] = None
    original: Optional[OriginalOut] = None
    received_at: str


class QuarantineList(_Out):
    items: list[QuarantineItem]


class CreditorAccount(_Out):
    """Where the payment goes: a Norwegian account (bban, 11 digits) or an IBAN."""

    bban: Optional[str] = None
    iban: Optional[str] = None


class PaymentLine(_Out):
    always_sent = frozenset({"kid", "message"})

    voucher_id: str
    supplier_number: Optional[int] = None
    supplier_name: Optional[str] = None
    invoice_number: Optional[str] = None
    amount: Money
    currency: str
    due_date: date
    creditor_account: CreditorAccount
    kid: Optional[str] = None
    message: Optional[str] = None


class PaymentProposal(_Out):
    """The client's open payment proposal; the bank routine sends it as pain.001 after BankID."""

    proposal_id: Optional[str]
    client_id: str
    status: str
    lines: list[PaymentLine]
    totals: dict[str, Money] = Field(description="The sum per currency")
    version: int
    created_at: Optional[str] = None
    updated_at: Optional[str] = None
