"""Use case: asking the customer to pay — the payment request (betalingsanmodning), reminders
(purring, then the inkassovarsel) within the law, and the scheduled reminder run."""

from __future__ import annotations

from datetime import date
from typing import Any

from klientportal import clock
from klientportal.adapters.print_centre import PrintJob
from klientportal.invoicing import lifecycle as lc
from klientportal.invoicing import messages
from klientportal.invoicing.context import InvoicingContext
from klientportal.invoicing.delivery import Adapters, check_address
from klientportal.invoicing.records import InvoiceKind, money
from klientportal.invoicing.renditions import Renditions
from klientportal.invoicing.repository import open_invoices_due_in
from klientportal.invoicing.settings import ReminderLaw
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Change, Store
from klientportal.tenancy.repository import TenancyRepository


class Dunning:
    def __init__(self, ctx: InvoicingContext) -> None:
        self.ctx = ctx
        self.renditions = Renditions(ctx)

    def payment_request(self, invoice_id: str, actor: Actor) -> Record:
        """Betalingsanmodning: the invoice's payment details by e-mail, with the PDF."""
        ctx = self.ctx
        rec = ctx.repo.invoice(invoice_id)
        if rec.data["kind"] != InvoiceKind.INVOICE:
            raise lc.InvalidTransition("a payment request is for an invoice")
        lc.require(rec.data["status"], lc.PAYABLE, "request payment for")
        if lc.outstanding(rec.data) <= 0:
            raise lc.InvalidTransition("nothing is owed on this invoice", extra={"reason": "nothing is owed"})
        customer = ctx.customer(rec.data["customer_number"])
        check_address("email", customer)
        seq = len(rec.data.get("payment_requests", [])) + 1
        entry = {"seq": seq, "at": clock.iso(clock.now()), "to": customer["email"], "status": "sending"}
        data = {**rec.data, "payment_requests": [*rec.data.get("payment_requests", []), entry]}
        rec = ctx.store.replace(rec, data, actor, "invoice.payment_requested")
        body = "Betalingsanmodning\n\n" + messages.invoice_text(rec.data)
        ctx.adapters.email.send(
            messages.mail(
                rec,
                customer["email"],
                body,
                self.renditions.ensure_pdf(rec),
                f"{invoice_id}-pr{seq}",
                subject=f"Betalingsanmodning: faktura {rec.data['number']}",
            )
        )
        return rec

    def remind(self, invoice_id: str, actor: Actor, *, on_demand: bool = True) -> Record:
        ctx = self.ctx
        rec = ctx.repo.invoice(invoice_id)
        s = ctx.settings()
        today = ctx.today()
        plan = lc.plan_reminder(
            rec.data, today, ctx.law, fee=s.reminder_fee, interest=s.late_interest, on_demand=on_demand
        )
        if not plan.allowed:
            raise lc.InvalidTransition(f"no reminder now: {plan.reason}", extra={"reason": plan.reason})
        assert plan.new_due_date is not None  # an allowed plan has a deadline
        customer = ctx.customer(rec.data["customer_number"])
        channel = "email" if customer.get("email") else "print"
        check_address(channel, customer)
        reminders = rec.data.get("reminders", [])
        entry = {
            "seq": len(reminders) + 1,
            "kind": plan.kind,
            "at": clock.iso(clock.now()),
            "date": today.isoformat(),
            "fee": money(plan.fee),
            "interest": money(plan.interest),
            "interest_rate": str(ctx.law.forsinkelsesrente_percent),
            "new_due_date": plan.new_due_date.isoformat(),
            "channel": channel,
            "legal_source": ctx.law.source,
        }
        data = {**rec.data, "reminders": [*reminders, entry], "status": lc.REMINDED}
        rec = ctx.store.write(ctx.pk, [Change(rec, ctx.indexed(rec, data), "invoice.reminded")], actor)[0]
        self._send_reminder(rec, customer, entry, channel)
        return rec

    def _send_reminder(self, rec: Record, customer: dict[str, Any], entry: dict[str, Any], channel: str) -> None:
        ctx, data = self.ctx, rec.data
        title, body = messages.reminder_text(data, entry, lc.outstanding(data))
        reference = f"{data['id']}-r{entry['seq']}"
        if channel == "email":
            ctx.adapters.email.send(
                messages.mail(
                    rec,
                    customer["email"],
                    body,
                    self.renditions.ensure_pdf(rec),
                    reference,
                    subject=f"{title}: faktura {data['number']}",
                )
            )
        else:
            ctx.adapters.print_centre.submit(
                PrintJob(
                    client_id=ctx.client.client_id,
                    invoice_id=data["id"],
                    delivery_id=reference,
                    recipient={"name": customer["name"], **customer["address"]},
                    pdf=self.renditions.ensure_pdf(rec),
                )
            )


def run_reminders(
    store: Store, adapters: Adapters, today: date, law: ReminderLaw, actor: Actor, months_back: int = 13
) -> dict[str, Any]:
    """The scheduled reminder run over every client's open invoices (GSI1 by due month)."""
    sent, skipped, failed = 0, 0, 0
    year, month = today.year, today.month
    for _ in range(months_back):
        for item in open_invoices_due_in(store, f"{year:04d}-{month:02d}"):
            client_id = item.pk.split("#", 1)[1]
            if TenancyRepository(store).client(client_id) is None:
                continue  # read once per client and run: the store keeps it for the invocation
            ctx = InvoicingContext(store, client_id, adapters, law=law, today=lambda: today)
            try:
                if not ctx.settings().automatic_reminders:
                    skipped += 1
                    continue
                plan = lc.plan_reminder(item.data, today, law, on_demand=False)
                if not plan.allowed:
                    skipped += 1
                    continue
                Dunning(ctx).remind(item.data["id"], actor, on_demand=False)
                sent += 1
            except Exception:
                failed += 1
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return {"sent": sent, "skipped": skipped, "failed": failed}
