"""The customer sub-ledger (kundereskontro): what customers owe the client, item by item.

Two kinds of open items:
- portal invoices: the invoice item itself is the open item (amount = payable, paid, credited,
  remaining = what is still owed); payments are registered on it by the invoicing use case;
- items issued outside the portal (`POST /receivables`: the bureau's own ledger, or invoices from
  before the portal): RECEIVABLE#<invoice number>, idempotent per invoice number (the same content
  is a replay, other content 409), with a KID index item OPENITEM_KID#<kid> written in the same
  transaction so a bank file's KIDs are looked up in batches.

Status of an item: open, partly_paid, paid, overpaid.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from klientportal.api.types import Integer, Money, Text
from klientportal.bank.matching import OpenItem
from klientportal.errors import DomainError, FieldError, InvalidInput
from klientportal.formats.kid import validate_kid
from klientportal.invoicing import lifecycle as lc
from klientportal.invoicing.records import money
from klientportal.repository import keys
from klientportal.repository.pagination import checked_limit
from klientportal.repository.records import Record
from klientportal.repository.retry import retry_on_stale
from klientportal.repository.store import Actor, Change, Store

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
STATUSES = ("open", "partly_paid", "paid", "overpaid")


class ReceivableReused(DomainError):
    status, slug, title = 409, "receivable-number-reused", "This invoice number is registered with other content"


class ReceivableIn(BaseModel):
    """An open item issued outside the portal."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    invoice_number: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9/_-]{0,29}$")]
    customer_number: Annotated[Integer, Field(ge=1, le=999_999_999)]
    kid: Annotated[str, Field(pattern=r"^[0-9]{1,24}[0-9-]$")] | None = None
    amount: Annotated[Money, Field(gt=0)]
    issue_date: date
    due_date: date
    customer_name: Annotated[Text, Field(min_length=1, max_length=200)] | None = None

    @field_validator("kid")
    @classmethod
    def _kid(cls, value: str | None) -> str | None:
        if value is not None and not validate_kid(value):
            raise ValueError("the KID's check digit is wrong (neither MOD10 nor MOD11)")
        return value

    @model_validator(mode="after")
    def _dates(self) -> ReceivableIn:
        if self.due_date < self.issue_date:
            raise ValueError("the due date is before the issue date")
        return self

    def content(self) -> dict[str, Any]:
        return {
            "invoice_number": self.invoice_number,
            "customer_number": self.customer_number,
            "kid": self.kid,
            "amount": money(self.amount),
            "issue_date": self.issue_date.isoformat(),
            "due_date": self.due_date.isoformat(),
            "customer_name": self.customer_name,
        }


def status_of(amount: Decimal, paid: Decimal) -> str:
    if paid > amount:
        return "overpaid"
    if paid == amount:
        return "paid"
    return "partly_paid" if paid > 0 else "open"


def external_view(data: dict[str, Any]) -> dict[str, Any]:
    amount, paid = Decimal(data["amount"]), Decimal(data.get("paid", "0.00"))
    return {
        "source": "external",
        "invoice_number": data["invoice_number"],
        "invoice_id": None,
        "customer_number": data["customer_number"],
        "customer_name": data.get("customer_name"),
        "kid": data.get("kid"),
        "issue_date": data["issue_date"],
        "due_date": data["due_date"],
        "amount": money(amount),
        "paid": money(paid),
        "credited": "0.00",
        "remaining": money(max(amount - paid, ZERO)),
        "overpaid": money(max(paid - amount, ZERO)),
        "status": status_of(amount, paid),
        "payments": data.get("payments", []),
    }


def invoice_view(data: dict[str, Any]) -> dict[str, Any]:
    amount = Decimal(data.get("totals", {}).get("payable", "0"))
    paid = Decimal(data.get("paid_amount", "0"))
    credited = Decimal(data.get("credited_amount", "0"))
    left = lc.outstanding(data)
    over = lc.overpaid(data)
    status = "overpaid" if over > 0 else "paid" if left <= 0 else "partly_paid" if paid + credited > 0 else "open"
    return {
        "source": "portal",
        "invoice_number": str(data.get("number")),
        "invoice_id": data["id"],
        "customer_number": data["customer_number"],
        "customer_name": _buyer_name(data),
        "kid": data.get("kid"),
        "issue_date": data.get("issue_date"),
        "due_date": data.get("due_date"),
        "amount": money(amount),
        "paid": money(paid),
        "credited": money(credited),
        "remaining": money(max(left, ZERO)),
        "overpaid": money(over),
        "status": status,
        "payments": data.get("payments", []),
    }


def _buyer_name(data: dict[str, Any]) -> str | None:
    buyer = (data.get("document") or {}).get("buyer") or {}
    name = buyer.get("name") or (data.get("recipient") or {}).get("name")
    return str(name) if name else None


def open_item_of_invoice(data: dict[str, Any]) -> OpenItem:
    return OpenItem(
        "invoice",
        data["id"],
        str(data.get("number")),
        int(data["customer_number"]),
        data.get("kid"),
        Decimal(data.get("totals", {}).get("payable", "0")),
        max(lc.outstanding(data), ZERO),
        date.fromisoformat(data["due_date"]) if data.get("due_date") else None,
        _buyer_name(data),
    )


def open_item_of_external(data: dict[str, Any]) -> OpenItem:
    amount, paid = Decimal(data["amount"]), Decimal(data.get("paid", "0.00"))
    return OpenItem(
        "external",
        data["invoice_number"],
        data["invoice_number"],
        int(data["customer_number"]),
        data.get("kid"),
        amount,
        max(amount - paid, ZERO),
        date.fromisoformat(data["due_date"]),
        data.get("customer_name"),
    )


def is_portal_open_item(data: dict[str, Any]) -> bool:
    """An issued invoice (credit notes and drafts are not open items)."""
    return data.get("kind") == "invoice" and data.get("status") not in (None, lc.DRAFT)


class Receivables:
    """The sub-ledger of one client."""

    def __init__(self, store: Store, client_id: str) -> None:
        self.store = store
        self.client_id = client_id
        self.pk = keys.client_pk(client_id)

    def add(self, item: ReceivableIn, actor: Actor) -> tuple[Record, bool]:
        """Register an open item issued outside the portal; (the item, created now)."""
        content = item.content()

        def attempt() -> tuple[Record, bool]:
            sk = keys.receivable_sk(item.invoice_number)
            index_sk = keys.open_item_kid_sk(item.kid) if item.kid else None
            wanted = [(self.pk, sk)] + ([(self.pk, index_sk)] if index_sk else [])
            found = self.store.get_many(wanted)
            before = found[(self.pk, sk)]
            if before is not None:
                differs = [k for k, v in content.items() if before.data.get(k) != v]
                if differs:
                    raise ReceivableReused(
                        f"open item {item.invoice_number} is registered with other {', '.join(differs)}; "
                        "send the same content to replay it",
                        [FieldError(k, "differs from the registered item") for k in differs],
                        extra={"registered": {k: before.data.get(k) for k in content}},
                    )
                return before, False
            data = {**content, "paid": "0.00", "payments": []}
            changes = [Change(None, Record(self.pk, sk, "receivable", data), "receivable.created")]
            if index_sk:
                index = found[(self.pk, index_sk)]
                numbers = sorted({*(index.data["invoice_numbers"] if index else []), item.invoice_number})
                after = Record(self.pk, index_sk, "open_item_kid", {"kid": item.kid, "invoice_numbers": numbers})
                changes.append(Change(index, index.with_data(after.data) if index else after, "receivable.kid_indexed"))
            return self.store.write(self.pk, changes, actor)[0], True

        return retry_on_stale(attempt, also_on_exists=True)

    def page(
        self, status: str | None, limit: int | None, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of the sub-ledger: the external items in number order, then the portal invoices
        in invoice order (a page that ends the first part goes on into the second). The cursor
        names its part (`e~` external, `i~` invoices) before the store's signed cursor, which is
        bound to the part and the status filter; a page narrowed by status or to issued invoices
        may hold fewer items than `limit` while the cursor leads on."""
        part, _, inner = (cursor or "e~").partition("~")
        if part not in ("e", "i"):
            raise InvalidInput("not a cursor of this list", [FieldError("cursor", "not a cursor of this list")])
        wanted = checked_limit(limit)
        items: list[dict[str, Any]] = []
        after: str | None = inner or None
        while True:
            scope = {"list": "receivables", "part": part, "status": status}
            prefix = keys.RECEIVABLE_PREFIX if part == "e" else keys.INVOICE_PREFIX
            found = self.store.query(self.pk, prefix, limit=wanted - len(items), cursor=after, scope=scope)
            if part == "e":
                items += [external_view(r.data) for r in found.items]
            else:
                items += [
                    invoice_view(r.data) for r in found.items if r.entity == "invoice" and is_portal_open_item(r.data)
                ]
            items = [i for i in items if not status or i["status"] == status]
            after = found.next_cursor
            if after:
                return items, f"{part}~{after}"
            if part == "i":
                return items, None
            if len(items) >= wanted:
                return items, "i~"
            part = "i"

    def open_items(self) -> list[OpenItem]:
        """Every item that still has something owed (for suggestions)."""
        items = [open_item_of_external(r.data) for r in self.store.query_all(self.pk, keys.RECEIVABLE_PREFIX)]
        items += [
            open_item_of_invoice(r.data)
            for r in self.store.query_all(self.pk, keys.INVOICE_PREFIX)
            if r.entity == "invoice" and is_portal_open_item(r.data)
        ]
        return [i for i in items if i.remaining > 0]


def external_payment_change(
    before: Record, amount: Decimal, entry: dict[str, Any]
) -> tuple[Change, Decimal, dict[str, Any]]:
    """The change recording `amount` on an external open item; what of it is overpaid; the new data."""
    data = dict(before.data)
    owed_before = max(Decimal(data["amount"]) - Decimal(data.get("paid", "0")), ZERO)
    paid = Decimal(data.get("paid", "0")) + amount
    over = max(amount - owed_before, ZERO)
    data.update(
        paid=money(paid),
        payments=[*data.get("payments", []), {**entry, "amount": money(amount), "overpaid": money(over)}],
    )
    status = status_of(Decimal(data["amount"]), paid)
    action = "receivable.paid" if status in ("paid", "overpaid") else "receivable.payment_registered"
    return Change(before, before.with_data(data), action), over, data
