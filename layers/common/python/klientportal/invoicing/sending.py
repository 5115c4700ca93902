"""Use case: sending an issued invoice by e-mail, EHF or print, at most once, and applying the
delivery receipts of the access point and the print centre.

The intent (a DELIVERY#<id>#<n> item and `delivery.status = submitting`) is written conditionally on
the invoice version before the adapter is called, so a retry or a concurrent request never sends
twice; a crash in between leaves a visible `submitting` delivery for support (decision 0152).
"""

from __future__ import annotations

from typing import Any

from klientportal import clock
from klientportal.adapters.access_point import EhfEnvelope
from klientportal.adapters.print_centre import PrintJob
from klientportal.adapters.receipts import Receipt
from klientportal.errors import AlreadyExists, InternalError, RuleViolation, StaleVersion
from klientportal.formats.ehf.ubl import orgnr_participant_id
from klientportal.invoicing import attachments as files_attached
from klientportal.invoicing import lifecycle as lc
from klientportal.invoicing import messages
from klientportal.invoicing.context import InvoicingContext
from klientportal.invoicing.delivery import DeliveryAddressMissing, ReceiverCannotTakeEhf, check_address, peppol_id_of
from klientportal.invoicing.records import InvoiceKind
from klientportal.invoicing.renditions import Renditions
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.retry import retry_on_stale
from klientportal.repository.store import Actor, Change


class Sending:
    def __init__(self, ctx: InvoicingContext) -> None:
        self.ctx = ctx
        self.renditions = Renditions(ctx)

    def send(self, invoice_id: str, actor: Actor, channel: str | None = None) -> Record:
        ctx = self.ctx
        rec = ctx.repo.invoice(invoice_id)
        if rec.data["status"] == lc.DRAFT:
            raise lc.InvalidTransition("issue the invoice before sending it")
        delivery = rec.data.get("delivery") or {}
        if rec.data["status"] not in lc.SENDABLE or delivery.get("status") == "submitting":
            return rec  # already sent (or being sent): sending again is a no-op, never a second message
        customer = self._recipient(rec, delivery)
        channel = channel or rec.data.get("channel") or customer.get("delivery_channel", "email")
        check_address(channel, customer)
        credit = rec.data["kind"] == InvoiceKind.CREDIT_NOTE
        if channel == "ehf":
            participant = ctx.adapters.access_point.lookup(_peppol_id(customer))
            if not participant.accepts(credit):
                raise ReceiverCannotTakeEhf(
                    f"{participant.participant_id} is not registered in PEPPOL for EHF "
                    f"{'credit notes' if credit else 'invoices'}; use e-mail or print",
                    extra={"participant": participant.participant_id},
                )
        attempt = int(delivery.get("attempt", 0)) + 1
        delivery_id = f"{invoice_id}-{attempt}"
        started = {
            "channel": channel,
            "attempt": attempt,
            "delivery_id": delivery_id,
            "status": "submitting",
            "started_at": clock.iso(clock.now()),
            "reason": None,
        }
        intent = Record(
            ctx.pk,
            keys.invoice_delivery_sk(invoice_id, attempt),
            "invoice_delivery",
            {"invoice_id": invoice_id, **started},
        )
        data = {**rec.data, "delivery": started}
        try:
            intent, rec = ctx.store.write(
                ctx.pk,
                [Change(None, intent, "invoice.delivery_started"), Change(rec, rec.with_data(data), "invoice.sending")],
                actor,
            )
        except (StaleVersion, AlreadyExists):
            return ctx.repo.invoice(invoice_id)  # a concurrent send won; it sends, we do not
        try:
            reference = self._submit(rec, customer, channel, delivery_id)
            outcome, reason = "submitted", None
        except (DeliveryAddressMissing, ReceiverCannotTakeEhf, RuleViolation) as exc:
            outcome, reason, reference = "failed", exc.detail, None
        except Exception as exc:
            outcome, reason, reference = "failed", f"{channel} delivery failed: {type(exc).__name__}: {exc}", None
        return self._finish(invoice_id, attempt, outcome, reason, reference, actor)

    def _recipient(self, rec: Record, delivery: dict[str, Any]) -> dict[str, Any]:
        """Whom a delivery goes to: the first, to the customer as the invoice was issued to (kept with
        the frozen document, so the EHF receiver and the printed address are the document's); one
        after a failed attempt, to the customer as now, so that a corrected address counts."""
        recipient = rec.data.get("recipient")
        if recipient is not None and not delivery:
            return dict(recipient)
        return self.ctx.customer(rec.data["customer_number"])

    def _submit(self, rec: Record, customer: dict[str, Any], channel: str, delivery_id: str) -> str:
        ctx, data = self.ctx, rec.data
        if channel == "email":
            pdf = self.renditions.ensure_pdf(rec)
            extra = tuple(
                (a.filename, a.mime_code, a.content)
                for a in files_attached.load(ctx.files, data.get("attachments") or [])
            )
            return ctx.adapters.email.send(
                messages.mail(rec, customer["email"], messages.invoice_text(data), pdf, delivery_id, extra=extra)
            )
        if channel == "ehf":
            xml = self.renditions.build_ehf(rec)
            ctx.files.put(ctx.files.key(data["id"], f"ehf-{data['number']}.xml"), xml, "application/xml")
            return ctx.adapters.access_point.submit(
                EhfEnvelope(
                    sender=orgnr_participant_id(ctx.client.orgnr),
                    receiver=_peppol_id(customer),
                    credit_note=data["kind"] == InvoiceKind.CREDIT_NOTE,
                    xml=xml,
                    client_id=ctx.client.client_id,
                    invoice_id=data["id"],
                    delivery_id=delivery_id,
                )
            ).message_id
        return ctx.adapters.print_centre.submit(
            PrintJob(
                client_id=ctx.client.client_id,
                invoice_id=data["id"],
                delivery_id=delivery_id,
                recipient={"name": customer["name"], **customer["address"]},
                pdf=self.renditions.ensure_pdf(rec),
            )
        )

    def _finish(
        self, invoice_id: str, attempt: int, outcome: str, reason: str | None, reference: str | None, actor: Actor
    ) -> Record:
        ctx = self.ctx

        def record_outcome() -> Record:
            rec = ctx.repo.invoice(invoice_id)
            intent = ctx.repo.delivery(invoice_id, attempt)
            if intent is None:  # written with `submitting` in the same transaction; never absent
                raise InternalError(f"the delivery intent {attempt} of {invoice_id} is missing")
            delivery = {
                **rec.data["delivery"],
                "status": outcome,
                "reason": reason,
                "reference": reference,
                "finished_at": clock.iso(clock.now()),
            }
            data = {**rec.data, "delivery": delivery}
            failed = outcome == "failed"
            data["status"] = (
                lc.DELIVERY_FAILED if failed else (lc.SENT if rec.data["status"] in lc.SENDABLE else rec.data["status"])
            )
            if not failed and data["kind"] == InvoiceKind.INVOICE:
                data["sent_at"] = delivery["finished_at"]
            return ctx.store.write(
                ctx.pk,
                [
                    Change(intent, intent.with_data({**intent.data, **delivery}), "invoice.delivery_recorded"),
                    Change(rec, ctx.indexed(rec, data), "invoice.delivery_failed" if failed else "invoice.sent"),
                ],
                actor,
            )[1]

        return retry_on_stale(
            record_outcome, gave_up="could not record the delivery outcome; it is kept as 'submitting'"
        )

    def apply_receipt(self, receipt: Receipt, actor: Actor) -> Record | None:
        """A delivery receipt of the access point (accepted/rejected) or the print centre (printed)."""
        ctx = self.ctx
        rec = ctx.repo.invoice(receipt.invoice_id)
        data = dict(rec.data)
        delivery = dict(data.get("delivery") or {})
        if receipt.details.get("delivery_id") != delivery.get("delivery_id") or delivery.get("reference") not in (
            None,
            receipt.reference,
        ):
            return None  # a receipt of an older attempt: keep it in the delivery record only
        if receipt.kind == "rejected":
            if delivery.get("status") == "rejected":
                return rec
            delivery.update(status="rejected", reason=receipt.reason, receipt_at=clock.iso(clock.now()))
            data.update(delivery=delivery, status=lc.DELIVERY_FAILED if data["status"] == lc.SENT else data["status"])
            action = "invoice.delivery_failed"
        else:
            if delivery.get("status") == "delivered":
                return rec
            delivery.update(status="delivered", receipt=receipt.kind, receipt_at=clock.iso(clock.now()))
            data.update(delivery=delivery)
            action = "invoice.delivered"
        intent = ctx.repo.delivery(data["id"], int(delivery["attempt"]))
        changes = [Change(rec, ctx.indexed(rec, data), action)]
        if intent is not None:
            changes.append(Change(intent, intent.with_data({**intent.data, **delivery}), "invoice.delivery_recorded"))
        return ctx.store.write(ctx.pk, changes, actor)[0]


def _peppol_id(customer: dict[str, Any]) -> str:
    """The customer's PEPPOL id; `check_address("ehf", ...)` has made sure there is one."""
    participant = peppol_id_of(customer)
    if participant is None:
        check_address("ehf", customer)
        raise InternalError("unreachable: check_address accepted a customer without a PEPPOL id")
    return participant
