"""The client's payment proposal (betalingsforslag): approved vouchers with a creditor account, each
as a payment line (amount, due date, KID or message, creditor account), collected in the client's one
open proposal. The later bank routine turns the proposal into a pain.001 and sends it after strong
authentication (BankID) of someone entitled to pay; nothing here talks to a bank (0263).

A voucher is in at most one proposal: the voucher carries `payment_proposal` (the proposal's id),
written in the same transaction as the proposal item, both version-checked. Adding a voucher that is
already in the open proposal changes nothing (idempotent).
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from klientportal import clock
from klientportal.errors import AlreadyExists, FieldError, NotFound, RuleViolation, StaleVersion
from klientportal.formats.kid import validate_kid
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Change, Store
from klientportal.vouchers.ehf_rules import require_not_blocked
from klientportal.vouchers.records import Status
from klientportal.vouchers.workflow import VoucherService

PAYABLE = frozenset({Status.APPROVED, Status.BOOKED})
MAX_LINES = 500  # one DynamoDB item (400 KB) with room to spare
_ATTEMPTS = 3


class NotPayable(RuleViolation):
    slug, title = "voucher-not-payable", "The voucher cannot be added to a payment proposal"


def empty_proposal(client_id: str) -> dict[str, Any]:
    return {"proposal_id": None, "client_id": client_id, "status": "open", "lines": [], "totals": {}, "version": 0}


def proposal_view(rec: Record | None, client_id: str) -> dict[str, Any]:
    if rec is None:
        return empty_proposal(client_id)
    return {**rec.data, "version": rec.version, "created_at": rec.created_at, "updated_at": rec.updated_at}


def _creditor_account(details: dict[str, Any], supplier: dict[str, Any] | None) -> dict[str, Any] | None:
    """{"bban": 11 digits} or {"iban": …} from the voucher's details, else the supplier register."""
    from stdnum import iban

    from klientportal.validation.norwegian import validate_bank_account

    for source in (details, supplier or {}):
        for name in ("bank_account", "iban"):
            raw = re.sub(r"[\s.]", "", str(source.get(name) or "")).upper()
            if not raw:
                continue
            try:
                if raw.isdigit():
                    return {"bban": validate_bank_account(raw)}
                return {"iban": iban.validate(raw)}
            except (ValueError, iban.ValidationError):
                continue
    return None


def amount_to_pay(voucher: dict[str, Any]) -> Decimal:
    """The document's payable amount (EHF PayableAmount: the total with VAT less prepaid amounts, plus
    the payable rounding; PDF/OCR: the amount due), as edited; vouchers stored before the `payable`
    detail existed fall back to what was read, then to the total."""
    details = voucher.get("details") or {}
    if "payable" in details:
        return Decimal(str(details["payable"]))
    read = (((voucher.get("extracted") or {}).get("totals") or {}).get("payable") or {}).get("value")
    return Decimal(str(read if read is not None else details.get("total")))


def payment_line(voucher: dict[str, Any], supplier: dict[str, Any] | None) -> dict[str, Any]:
    """The payment of one voucher, or NotPayable with what is missing."""
    details = voucher.get("details") or {}
    errors: list[FieldError] = []
    if details.get("document_type") == "credit-note":
        errors.append(FieldError("document_type", "a credit note is settled against invoices, not paid"))
    try:
        amount = amount_to_pay(voucher)
    except (InvalidOperation, ValueError):
        amount = Decimal(0)
    if not amount.is_finite() or amount <= 0:
        errors.append(FieldError("payable", "the voucher has no positive amount to pay"))
    account = _creditor_account(details, supplier)
    if account is None:
        errors.append(FieldError("bank_account", "no valid bank account or IBAN on the voucher or its supplier"))
    kid = details.get("kid")
    if kid and not validate_kid(str(kid)):
        errors.append(FieldError("kid", "the KID fails its MOD10/MOD11 check; correct it or remove it"))
    if errors:
        raise NotPayable("the voucher cannot be paid from a proposal", errors)
    reference = (
        {"kid": kid}
        if kid
        else {
            "message": (
                f"Faktura {details['invoice_number']}"
                if details.get("invoice_number")
                else f"Bilag {voucher['voucher_id']}"
            )[:140]
        }
    )
    return {
        "voucher_id": voucher["voucher_id"],
        "supplier_number": details.get("supplier_number"),
        "supplier_name": details.get("supplier_name"),
        "invoice_number": details.get("invoice_number"),
        "amount": f"{amount.quantize(Decimal('0.01'))}",
        "currency": details.get("currency") or "NOK",
        "due_date": details.get("due_date") or clock.today_oslo().isoformat(),
        "creditor_account": account,
        **reference,
    }


def proposal_totals(lines: list[dict[str, Any]]) -> dict[str, str]:
    sums: dict[str, Decimal] = {}
    for line in lines:
        sums[line["currency"]] = sums.get(line["currency"], Decimal(0)) + Decimal(line["amount"])
    return {currency: f"{total:.2f}" for currency, total in sorted(sums.items())}


class PaymentProposalService:
    def __init__(self, store: Store, client_id: str) -> None:
        self.store, self.client_id = store, client_id
        self.pk = keys.client_pk(client_id)
        self.vouchers = VoucherService(store, client_id)

    def current(self) -> dict[str, Any]:
        return proposal_view(self.store.get(self.pk, keys.PAYMENT_PROPOSAL_OPEN_SK), self.client_id)

    def add(self, voucher_id: str, actor: Actor) -> dict[str, Any]:
        for attempt in range(_ATTEMPTS):
            voucher = self.vouchers.get(voucher_id)
            proposal = self.store.get(self.pk, keys.PAYMENT_PROPOSAL_OPEN_SK)
            member_of = (voucher.data.get("payment_proposal") or {}).get("proposal_id")
            if member_of is not None:
                if proposal is not None and proposal.data["proposal_id"] == member_of:
                    return proposal_view(proposal, self.client_id)  # already there: nothing to do
                raise NotPayable(f"the voucher is in payment proposal {member_of} already")
            if voucher.data["status"] not in PAYABLE or voucher.data.get("paid_on"):
                raise NotPayable(
                    f"only approved, unpaid vouchers can be paid; this one is {voucher.data['status']}"
                    + (f", paid on {voucher.data['paid_on']}" if voucher.data.get("paid_on") else ""),
                    extra={"current_status": voucher.data["status"]},
                )
            require_not_blocked(voucher.data, "paid")
            number = (voucher.data.get("details") or {}).get("supplier_number")
            supplier = (
                self.store.get(self.pk, keys.register_sk("supplier", int(number))) if number is not None else None
            )
            line = payment_line(voucher.data, supplier.data if supplier else None)
            lines = list(proposal.data["lines"]) if proposal else []
            if len(lines) >= MAX_LINES:
                raise NotPayable(f"the proposal holds {MAX_LINES} payments; send it before adding more")
            lines = sorted([*lines, line], key=lambda x: (x["due_date"], x["voucher_id"]))
            proposal_id = proposal.data["proposal_id"] if proposal else "pp-" + uuid.uuid4().hex[:16]
            data = {
                "proposal_id": proposal_id,
                "client_id": self.client_id,
                "status": "open",
                "lines": lines,
                "totals": proposal_totals(lines),
            }
            after = (
                proposal.with_data(data)
                if proposal
                else Record(self.pk, keys.PAYMENT_PROPOSAL_OPEN_SK, "payment_proposal", data)
            )
            marked = {
                **voucher.data,
                "payment_proposal": {"proposal_id": proposal_id, "added_at": clock.iso(clock.now()), "by": actor.sub},
            }
            try:
                saved = self.store.write(
                    self.pk,
                    [
                        Change(proposal, after, "payment_proposal.voucher_added"),
                        Change(
                            voucher,
                            self.vouchers._next(voucher, marked, actor, "added to payment proposal"),
                            "voucher.added_to_payment",
                        ),
                    ],
                    actor,
                )
                return proposal_view(saved[0], self.client_id)
            except (StaleVersion, AlreadyExists):
                if attempt == _ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def remove(self, voucher_id: str, actor: Actor) -> dict[str, Any]:
        for attempt in range(_ATTEMPTS):
            voucher = self.vouchers.get(voucher_id)
            proposal = self.store.get(self.pk, keys.PAYMENT_PROPOSAL_OPEN_SK)
            member_of = (voucher.data.get("payment_proposal") or {}).get("proposal_id")
            if proposal is None or member_of != proposal.data["proposal_id"]:
                raise NotFound(f"the voucher {voucher_id} is not in the open payment proposal")
            lines = [x for x in proposal.data["lines"] if x["voucher_id"] != voucher_id]
            data = {**proposal.data, "lines": lines, "totals": proposal_totals(lines)}
            unmarked = {k: v for k, v in voucher.data.items() if k != "payment_proposal"}
            try:
                saved = self.store.write(
                    self.pk,
                    [
                        Change(proposal, proposal.with_data(data), "payment_proposal.voucher_removed"),
                        Change(
                            voucher,
                            self.vouchers._next(voucher, unmarked, actor, "removed from payment proposal"),
                            "voucher.removed_from_payment",
                        ),
                    ],
                    actor,
                )
                return proposal_view(saved[0], self.client_id)
            except StaleVersion:
                if attempt == _ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")
