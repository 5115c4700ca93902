"""Settling a later invoice with the customer's credit (0165).

The credit and the invoice belong to the same customer sub-ledger (account 1500 per customer), so a
settlement moves no money and books no journal entry: it records a payment on the invoice from the
credit (payment id `credit:<settlement id>`) and lowers the credit's balance with an entry of its
own, in one transaction. The settlement id makes a retry the same settlement; the credit's version
makes two settlements of one balance impossible.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from klientportal import clock
from klientportal.errors import DomainError, FieldError, InvalidInput, NotFound, StaleVersion
from klientportal.invoicing import lifecycle as lc
from klientportal.invoicing.context import InvoicingContext
from klientportal.invoicing.payments import Payments
from klientportal.invoicing.records import CustomerCredit, Payment, money
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Change

SETTLED = "customer_credit.settled"


class CreditTooSmall(DomainError):
    status, slug, title = 422, "customer-credit-too-small", "The customer's credit does not cover the amount"


def settle(
    ctx: InvoicingContext,
    customer_number: int,
    *,
    invoice_id: str,
    settlement_id: str,
    amount: Decimal | None,
    version: int,
    actor: Actor,
) -> tuple[Record, Record, bool]:
    """Settle `amount` of the invoice (its whole remainder when None, at most the credit) from the
    customer's credit. Returns the credit, the invoice and whether anything was written (False for
    a replay of the same settlement id)."""
    payments = Payments(ctx)
    payment_id = f"credit:{settlement_id}"
    credit_rec = ctx.repo.customer_credit(customer_number)
    if credit_rec is None:
        if ctx.repo.customer(customer_number) is None:
            raise NotFound(f"no customer {customer_number}")
        raise CreditTooSmall(f"customer {customer_number} has no credit")
    claim = ctx.repo.payment(payment_id)
    if claim is not None:  # a retry: the same settlement when it names the same invoice and amount
        same = claim.data.get("invoice_id") == invoice_id and (amount is None or claim.data["amount"] == money(amount))
        if not same:
            raise InvalidInput(
                "this settlement_id settled another invoice or amount",
                [FieldError("settlement_id", f"used for invoice {claim.data.get('invoice_id')}")],
            )
        return credit_rec, ctx.repo.invoice(invoice_id), False
    if credit_rec.version != version:
        raise StaleVersion(f"the credit is at version {credit_rec.version}, not {version}; reload it")
    invoice = ctx.repo.invoice(invoice_id)
    data = invoice.data
    if data.get("kind") != "invoice" or int(data.get("customer_number") or 0) != customer_number:
        raise InvalidInput(
            f"invoice {data.get('number')} is not an invoice to customer {customer_number}",
            [FieldError("invoice_id", "another customer's invoice, or a credit note")],
        )
    currency = str((data.get("document") or {}).get("currency") or "NOK")
    credit = CustomerCredit.model_validate(credit_rec.data)
    available = credit.balances.get(currency, Decimal(0))
    owed = lc.outstanding(data)
    if owed <= 0:
        raise InvalidInput(
            f"invoice {data.get('number')} has nothing left to pay", [FieldError("invoice_id", "nothing owed")]
        )
    wanted = min(owed, available) if amount is None else amount
    problems = []
    if wanted > owed:
        problems.append(FieldError("amount", f"more than the {money(owed)} {currency} left to pay"))
    if wanted > available or wanted <= 0:
        raise CreditTooSmall(f"the credit is {money(available)} {currency}; asked {money(wanted)}")
    if problems:
        raise InvalidInput("the settlement would overpay the invoice", problems)
    payment = Payment(payment_id=payment_id, amount=wanted, paid_on=ctx.today(), reference="kundekreditt")
    planned = payments.plan(invoice_id, payment)
    balances = {k: money(v) for k, v in credit.balances.items()}
    balances[currency] = money(available - wanted)
    entry: dict[str, Any] = {
        "amount": money(-wanted),
        "currency": currency,
        "invoice_id": invoice_id,
        "invoice_number": data.get("number"),
        "at": clock.iso(clock.now()),
        "settlement_id": settlement_id,
        "payment_id": payment_id,
        "paid_on": payment.paid_on.isoformat(),
    }
    after = credit_rec.with_data({**credit_rec.data, "balances": balances, "entries": [*credit.entries, entry]})
    written = ctx.store.write(ctx.pk, [*planned.changes, Change(credit_rec, after, SETTLED)], actor)
    if planned.closing:
        payments.close_collection(planned.invoice)
    by_entity = {r.entity: r for r in written}
    return by_entity["customer_credit"], by_entity["invoice"], True
