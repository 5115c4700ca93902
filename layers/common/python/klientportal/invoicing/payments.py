"""Use case: registering a payment of an invoice — from the API, the bureau's push and the bank routine.

A payment is identified by the bank's `payment_id`, claimed per client by a PAYMENT#<payment_id>
item written in the same transaction as the invoice: the same id with the same content is a
replay (recorded once, answered with the invoice), with another amount, date or reference, or on
another invoice, a conflict (409), never a silent drop or a second payment. A payment may not be
dated after today (Europe/Oslo). What is paid beyond the invoice's total is recorded on the invoice
(`overpaid_amount`, the payment's `overpaid`) and as the customer's credit (customer_credit.py).
A payment registered in the portal is booked with it (0166); the bank routine books its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from klientportal.errors import DomainError, FieldError, InvalidInput
from klientportal.invoicing import lifecycle as lc
from klientportal.invoicing.context import InvoicingContext
from klientportal.invoicing.customer_credit import credit_added
from klientportal.invoicing.records import InvoiceKind, Payment, StoredInvoice, money
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.retry import retry_on_stale
from klientportal.repository.store import Actor, Change


class PaymentIdReused(DomainError):
    status, slug, title = 409, "payment-id-reused", "This payment_id was registered with other content"


class Payments:
    def __init__(self, ctx: InvoicingContext) -> None:
        self.ctx = ctx

    def register(self, invoice_id: str, payment: Payment, actor: Actor, *, ledger_account: str | None = None) -> Record:
        """Record `payment` on the invoice once; settles the invoice (and closes a debt-collection
        case) when nothing is owed any more. With `ledger_account` the payment is also booked in
        the same transaction (series "bank": that account against 1500 for the customer, 0166);
        without, the ledger is left to whoever books it (the bureau's own system)."""
        return self.register_once(invoice_id, payment, actor, ledger_account=ledger_account)[0]

    def register_once(
        self, invoice_id: str, payment: Payment, actor: Actor, *, ledger_account: str | None = None
    ) -> tuple[Record, bool]:
        """`register`, and whether this call recorded the payment (False: a replay, nothing written)."""
        self.require_not_future(payment)

        def attempt() -> tuple[Record, bool, bool]:
            planned = self.plan(invoice_id, payment)
            if planned.replay:
                return planned.invoice, False, False
            changes = planned.changes
            if ledger_account is not None:
                changes = [*changes, *self._journal(planned.invoice, payment, ledger_account, actor)]
            return self.ctx.store.write(self.ctx.pk, changes, actor)[0], planned.closing, True

        rec, closing, recorded = retry_on_stale(attempt, also_on_exists=True)
        if closing:
            self.close_collection(rec)
        return rec, recorded

    def _journal(self, invoice: Record, payment: Payment, account: str, actor: Actor) -> list[Change]:
        from klientportal.ledger.journal import CUSTOMER_LEDGER, JournalDraft, Posting, journal_changes

        data = invoice.data
        text = f"Innbetaling faktura {data.get('number')} ({payment.reference or payment.payment_id})"[:200]
        postings = (
            Posting(account, payment.amount, text),
            Posting(CUSTOMER_LEDGER, -payment.amount, text, customer_number=int(data["customer_number"])),
        )
        draft = JournalDraft("bank", payment.paid_on, text, "invoice_payment", payment.payment_id, postings)
        return journal_changes(self.ctx.store, self.ctx.pk, draft, actor)

    def require_not_future(self, payment: Payment) -> None:
        today = self.ctx.today()
        if payment.paid_on > today:
            raise InvalidInput(
                f"a payment cannot be dated after today ({today.isoformat()} in Norway)",
                [FieldError("paid_on", f"after today ({today.isoformat()})")],
            )

    def close_collection(self, invoice: Record) -> None:
        """Tell Svea the claim was paid to the creditor (after the transaction that settled it)."""
        self.ctx.adapters.collection.close_case(
            invoice.data["collection"]["case_id"], "paid to the creditor", self.ctx.client.client_id, invoice.data["id"]
        )

    def plan(self, invoice_id: str, payment: Payment) -> PaymentPlan:
        """The changes that record `payment` on the invoice (read now, written by the caller in its
        own transaction, e.g. with the bank routine's open item and journal entry), or a replay of a
        payment already recorded (no changes). Raises PaymentIdReused / InvalidTransition."""
        ctx = self.ctx
        rec = ctx.repo.invoice(invoice_id)
        invoice = StoredInvoice.model_validate(rec.data)
        if invoice.kind != InvoiceKind.INVOICE:
            raise lc.InvalidTransition("payments are registered on invoices, not credit notes")
        claim = ctx.repo.payment(payment.payment_id)
        known = invoice.payment(payment.payment_id)  # recorded before payment ids were claimed per client
        claimed = (
            claim.data if claim else {**known.model_dump(mode="json"), "invoice_id": invoice_id} if known else None
        )
        if claimed is not None:
            _require_same(payment, claimed, invoice_id)
            return PaymentPlan(rec, [], False, True)
        lc.require(invoice.status, lc.RECEIVES_PAYMENT, "register a payment on")
        data = dict(rec.data)
        overpaid_before = lc.overpaid(data)
        entry = payment.stored()
        payments = [*data.get("payments", []), entry]
        data["paid_amount"] = money(sum((Decimal(p["amount"]) for p in payments), Decimal(0)))
        extra = lc.overpaid(data) - overpaid_before
        if extra > 0:
            entry["overpaid"] = money(extra)
        data.update(payments=payments, overpaid_amount=money(lc.overpaid(data)), status=lc.status_after_payment(data))
        closing = data["status"] in (lc.PAID, lc.CREDITED) and (data.get("collection") or {}).get("status") not in (
            None,
            "closed",
            "closing",
        )
        if closing:
            data["collection"] = {**data["collection"], "status": "closing"}
        settled = data["status"] == lc.PAID and invoice.status != lc.PAID
        after = ctx.indexed(rec, data)
        changes = [
            Change(rec, after, "invoice.paid" if settled else "invoice.payment_registered"),
            Change(
                None,
                Record(
                    ctx.pk,
                    keys.invoice_payment_sk(payment.payment_id),
                    "invoice_payment",
                    {**payment.stored(), "invoice_id": invoice_id},
                ),
                "invoice.payment_id_claimed",
            ),
        ]
        if extra > 0:
            changes.append(
                credit_added(
                    ctx, data, extra, {"payment_id": payment.payment_id, "paid_on": payment.paid_on.isoformat()}
                )
            )
        return PaymentPlan(after, changes, closing, False)


@dataclass(frozen=True)
class PaymentPlan:
    """What recording one payment changes: the invoice as it will be, the changes, whether a Svea
    case must be closed after the write, and whether it is a replay (nothing to write)."""

    invoice: Record
    changes: list[Change]
    closing: bool
    replay: bool


def _require_same(payment: Payment, claimed: dict[str, Any], invoice_id: str) -> None:
    """A replay of a recorded payment, or PaymentIdReused naming what differs."""
    recorded = {k: claimed.get(k) for k in payment.content()}
    differs = [k for k, v in payment.content().items() if recorded[k] != v]
    if claimed["invoice_id"] != invoice_id:
        differs.insert(0, "invoice")
    if differs:
        raise PaymentIdReused(
            f"payment {payment.payment_id} is already registered with other {', '.join(differs)}; a payment_id "
            "names one payment: send the same content to replay it, or a new payment_id for another payment",
            [FieldError("payment_id" if k == "invoice" else k, "differs from the registered payment") for k in differs],
            extra={"registered": {**recorded, "invoice_id": claimed["invoice_id"]}},
        )
