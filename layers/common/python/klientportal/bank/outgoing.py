"""Outgoing payments to the bank: an approved, sent batch (contract 4) → its pain.001, stored exactly as
sent and uploaded through the bank channel at most once; the bank's pain.002 and camt.054 debit
notification → `bank_status.report`.

Identifiers are the batch's own, so the same batch always builds the same file and every answer
finds its batch: MsgId = the batch id, PmtInfId = `<batch id>-1`, EndToEndId = `<batch id>-<n>` for
the n-th line (lines are kept in voucher order). The upload follows decision 0152: a claim record
(`BANKOUT#<batch>`, created conditionally) is written before the channel is called, and only its
writer calls it; a claim left `uploading` by a crash is never uploaded again by itself (see
docs/formats-bank.md, "Outgoing").
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

from klientportal.repository import keys

if TYPE_CHECKING:  # the file formats are imported where a file is built or read, not by the file lookups
    from klientportal.formats.bank.model import BankFile
    from klientportal.formats.bank.pain001 import PaymentOrder
    from klientportal.formats.bank.pain002 import StatusReport

BankStatus = Literal["accepted", "rejected", "partly_rejected", "paid"]  # bank_status.report's (contract 4)
SENDABLE = frozenset({"sent", "accepted", "partly_rejected", "paid", "rejected"})
_ACCEPTED = frozenset({"ACCP", "ACSC", "ACSP", "ACTC", "ACWC"})


class NotSendable(ValueError):
    """The message does not name a batch that may go to the bank (wrong state or content)."""


class NoAgreement(ValueError):
    """The client has no bank agreement: there is no account to pay from and no channel."""


def outgoing_sk(batch_id: str) -> str:
    return keys.bank_outgoing_sk(batch_id)


def end_to_end_id(batch_id: str, n: int) -> str:
    return f"{batch_id}-{n}"


def file_name(batch_id: str) -> str:
    return f"pain001-{batch_id}.xml"


def s3_key(client_id: str, batch_id: str) -> str:
    return f"clients/{client_id}/payment-batches/{batch_id}/pain001.xml"


@dataclass(frozen=True, slots=True)
class Debtor:
    """Who pays: the client's name and organisation number, its account from the bank agreement."""

    name: str
    account: str
    organisation_number: str | None = None
    bic: str | None = None


def _account(line: Mapping[str, Any]) -> str:
    account = line["creditor_account"]
    return str(account.get("bban") or account["iban"])


def order_from_batch(batch: Mapping[str, Any], debtor: Debtor, content_hash: str) -> PaymentOrder:
    from klientportal.formats.bank.pain001 import CreditTransfer, PaymentOrder

    """The pain.001 order of a batch that was handed to the bank with `content_hash`; NotSendable
    when the batch is not (or no longer) the content approved and sent."""
    if batch.get("status") not in SENDABLE:
        raise NotSendable(f"the batch is {batch.get('status')}, not handed to the bank")
    if batch.get("content_hash") != content_hash or (batch.get("sent") or {}).get("content_hash") != content_hash:
        raise NotSendable("the batch's content is not the content that was approved and sent")
    batch_id = str(batch["batch_id"])
    transfers = tuple(
        CreditTransfer(
            end_to_end_id=end_to_end_id(batch_id, n),
            amount_ore=int(line["amount_ore"]),
            creditor_name=str(line.get("supplier_name") or "Leverandør")[:70],
            creditor_account=_account(line),
            kid=line.get("kid") or None,
            message=None if line.get("kid") else str(line.get("message") or f"Bilag {line['voucher_id']}")[:140],
        )
        for n, line in enumerate(batch["lines"], start=1)
    )
    return PaymentOrder(
        message_id=batch_id,
        payment_information_id=f"{batch_id}-1",
        created=datetime.fromisoformat(str(batch["sent"]["at"]).replace("Z", "+00:00")),
        initiating_party=debtor.name[:70],
        debtor_name=debtor.name[:70],
        debtor_account=debtor.account,
        execution_date=date.fromisoformat(str(batch["execution_date"])),
        transfers=transfers,
        debtor_bic=debtor.bic,
        organisation_number=debtor.organisation_number,
    )


def build_for_batch(batch: Mapping[str, Any], debtor: Debtor, content_hash: str) -> tuple[bytes, str]:
    """(the pain.001 bytes, their sha256) of the batch."""
    from klientportal.formats.bank.pain001 import build_pain001

    data = build_pain001(order_from_batch(batch, debtor, content_hash))
    return data, hashlib.sha256(data).hexdigest()


def _voucher_of(batch: Mapping[str, Any], e2e: str) -> str | None:
    prefix = f"{batch['batch_id']}-"
    if not e2e.startswith(prefix) or not e2e[len(prefix) :].isdigit():
        return None
    n = int(e2e[len(prefix) :])
    lines = batch["lines"]
    return str(lines[n - 1]["voucher_id"]) if 1 <= n <= len(lines) else None


def batch_id_of(end_to_end: str) -> str | None:
    """The batch an EndToEndId (or MsgId) of ours belongs to."""
    if not end_to_end.startswith("pb-"):
        return None
    return end_to_end.rsplit("-", 1)[0] if end_to_end.count("-") >= 2 else end_to_end


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """What to pass to `bank_status.report(store, client_id, batch_id, status, lines)`."""

    batch_id: str
    status: BankStatus
    lines: tuple[dict[str, Any], ...]


def status_from_pain002(report: StatusReport, batch: Mapping[str, Any]) -> StatusUpdate:
    """The bank's pain.002 as a batch status: rejected (the group), partly_rejected (some lines, with
    their reason codes) or accepted."""
    from klientportal.formats.bank.pain002 import REJECTED

    if report.original_message_id != batch["batch_id"]:
        raise ValueError(f"the report answers {report.original_message_id}, not batch {batch['batch_id']}")
    if report.group_status == REJECTED:
        reason = "; ".join(_reason_text(r.code, r.text) for r in report.group_reasons) or "the bank rejected the batch"
        lines = tuple({"voucher_id": x["voucher_id"], "status": "rejected", "reason": reason} for x in batch["lines"])
        return StatusUpdate(str(batch["batch_id"]), "rejected", lines)
    out: list[dict[str, Any]] = []
    for e2e, tx in report.transaction_statuses().items():
        voucher = _voucher_of(batch, e2e)
        if voucher is None:
            raise ValueError(f"EndToEndId {e2e} is not a line of batch {batch['batch_id']}")
        if tx.status == REJECTED:
            reason = "; ".join(_reason_text(r.code, r.text) for r in tx.reasons) or "rejected by the bank"
            out.append({"voucher_id": voucher, "status": "rejected", "reason": reason})
        elif tx.status in _ACCEPTED:
            out.append({"voucher_id": voucher, "status": "accepted"})
    rejected = sum(x["status"] == "rejected" for x in out)
    if rejected and rejected == len(batch["lines"]):
        return StatusUpdate(str(batch["batch_id"]), "rejected", tuple(out))
    return StatusUpdate(str(batch["batch_id"]), "partly_rejected" if rejected else "accepted", tuple(out))


def status_from_debits(bank_file: BankFile, batch: Mapping[str, Any]) -> StatusUpdate | None:
    """The lines of `batch` a camt.054 debit notification shows paid (by EndToEndId and amount); the
    batch is `paid` when every line not rejected is; None when the file pays none of its lines."""
    entries = bank_file.entries if isinstance(bank_file.entries, tuple) else tuple(bank_file.entries)
    by_voucher = {str(x["voucher_id"]): x for x in batch["lines"]}
    paid: list[dict[str, Any]] = []
    for entry in entries:
        if entry.credit or entry.end_to_end_id is None or entry.currency != "NOK":
            continue
        voucher = _voucher_of(batch, entry.end_to_end_id)
        if voucher is None or int(by_voucher[voucher]["amount_ore"]) != entry.amount_ore:
            continue
        paid.append({"voucher_id": voucher, "status": "paid", "paid_on": entry.booking_date.isoformat()})
    if not paid:
        return None
    status: BankStatus
    done = {x["voucher_id"] for x in paid} | {
        v for v, x in by_voucher.items() if x.get("status") in ("paid", "rejected")
    }
    if done == set(by_voucher):
        status = "paid"
    elif batch["status"] == "partly_rejected":
        status = "partly_rejected"
    else:
        status = "accepted"
    return StatusUpdate(str(batch["batch_id"]), status, tuple(paid))


def _reason_text(code: str | None, text: str | None) -> str:
    known = {
        "AC01": "wrong account number",
        "AC04": "closed account",
        "AC06": "blocked account",
        "AM04": "insufficient funds",
        "FF01": "invalid file format",
        "RR03": "missing creditor name or address",
    }
    words = text or known.get(code or "", "")
    return f"{code}: {words}" if code and words else code or words
