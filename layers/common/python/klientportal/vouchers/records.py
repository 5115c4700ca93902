"""Statuses of the voucher inbox, and its items in the main table (see docs/vouchers.md, "Data");
their keys are built by klientportal.repository.keys.

Client partition T#<client>:
  VOUCHER#<id>                    a voucher; id = first 24 hex of the SHA-256 of its original file,
                                  so the same file is the same voucher (idempotent intake).
                                  GSI1: T#<client>#VOUCHERS#<status> / <received_at>#<id> (queues)
  QUARANTINE#<id>                 a refused message or attachment, with its reason
  INBOX                           the client's inbox address (slug)
  INVOICEREF#<supplier>#<number>  supplier + invoice number → first voucher (duplicate flag)
  SUPPLIER_ORGNR#<orgnr>          a supplier, unique per orgnr (0262; registers.identity)
  SUPPLIER_ACCOUNT#<account>      … per bank account / IBAN when it has no orgnr
  PAYMENTPROPOSAL#OPEN            the client's open payment proposal (0263)
  CODINGSTATS#<supplier number>   how the client codes this supplier (suggestions)
  ATTESTATION_RULES               the client's attestation rules (versioned, 0502)
  HTASK#<task id>                 a human task of a workflow (an attestation step); GSI1 while open:
                                  TASKS#<assignee> / <opened_at>#<client>#<task id> (0501)
  COUNTER#VOUCHERNO#<year>        the gapless voucher number series of a financial year
  JOURNAL#<year>#<number>         the journal entry of a booked voucher
Platform partitions:
  INBOX#<slug> / INBOX            the slug claim: slug → client (unique by the table's key)
  PLATFORM#UNROUTED               quarantine of mail and objects that reach no client
  ORGNR#<orgnr> / CLIENT#<id>     (tenancy) clients by organisation number: routes inbound EHF (0264)
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Literal, get_args

from klientportal.repository import keys


class Status(StrEnum):
    RECEIVED = "received"  # original stored, not yet read
    QUARANTINED = "quarantined"  # the file could not be read; kept with its reason
    NEW = "new"  # read and interpreted; waiting for the client
    TO_APPROVE = "to_approve"  # coded; waiting for approval
    IN_ATTESTATION = "in_attestation"
    APPROVED = "approved"  # approved for payment; in the bureau's queue
    PAID = "paid"  # approved and paid; still in the bureau's queue
    BOOKED = "booked"
    RETURNED = "returned"  # the bureau sent it back with a comment
    REJECTED = "rejected"  # attestation rejected it (comment) or ran out of time: back to the client (0501)
    CORRECTION_REQUESTED = "correction_requested"  # EHF fails fatal rules: the supplier is asked to correct (0269)


#: A voucher list by status (the `queue` query parameter): one value per `Status`.
Queue = Literal[
    "received",
    "quarantined",
    "new",
    "to_approve",
    "in_attestation",
    "approved",
    "paid",
    "booked",
    "returned",
    "rejected",
    "correction_requested",
]
QUEUES: tuple[Queue, ...] = get_args(Queue)
BUREAU_QUEUE = (Status.APPROVED, Status.PAID)
EDITABLE = frozenset({Status.NEW, Status.TO_APPROVE, Status.RETURNED, Status.REJECTED})  # in attestation: frozen

_VOUCHER_ID = re.compile(r"^[0-9a-f]{24}$")


def voucher_id_for(sha256: str) -> str:
    return sha256[:24]


def valid_voucher_id(voucher_id: str) -> bool:
    return bool(_VOUCHER_ID.match(voucher_id))


def invoice_ref_sk(supplier_key: str, invoice_number: str) -> str:
    """The duplicate-flag item of a supplier's invoice number (spaces and case do not matter)."""
    return keys.invoice_ref_sk(supplier_key, re.sub(r"\s+", "", invoice_number).upper()[:80])
