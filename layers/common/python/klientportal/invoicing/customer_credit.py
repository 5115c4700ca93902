"""A customer's credit with the client: what was paid or credited beyond an invoice's total.

The credit grows in the same transaction as the invoice change that creates it (a payment beyond
what was owed, a credit note on an invoice already paid), so the sum of the entries is always the
sum of the invoices' `overpaid_amount`. A later invoice of the same customer can be settled from
it (`credit_settlement`, 0165); a refund to the customer's account is not built yet.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from klientportal import clock
from klientportal.invoicing.context import InvoicingContext
from klientportal.invoicing.records import CustomerCredit, money
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Change

ADDED = "customer_credit.added"


def credit_added(ctx: InvoicingContext, invoice: dict[str, Any], amount: Decimal, source: dict[str, Any]) -> Change:
    """The change that adds `amount` (> 0, in the invoice's currency) to the customer's credit;
    `source` names what caused it (payment_id, or credit_note_id and number)."""
    number = int(invoice["customer_number"])
    currency = str((invoice.get("document") or {}).get("currency") or "NOK")
    before = ctx.repo.customer_credit(number)
    credit = CustomerCredit.model_validate(before.data) if before else CustomerCredit(customer_number=number)
    balances = {k: money(v) for k, v in credit.balances.items()}
    balances[currency] = money(credit.balances.get(currency, Decimal(0)) + amount)
    entry = {
        "amount": money(amount),
        "currency": currency,
        "invoice_id": invoice["id"],
        "invoice_number": invoice.get("number"),
        "at": clock.iso(clock.now()),
        **source,
    }
    data = {"customer_number": number, "balances": balances, "entries": [*credit.entries, entry]}
    if before is None:
        return Change(None, Record(ctx.pk, keys.customer_credit_sk(number), "customer_credit", data), ADDED)
    return Change(before, before.with_data(data), ADDED)


def view(rec: Record | None, customer_number: int) -> dict[str, Any]:
    """The API view of a customer's credit (zero when there is none)."""
    if rec is None:
        return {"customer_number": customer_number, "balances": {}, "entries": [], "version": 0}
    return {**rec.data, "version": rec.version, "updated_at": rec.updated_at}
