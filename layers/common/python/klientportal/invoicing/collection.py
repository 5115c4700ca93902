"""Use case: handing an unpaid claim over to debt collection (Svea Finans) after an expired
inkassovarsel, and applying Svea's case statuses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from klientportal import clock
from klientportal.adapters.receipts import Receipt
from klientportal.adapters.svea import Claim
from klientportal.invoicing import lifecycle as lc
from klientportal.invoicing.context import InvoicingContext
from klientportal.invoicing.records import money
from klientportal.repository.records import Record
from klientportal.repository.retry import retry_on_stale
from klientportal.repository.store import Actor, Change


class DebtCollection:
    def __init__(self, ctx: InvoicingContext) -> None:
        self.ctx = ctx

    def start(self, invoice_id: str, actor: Actor) -> Record:
        ctx = self.ctx
        rec = ctx.repo.invoice(invoice_id)
        ok, reason = lc.may_start_collection(rec.data, ctx.today())
        if not ok:
            raise lc.InvalidTransition(f"cannot hand over to debt collection: {reason}", extra={"reason": reason})
        data = dict(rec.data)
        reminders = data["reminders"]
        collection: dict[str, Any] = {
            "provider": "svea",
            "status": "submitting",
            "case_id": None,
            "history": [],
            "started_at": clock.iso(clock.now()),
        }
        data.update(status=lc.IN_COLLECTION, collection=collection)
        rec = ctx.store.write(ctx.pk, [Change(rec, ctx.indexed(rec, data), "invoice.collection_started")], actor)[0]
        customer = ctx.customer(data["customer_number"])
        claim = Claim(
            client_id=ctx.client.client_id,
            invoice_id=invoice_id,
            creditor_orgnr=ctx.client.orgnr,
            debtor={k: customer.get(k) for k in ("name", "orgnr", "address", "email")},
            invoice_number=str(data["number"]),
            kid=data.get("kid"),
            principal=money(lc.outstanding(data)),
            fees=money(sum((Decimal(r["fee"]) for r in reminders), Decimal(0))),
            interest=money(Decimal(reminders[-1]["interest"])),
            due_date=data["due_date"],
            inkassovarsel_date=next(r["date"] for r in reversed(reminders) if r["kind"] == "inkassovarsel"),
        )
        case_id = ctx.adapters.collection.create_case(claim)

        def record_case() -> Record:
            rec = ctx.repo.invoice(invoice_id)
            current = rec.data["collection"]
            data = {
                **rec.data,
                "collection": {
                    **current,
                    "case_id": case_id,
                    "status": current["status"] if current["status"] != "submitting" else "created",
                },
            }
            return ctx.store.replace(rec, data, actor, "invoice.collection_case_created")

        return retry_on_stale(record_case, gave_up="could not record the collection case id")

    def apply_status(self, receipt: Receipt, actor: Actor) -> Record:
        """A case status from Svea; the same status twice changes nothing."""
        rec = self.ctx.repo.invoice(receipt.invoice_id)
        data = dict(rec.data)
        collection = dict(data.get("collection") or {})
        history = list(collection.get("history", []))
        if any(h["status"] == receipt.status for h in history):
            return rec
        history.append({"status": receipt.status, "at": clock.iso(clock.now()), "reason": receipt.reason})
        collection.update(
            history=history, case_id=collection.get("case_id") or receipt.reference, status=receipt.status
        )
        data["collection"] = collection
        action = "invoice.collection_closed" if receipt.status == "closed" else "invoice.collection_updated"
        return self.ctx.store.replace(rec, data, actor, action)
