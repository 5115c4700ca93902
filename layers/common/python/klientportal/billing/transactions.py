"""Billable transactions: their types, and which domain events (audit actions) are which.

A domain event carries pointers only (klientportal/events.py); what it was is read from the audit
event it names (the before/after images as written in the same transaction: the channel an invoice
went out by, the source a voucher was read from, the counts of a bank import). `classify` is pure:
the audit action and those images in, the billable quantities out (nothing when not billable).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class TransactionType(StrEnum):
    EHF_SENT = "ehf_sent"  # an invoice or credit note delivered through the PEPPOL access point
    EHF_RECEIVED = "ehf_received"  # an inbound EHF from the access point (voucher channel ehf)
    PRINT_LETTER = "print_letter"  # an OnlinePrint letter: an invoice or a reminder sent by print
    EMAIL_INVOICE = "email_invoice"  # an invoice sent by e-mail (billed only where a price list names it)
    OCR_INTERPRETATION = "ocr_interpretation"  # a voucher read by OCR (not EHF, not a PDF text layer)
    BANK_FILE = "bank_file"  # a bank file imported and booked
    BANK_TRANSACTION = "bank_transaction"  # a transaction of a booked file not recorded before (decision 0710)
    PAYMENT_BATCH = "payment_batch"  # a payment batch sent to the bank (the outgoing file)
    PAYMENT_LINE = "payment_line"  # a payment of a payment batch sent to the bank (lines)
    PAYSLIP = "payslip"  # a payslip issued
    A_MELDING = "a_melding"  # an a-melding submitted


#: The audit actions that may be billable (the EventBridge rule's detail types; contract 5).
BILLABLE_ACTIONS: tuple[str, ...] = (
    "invoice.sent",
    "invoice.reminded",
    "voucher.received",
    "voucher.interpreted",
    "bank_import.booked",
    "payment_batch.sent",
    "payslip.issued",
    "a_melding.submitted",
)


def classify(
    action: str, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> list[tuple[TransactionType, int]]:
    """[(transaction type, quantity)] of one audit event; [] when it is not billable."""
    after = after or {}
    if action == "invoice.sent":
        channel = (after.get("delivery") or {}).get("channel")
        kind = {
            "ehf": TransactionType.EHF_SENT,
            "print": TransactionType.PRINT_LETTER,
            "email": TransactionType.EMAIL_INVOICE,
        }.get(str(channel))
        return [(kind, 1)] if kind else []
    if action == "invoice.reminded":
        reminders = after.get("reminders") or []
        return [(TransactionType.PRINT_LETTER, 1)] if reminders and reminders[-1].get("channel") == "print" else []
    if action == "voucher.received":
        return [(TransactionType.EHF_RECEIVED, 1)] if after.get("channel") == "ehf" else []
    if action == "voucher.interpreted":
        # the first interpretation only (from received): a rewrite of the same reading is not a second OCR
        first = (before or {}).get("status") == "received"
        ocr = (after.get("extracted") or {}).get("source") == "ocr"
        return [(TransactionType.OCR_INTERPRETATION, 1)] if first and ocr else []
    if action == "bank_import.booked":
        # a duplicate is a payment an earlier file recorded (the same reference, or the same payment in
        # another format): counted with that file, not again (decision 0710)
        counts = after.get("counts") or {}
        n = max(_count(counts.get("transactions")) - _count(counts.get("duplicates")), 0)
        return [(TransactionType.BANK_FILE, 1)] + ([(TransactionType.BANK_TRANSACTION, n)] if n else [])
    if action == "payment_batch.sent":
        lines = after.get("lines")
        n = len(lines) if isinstance(lines, list) else 0
        return [(TransactionType.PAYMENT_BATCH, 1), (TransactionType.PAYMENT_LINE, n)] if n else []
    if action == "payslip.issued":
        return [(TransactionType.PAYSLIP, 1)]
    if action == "a_melding.submitted":
        return [(TransactionType.A_MELDING, 1)]
    return []


def _count(value: Any) -> int:
    """A non-negative integer count from a record field (anything else counts as 0)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
