"""The bank routine's front for one client (what the handlers call): agreement, open items,
imports, the payments and the manual-matching queue. The file import (bank file formats) and the
invoicing context (payment registration) are built when a route first needs them: one invocation
serves one route (cold start, bench/README.md)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

from klientportal.bank.agreements import LEDGER_BANK_ACCOUNT, Agreements, BankAgreement
from klientportal.bank.matching import Allocation, OpenItem, Outcome, suggestions
from klientportal.bank.open_items import (
    Receivables,
    is_portal_open_item,
    open_item_of_external,
    open_item_of_invoice,
)
from klientportal.errors import FieldError, InvalidInput, NotFound, RuleViolation
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Page, Store

if TYPE_CHECKING:
    from klientportal.bank.imports import BankImports
    from klientportal.invoicing.context import InvoicingContext
    from klientportal.invoicing.delivery import Adapters

UPLOAD_PREFIX = "bank/"
UPLOAD_SECONDS = 900


class PaymentNotUnmatched(RuleViolation):
    status, slug, title = 409, "bank-payment-not-unmatched", "Only an unmatched payment can be matched by hand"


class BankService:
    def __init__(
        self,
        store: Store,
        client_id: str,
        adapters: Adapters,
        *,
        s3: Any,
        originals_bucket: str,
        inbound_bucket: str,
        sqs: Any = None,
        queue_name: str = "",
    ) -> None:
        self.store = store
        self.client_id = client_id
        self.adapters = adapters
        self.pk = keys.client_pk(client_id)
        self.agreements = Agreements(store, client_id)
        self.receivables = Receivables(store, client_id)
        self.s3, self.inbound_bucket = s3, inbound_bucket
        self.originals_bucket, self.sqs, self.queue_name = originals_bucket, sqs, queue_name

    @cached_property
    def ctx(self) -> InvoicingContext:
        from klientportal.invoicing.context import InvoicingContext

        return InvoicingContext(self.store, self.client_id, self.adapters)

    @cached_property
    def imports(self) -> BankImports:
        from klientportal.bank.imports import BankImports

        sqs, queue_name = self.sqs, self.queue_name
        return BankImports(
            self.ctx,
            self.s3,
            self.originals_bucket,
            (lambda: sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]) if sqs is not None else None,
            sqs,
        )

    # ---- agreement

    def agreement_view(self) -> dict[str, Any]:
        rec = self.agreements.get()
        if rec is None:
            raise NotFound("the client has no bank agreement")
        return {**rec.data, "version": rec.version, "updated_at": rec.updated_at}

    def set_agreement(self, agreement: BankAgreement, actor: Actor) -> dict[str, Any]:
        rec = self.agreements.put(agreement, actor)
        return {**rec.data, "version": rec.version, "updated_at": rec.updated_at}

    # ---- uploads

    def upload_target(self, size: int, uploader: str) -> dict[str, Any]:
        """A presigned POST for a bank file larger than a request body: key, exact size, uploader."""
        key = f"{UPLOAD_PREFIX}{self.client_id}/{uuid.uuid4().hex}"
        fields = {"Content-Type": "application/octet-stream", "x-amz-meta-uploaded-by": uploader}
        conditions: list[Any] = [["content-length-range", size, size], *({k: v} for k, v in fields.items())]
        post = self.s3.generate_presigned_post(
            self.inbound_bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=UPLOAD_SECONDS
        )
        return {
            "key": key,
            "url": post["url"],
            "fields": post["fields"],
            "method": "POST",
            "expires_in": UPLOAD_SECONDS,
        }

    # ---- payments

    def payments(
        self, status: str | None, limit: int | None, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """The client's bank payments; `unmatched` is the manual queue (GSI1), with suggestions."""
        if status == "unmatched":
            page: Page = self.store.query(
                keys.bank_unmatched_gsi(self.client_id), index="GSI1", limit=limit, cursor=cursor
            )
            items = self.receivables.open_items() if page.items else []
            return [self._view(r, items) for r in page.items], page.next_cursor
        page = self.store.query(self.pk, keys.BANK_PAYMENT_PREFIX, limit=limit, cursor=cursor, scope={"status": status})
        found = [r for r in page.items if status is None or r.data.get("status") == status]
        return [self._view(r, None) for r in found], page.next_cursor

    def payment(self, payment_id: str) -> dict[str, Any]:
        rec = self._payment(payment_id)
        items = self.receivables.open_items() if rec.data.get("status") == "unmatched" else None
        return self._view(rec, items)

    def _payment(self, payment_id: str) -> Record:
        rec = self.store.get(self.pk, keys.bank_payment_sk(payment_id)) if payment_id.startswith("bp-") else None
        if rec is None:
            raise NotFound(f"no bank payment {payment_id}")
        return rec

    def _view(self, rec: Record, items: list[OpenItem] | None) -> dict[str, Any]:
        d = rec.data
        out = {**d, "version": rec.version}
        if items is not None and d.get("status") == "unmatched":
            out["suggestions"] = [
                s.__dict__ | {"reasons": list(s.reasons)}
                for s in suggestions(
                    Decimal(d["amount"]),
                    d.get("message"),
                    d.get("payer_name"),
                    date.fromisoformat(d["booking_date"]),
                    items,
                )
            ]
        return out

    def match_by_hand(
        self, payment_id: str, version: int, targets: list[dict[str, Any]], actor: Actor
    ) -> dict[str, Any]:
        """Match an unmatched payment to the items a person chose. One item takes the whole amount
        (partly, fully or overpaid); several items need an amount each, together the payment's."""
        rec = self._payment(payment_id)
        if rec.data.get("status") != "unmatched":
            raise PaymentNotUnmatched(f"payment {payment_id} is {rec.data.get('status')}")
        if rec.version != version:
            from klientportal.errors import StaleVersion

            raise StaleVersion(f"the payment is at version {rec.version}, not {version}; reload it")
        amount = Decimal(rec.data["amount"])
        items = [self._item(t, i) for i, t in enumerate(targets)]
        first_of: dict[tuple[str, str], int] = {}
        for i, item in enumerate(items):
            if first_of.setdefault(item.key, i) != i:  # one booking cannot write one item twice
                raise InvalidInput(
                    f"{item.number} is named twice; name it once with the sum of its amounts",
                    [FieldError(f"items.{i}", f"the same item as items.{first_of[item.key]}")],
                )
        if len(items) == 1 and targets[0].get("amount") is None:
            item = items[0]
            over = max(amount - item.remaining, Decimal("0.00"))
            allocations: tuple[Allocation, ...] = (Allocation(item, amount, over),)
        else:
            amounts = [t.get("amount") for t in targets]
            if any(a is None for a in amounts):
                raise InvalidInput(
                    "with several items, give each one's amount",
                    [FieldError(f"items.{i}.amount", "required") for i, a in enumerate(amounts) if a is None],
                )
            total = sum((Decimal(str(a)) for a in amounts), Decimal("0.00"))
            if total != amount:
                raise InvalidInput(
                    f"the amounts add up to {total}, the payment is {amount}",
                    [FieldError("items", f"sum {total} ≠ {amount}")],
                )
            allocations = tuple(
                Allocation(item, Decimal(str(a)), max(Decimal(str(a)) - item.remaining, Decimal("0.00")))
                for item, a in zip(items, amounts, strict=True)
            )
        names = ", ".join(i.number for i in items)
        outcome = Outcome("matched", "manual", f"matched by hand to {names} by {actor.email or actor.sub}", allocations)
        agreement = self.agreements.agreement()
        ledger = (agreement.ledger_account_of(rec.data.get("account")) if agreement else None) or LEDGER_BANK_ACCOUNT
        from klientportal.bank.payments import AlreadyRecorded, Booking

        try:
            booked = Booking(self.ctx, ledger).book(None, outcome, actor, before=rec)
        except AlreadyRecorded:
            raise PaymentNotUnmatched(f"payment {payment_id} was matched meanwhile") from None
        return self._view(booked, None)

    def _item(self, target: dict[str, Any], index: int) -> OpenItem:
        if target.get("invoice_id"):
            try:
                rec = self.ctx.repo.invoice(str(target["invoice_id"]))
            except NotFound:
                rec = None
            if rec is None or not is_portal_open_item(rec.data):
                raise InvalidInput("no such invoice", [FieldError(f"items.{index}.invoice_id", "no issued invoice")])
            return open_item_of_invoice(rec.data)
        number = str(target.get("invoice_number") or "")
        found = self.store.get(self.pk, keys.receivable_sk(number)) if number else None
        if found is None:
            raise InvalidInput("no such open item", [FieldError(f"items.{index}.invoice_number", "no open item")])
        return open_item_of_external(found.data)
