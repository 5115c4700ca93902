"""Use case: issuing an invoice or credit note — the next number of the gapless series, KID, dates,
the frozen document and the PDF — and crediting the original when a credit note is issued."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from klientportal.errors import FieldError, RuleViolation
from klientportal.formats.kid import KidError, generate_kid
from klientportal.invoicing import documents as docs
from klientportal.invoicing import lifecycle as lc
from klientportal.invoicing.context import InvoicingContext
from klientportal.invoicing.customer_credit import credit_added
from klientportal.invoicing.delivery import recipient_of
from klientportal.invoicing.numbering import take_number
from klientportal.invoicing.records import InvoiceKind, money
from klientportal.invoicing.renditions import Renditions
from klientportal.ledger.invoices import invoice_booking_keys, invoice_draft
from klientportal.ledger.journal import journal_changes
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.retry import retry_on_stale
from klientportal.repository.store import Actor, Change


class Issuing:
    def __init__(self, ctx: InvoicingContext) -> None:
        self.ctx = ctx
        self.renditions = Renditions(ctx)

    def issue(self, invoice_id: str, actor: Actor) -> Record:
        """Assign the next number, KID and dates, freeze the document, store the PDF. Idempotent: an
        invoice that is already issued is returned as it is (no second number)."""
        issued_now: list[bool] = []

        def attempt() -> Record:
            rec = self.ctx.repo.invoice(invoice_id)
            if rec.data["status"] != lc.DRAFT:
                return rec
            issued_now.append(True)
            return self._issue_once(rec, actor)

        issued = retry_on_stale(attempt, also_on_exists=True)
        if issued_now:
            self.renditions.store_pdf(issued)  # its key has the number just taken: no PDF can exist yet
        else:
            self.renditions.ensure_pdf(issued)
        return issued

    def _issue_once(self, rec: Record, actor: Actor) -> Record:
        ctx = self.ctx
        s = ctx.settings()
        data = dict(rec.data)
        issue_date = ctx.today()
        # one read for the customer and what booking the invoice reads (journal_changes finds them read)
        ctx.store.get_many(
            [
                (ctx.pk, keys.register_sk("customer", data["customer_number"])),
                *invoice_booking_keys(ctx.pk, data, issue_date),
            ]
        )
        customer = ctx.customer(data["customer_number"])
        credit = data["kind"] == InvoiceKind.CREDIT_NOTE
        original = ctx.repo.invoice(data["credited_invoice_id"]) if credit else None
        counter = ctx.repo.counter()
        number, counter_change = take_number(counter, ctx.pk, s.next_number_start)
        due_days = data.get("due_days")
        if due_days is None:
            due_days = customer.get("payment_terms_days", s.due_days)
        due_date = issue_date + timedelta(days=int(due_days))
        kid = None
        if not credit:
            try:
                kid = generate_kid(s.kid, int(data["customer_number"]), number)
            except KidError as exc:
                raise RuleViolation(
                    f"cannot make a KID: {exc}; change the KID settings", [FieldError("kid", str(exc))]
                ) from exc
        doc = docs.domain_invoice(
            data,
            number=str(number),
            issue_date=issue_date,
            due_date=due_date,
            kid=kid,
            seller=docs.seller_of(s, ctx.client.name, ctx.client.orgnr),
            buyer=docs.buyer_of(customer),
        )
        summary = docs.summary(docs.calculate_document(doc))
        lc.require_issuable_total(data["kind"], summary["totals"])
        data.update(
            status=lc.ISSUED,
            number=number,
            issue_date=issue_date.isoformat(),
            due_date=due_date.isoformat(),
            kid=kid,
            document=doc.model_dump(mode="json"),
            pdf_key=ctx.files.key(data["id"], f"{'kreditnota' if credit else 'faktura'}-{number}.pdf"),
            paid_amount="0.00",
            credited_amount="0.00",
            overpaid_amount="0.00",
            payments=[],
            reminders=[],
            recipient=recipient_of(customer),
            **summary,
        )
        changes = [
            counter_change,
            Change(rec, replace(rec, data=data), "credit_note.issued" if credit else "invoice.issued"),
        ]
        if kid:
            changes.append(
                Change(
                    None,
                    Record(
                        ctx.pk,
                        keys.invoice_kid_sk(kid, data["id"]),
                        "invoice_kid",
                        {"kid": kid, "invoice_id": data["id"], "number": number},
                    ),
                    "invoice.kid_indexed",
                )
            )
            changes.append(  # the bank matching routine finds the invoice of a KID by its number (docs/bank.md)
                Change(
                    None,
                    Record(
                        ctx.pk,
                        keys.invoice_number_sk(number),
                        "invoice_number",
                        {"number": number, "invoice_id": data["id"], "kid": kid},
                    ),
                    "invoice.number_indexed",
                )
            )
        if original is not None:
            changes += self._credit_original(original, data)
        draft = invoice_draft(data)
        if draft is not None:  # booked in the ledger in the same transaction (decision 0802)
            changes += journal_changes(ctx.store, ctx.pk, draft, actor)
        return ctx.store.write(ctx.pk, changes, actor)[1]

    def _credit_original(self, original: Record, credit: dict[str, Any]) -> list[Change]:
        """The original invoice credited by `credit`; what it credits beyond what was still owed (the
        invoice was paid) becomes the customer's credit."""
        o = dict(original.data)
        lc.require(o["status"], lc.CREDITABLE, "credit")
        amount = Decimal(credit["totals"]["payable"])
        creditable = Decimal(o["totals"]["payable"]) - Decimal(o.get("credited_amount", "0"))
        if amount > creditable:
            raise RuleViolation(
                f"the credit note ({money(amount)}) exceeds what is left to credit ({money(creditable)})",
                extra={"creditable": money(creditable)},
            )
        overpaid_before = lc.overpaid(o)
        o["credited_amount"] = money(Decimal(o.get("credited_amount", "0")) + amount)
        o["credit_notes"] = [
            *o.get("credit_notes", []),
            {"id": credit["id"], "number": credit["number"], "amount": money(amount)},
        ]
        o["overpaid_amount"] = money(lc.overpaid(o))
        o["status"] = lc.status_after_payment(o)
        changes = [Change(original, self.ctx.indexed(original, o), "invoice.credited")]
        extra = lc.overpaid(o) - overpaid_before
        if extra > 0:
            changes.append(
                credit_added(
                    self.ctx, o, extra, {"credit_note_id": credit["id"], "credit_note_number": credit["number"]}
                )
            )
        return changes
