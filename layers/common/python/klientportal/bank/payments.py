"""Bank payments: the identity of a payment, its record, and the one transaction that books a match.

A payment's identity is its bank reference on the client's account: the record
BANKIN#PAYMENT#<payment id> (payment id = a digest of account and reference) is created
conditionally, so a payment is recorded once however often a file is read. The same payment
reported in another format (OCR and camt.054) carries other references; it is recognised by its
fingerprint (account, booking date, amount, KID) claimed per occurrence (BANKIN#SAME#…, decision
0622). Booking a match writes, in one transaction: the invoice payment (invoicing's use case) or
the external open item, the customer's credit for an overpayment, the payment record with its
explanation, the fingerprint claim and the journal entry (series "bank": 1920 debit against 1500
credit per customer). A payment no open item takes is booked to the suspense account 2990 at once
(1920 against 2990), and cleared to 1500 when a person matches it (0626).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from klientportal import clock
from klientportal.bank.matching import Allocation, Outcome
from klientportal.bank.open_items import external_payment_change
from klientportal.errors import DomainError
from klientportal.formats.bank import BankEntry
from klientportal.invoicing.context import InvoicingContext
from klientportal.invoicing.customer_credit import credit_added
from klientportal.invoicing.payments import Payments
from klientportal.invoicing.records import Payment, money
from klientportal.ledger.journal import CUSTOMER_LEDGER, JournalDraft, Posting, journal_changes
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.retry import retry_on_stale
from klientportal.repository.store import Actor, Change

ORE = Decimal("0.01")
SOURCE_KIND = "bank_payment"
CLEARED_SOURCE_KIND = "bank_payment_cleared"
SUSPENSE_ACCOUNT = "2990"  # Øvrig kortsiktig gjeld: received, not yet known whose (decision 0626)


class AlreadyRecorded(Exception):
    """The payment was recorded under us (a concurrent import of the same payment)."""


def payment_id_of(account: str | None, reference: str) -> str:
    """The id of a bank payment: its reference on the client's account (stable across files)."""
    return "bp-" + hashlib.sha256(f"{account or '-'}\x1f{reference}".encode()).hexdigest()[:24]


def fingerprint_of(entry: BankEntry) -> str:
    """What the same payment has in every format: account, booking date, amount in øre, KID."""
    return f"{entry.account or '-'}#{entry.booking_date.isoformat()}#{entry.amount_ore}#{entry.kid or '-'}"


def kroner(ore: int) -> Decimal:
    return (Decimal(ore) * ORE).quantize(ORE)


@dataclass(frozen=True)
class Incoming:
    """A payment being recorded: the entry and where it came from."""

    entry: BankEntry
    payment_id: str
    import_id: str
    file_format: str
    same_sk: str  # the fingerprint claim this payment takes

    def data(self) -> dict[str, Any]:
        e = self.entry
        return {
            "payment_id": self.payment_id,
            "import_id": self.import_id,
            "format": self.file_format,
            "reference": e.reference,
            "end_to_end_id": e.end_to_end_id,
            "account": e.account,
            "amount": money(kroner(e.amount_ore)),
            "amount_ore": e.amount_ore,
            "kid": e.kid,
            "message": e.message,
            "booking_date": e.booking_date.isoformat(),
            "value_date": e.value_date.isoformat() if e.value_date else None,
            "payer_name": e.payer_name,
            "payer_account": e.payer_account,
            "line": e.line,
        }


def allocation_view(a: Allocation) -> dict[str, Any]:
    return {
        "kind": a.item.kind,
        "ref": a.item.ref,
        "number": a.item.number,
        "customer_number": a.item.customer_number,
        "amount": money(a.amount),
        "overpaid": money(a.overpaid),
    }


class Booking:
    """Records payments of one client: unmatched ones as they are, matched ones booked."""

    def __init__(self, ctx: InvoicingContext, ledger_account: str = "1920") -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.pk = ctx.pk
        self.payments = Payments(ctx)
        self.ledger_account = ledger_account

    def payment_record(self, payment_id: str) -> Record | None:
        return self.store.get(self.pk, keys.bank_payment_sk(payment_id))

    def record_unmatched(self, incoming: Incoming, outcome: Outcome, actor: Actor) -> Record:
        """Record a payment no open item takes, booked to the suspense account so that the bank
        account in the ledger follows the bank; if the ledger refuses (a closed period), it is
        recorded unbooked with the reason, and the match by hand books it in full later."""
        base = {**incoming.data(), **_outcome_data(outcome)}

        def attempt() -> Record:
            try:
                journal = journal_changes(self.store, self.pk, self.suspense_draft(base), actor)
            except DomainError as exc:
                journal, data = [], {**base, "journal": None, "not_booked": str(exc)[:300]}
            else:
                data = {**base, "journal": _journal_ref(journal)}
            rec = self._unmatched_record(incoming.payment_id, data)
            changes = [Change(None, rec, "bank_payment.unmatched"), self._same_claim(incoming), *journal]
            return self._write(changes, actor)[0]

        return retry_on_stale(attempt)

    def suspense_draft(self, base: dict[str, Any]) -> JournalDraft:
        """Series "bank": the bank account debited, the suspense account credited until a person
        says whose payment it is."""
        text = f"Uavklart innbetaling {base.get('kid') or base['reference']}"[:200]
        amount = Decimal(base["amount"])
        postings = (Posting(self.ledger_account, amount, text), Posting(SUSPENSE_ACCOUNT, -amount, text))
        return JournalDraft(
            "bank", date.fromisoformat(base["booking_date"]), text, SOURCE_KIND, base["payment_id"], postings
        )

    def _unmatched_record(self, payment_id: str, data: dict[str, Any]) -> Record:
        return Record(
            self.pk,
            keys.bank_payment_sk(payment_id),
            "bank_payment",
            data,
            gsi1pk=keys.bank_unmatched_gsi(self.ctx.client_id),
            gsi1sk=f"{data['booking_date']}#{payment_id}",
        )

    def _same_claim(self, incoming: Incoming) -> Change:
        return Change(
            None,
            Record(
                self.pk,
                incoming.same_sk,
                "bank_payment_fingerprint",
                {"payment_id": incoming.payment_id, "format": incoming.file_format, "import_id": incoming.import_id},
            ),
            "bank_payment.fingerprint_claimed",
        )

    def book(
        self,
        incoming: Incoming | None,
        outcome: Outcome,
        actor: Actor,
        *,
        before: Record | None = None,
        payment_data: dict[str, Any] | None = None,
    ) -> Record:
        """Book a matched payment in one transaction: a new one (`incoming`), or an unmatched one
        matched by hand (`before`, its record). Raises AlreadyRecorded if a concurrent import
        recorded it first, DomainError if the ledger or the invoice refuses (nothing written)."""
        base = incoming.data() if incoming else dict(payment_data or (before.data if before else {}))
        payment_id = base["payment_id"]
        paid_on = date.fromisoformat(base["booking_date"])
        closings: list[Record] = []

        def attempt() -> Record:
            closings.clear()
            if incoming is not None and self.payment_record(payment_id) is not None:
                raise AlreadyRecorded(payment_id)
            changes: list[Change] = []
            allocations: list[dict[str, Any]] = []
            for n, a in enumerate(outcome.allocations, start=1):
                view = allocation_view(a)
                if a.item.kind == "invoice":
                    pay = Payment(
                        payment_id=f"bank:{payment_id}:{n}",
                        amount=a.amount,
                        paid_on=paid_on,
                        reference=base.get("kid") or base["reference"][:100],
                    )
                    self.payments.require_not_future(pay)
                    planned = self.payments.plan(a.item.ref, pay)
                    if planned.replay:
                        raise AlreadyRecorded(pay.payment_id)
                    changes += planned.changes
                    if planned.closing:
                        closings.append(planned.invoice)
                    view["invoice_status"] = planned.invoice.data["status"]
                else:
                    rec = self.store.get(self.pk, keys.receivable_sk(a.item.ref))
                    if rec is None:
                        raise DomainError(f"no open item {a.item.ref}")
                    change, over, data = external_payment_change(
                        rec, a.amount, {"payment_id": payment_id, "paid_on": paid_on.isoformat()}
                    )
                    changes.append(change)
                    view["overpaid"] = money(over)
                    if over > 0:
                        pseudo = {**data, "id": f"receivable:{a.item.ref}", "number": a.item.ref}
                        changes.append(
                            credit_added(
                                self.ctx, pseudo, over, {"payment_id": payment_id, "paid_on": paid_on.isoformat()}
                            )
                        )
                allocations.append(view)
            suspense = (before.data.get("journal") if before is not None else None) or None
            draft = self.cleared_draft(base, outcome) if suspense else self.draft(base, outcome)
            journal = journal_changes(self.store, self.pk, draft, actor)
            data = {
                **{k: v for k, v in base.items() if k != "not_booked"},
                **_outcome_data(outcome),
                "allocations": allocations,
                "journal": _journal_ref(journal),
                **({"suspense_journal": suspense} if suspense else {}),
            }
            if before is None:
                rec = Record(self.pk, keys.bank_payment_sk(payment_id), "bank_payment", data)
                changes += [Change(None, rec, "bank_payment.matched")]
                if incoming is not None:
                    changes.append(self._same_claim(incoming))
            else:
                fresh = self.payment_record(payment_id) or before
                if fresh.data.get("status") != "unmatched":
                    raise AlreadyRecorded(payment_id)
                rec = replace(fresh, data=data, gsi1pk=None, gsi1sk=None)
                changes.append(Change(fresh, rec, "bank_payment.matched_by_hand"))
            changes += journal
            written = self._write(changes, actor)
            return next(r for r in written if r.entity == "bank_payment")

        result = retry_on_stale(attempt)
        for invoice in closings:
            self.payments.close_collection(invoice)
        return result

    def draft(self, base: dict[str, Any], outcome: Outcome) -> JournalDraft:
        """Series "bank": the bank account debited with the payment, the customer sub-ledger credited
        per customer (an overpayment included: it is the customer's credit in 1500)."""
        amount = Decimal(base["amount"])
        per_customer: dict[int, Decimal] = {}
        for a in outcome.allocations:
            per_customer[a.item.customer_number] = per_customer.get(a.item.customer_number, Decimal(0)) + a.amount
        numbers = ", ".join(a.item.number for a in outcome.allocations)
        text = f"Innbetaling {base.get('kid') or base['reference']} ({numbers})"[:200]
        postings = [Posting(self.ledger_account, amount, text)]
        postings += [
            Posting(CUSTOMER_LEDGER, -paid.quantize(ORE), text, customer_number=customer)
            for customer, paid in sorted(per_customer.items())
        ]
        return JournalDraft(
            "bank",
            date.fromisoformat(base["booking_date"]),
            text,
            SOURCE_KIND,
            base["payment_id"],
            tuple(postings),
        )

    def cleared_draft(self, base: dict[str, Any], outcome: Outcome) -> JournalDraft:
        """Series "bank", today: a payment booked to suspense cleared to the customer sub-ledger."""
        text = f"Avklart innbetaling {base.get('kid') or base['reference']}"[:200]
        postings = [Posting(SUSPENSE_ACCOUNT, Decimal(base["amount"]), text)]
        postings += [p for p in self.draft(base, outcome).postings if p.account == CUSTOMER_LEDGER]
        return JournalDraft("bank", clock.today_oslo(), text, CLEARED_SOURCE_KIND, base["payment_id"], tuple(postings))

    def _write(self, changes: list[Change], actor: Actor) -> list[Record]:
        return self.store.write(self.pk, changes, actor)


def _journal_ref(journal: list[Change]) -> dict[str, Any]:
    entry = next((c.record.data for c in journal if c.record.entity == "journal_entry"), {})
    return {"voucher_number": entry.get("voucher_number"), "entry_sk": entry.get("entry_sk")}


def _outcome_data(outcome: Outcome) -> dict[str, Any]:
    return {
        "status": outcome.status,
        "explanation": {"rule": outcome.rule, "text": outcome.explanation},
        **({"candidates": list(outcome.candidates)} if outcome.candidates else {}),
    }
