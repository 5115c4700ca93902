"""Records of the invoicing routine (docs/invoicing.md, "Data"); their keys are built by
klientportal.repository.keys. Everything lives in the client's partition T#<client>.

| item | SK | notes |
|---|---|---|
| settings | INVOICE_SETTINGS | one per client |
| number counter | INVOICE_COUNTER | data.next = the next number of the gapless series |
| invoice / credit note | INVOICE#<id> | GSI1 while open: OPEN_INVOICES#<due yyyy-mm> / <due>#<client>#<id> |
| KID pointer | KID#<kid>#<id> | bank matching: query KID#<kid># in the client's partition |
| delivery attempt | DELIVERY#<id>#<nnn> | written (conditionally) before any adapter is called |
| payment id claim | PAYMENT#<payment_id> | the bank's payment id → invoice and content; one payment per id per client |
| customer credit | CUSTOMER_CREDIT#<customer number> | what the client owes the customer (overpayments), per currency |
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from klientportal.errors import NotFound
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Page, Store


def new_invoice_id() -> str:
    return "inv-" + uuid.uuid4().hex[:16]


def with_open_index(rec: Record, client_id: str, is_open: bool) -> Record:
    """The record with GSI1 set while the invoice is open (owed money), cleared otherwise."""
    if is_open and rec.data.get("due_date"):
        due = rec.data["due_date"]
        return replace(rec, gsi1pk=keys.open_invoices_gsi(due[:7]), gsi1sk=f"{due}#{client_id}#{rec.data['id']}")
    return replace(rec, gsi1pk=None, gsi1sk=None)


class InvoiceRepository:
    def __init__(self, store: Store, client_id: str) -> None:
        self.store = store
        self.client_id = client_id
        self.pk = keys.client_pk(client_id)

    def settings(self) -> Record | None:
        return self.store.get(self.pk, keys.INVOICE_SETTINGS_SK)

    def counter(self) -> Record | None:
        return self.store.get(self.pk, keys.INVOICE_COUNTER_SK)

    def invoice(self, invoice_id: str) -> Record:
        try:
            rec = self.store.get(self.pk, keys.invoice_sk(invoice_id))
        except ValueError:
            rec = None
        if rec is None or rec.entity != "invoice":
            raise NotFound(f"no invoice {invoice_id}")
        return rec

    def customer(self, number: int) -> dict[str, Any] | None:
        rec = self.store.get(self.pk, keys.register_sk("customer", number))
        return rec.data if rec else None

    def product(self, number: str) -> dict[str, Any] | None:
        rec = self.store.get(self.pk, keys.register_sk("product", number))
        return rec.data if rec else None

    def read_ahead(self, *, customers: Iterable[int] = (), products: Iterable[str] = ()) -> None:
        """Read these customers and products in one batch; `customer` and `product` then answer from
        the invocation's read cache (one call for a draft however many lines it has)."""
        self.store.get_many(
            [(self.pk, keys.register_sk("customer", n)) for n in customers]
            + [(self.pk, keys.register_sk("product", n)) for n in products]
        )

    def delivery(self, invoice_id: str, attempt: int) -> Record | None:
        return self.store.get(self.pk, keys.invoice_delivery_sk(invoice_id, attempt))

    def payment(self, payment_id: str) -> Record | None:
        return self.store.get(self.pk, keys.invoice_payment_sk(payment_id))

    def customer_credit(self, customer_number: int) -> Record | None:
        return self.store.get(self.pk, keys.customer_credit_sk(customer_number))

    def by_kid(self, kid: str) -> list[str]:
        """Invoice ids carrying `kid` (the bank matching routine's lookup)."""
        return [r.data["invoice_id"] for r in self.store.query_all(self.pk, keys.invoice_kid_prefix(kid))]

    def list(self, limit: int | None, cursor: str | None, statuses: frozenset[str] | None = None) -> Page:
        """A page of invoices and credit notes; with `statuses`, only those in one of them. The filter
        applies to each page read (as a DynamoDB filter would): a page may hold fewer items than
        `limit`, even none, while `next_cursor` says there is more; the cursor is bound to the filter."""
        scope = {"statuses": sorted(statuses)} if statuses is not None else None
        page = self.store.query(self.pk, keys.INVOICE_PREFIX, limit=limit, cursor=cursor, scope=scope)
        if statuses is None:
            return page
        return Page([r for r in page.items if r.data.get("status") in statuses], page.next_cursor)


def open_invoices_due_in(store: Store, month: str) -> list[Record]:
    """Open invoices (all clients) whose due date falls in `month` (yyyy-mm), from GSI1."""
    return store.query_all(keys.open_invoices_gsi(month), index="GSI1")
