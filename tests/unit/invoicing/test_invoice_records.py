"""The stored shapes of invoicing (records.py) and the total and balance rules of lifecycle.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from klientportal.invoicing import lifecycle as lc
from klientportal.invoicing.records import InvoiceKind, InvoiceStatus, Payment, StoredInvoice


def _totals(total: str, payable: str | None = None) -> dict:
    return {"tax_inclusive": total, "payable": payable or total}


@pytest.mark.parametrize("amount", ["1.005", "0.001", "NaN", "Infinity", "0", "-1.00"])
def test_payment_amount_is_never_rounded_or_non_positive(amount):
    with pytest.raises(ValidationError):
        Payment(payment_id="b-1", amount=Decimal(amount), paid_on=date(2026, 3, 2))


def test_payment_content_is_normalised_to_ore():
    p = Payment(payment_id="b-1", amount=Decimal("500"), paid_on=date(2026, 3, 2))
    assert p.stored() == {"payment_id": "b-1", "amount": "500.00", "paid_on": "2026-03-02", "reference": None}


def test_stored_invoice_types_the_item_and_keeps_unknown_fields():
    inv = StoredInvoice.model_validate(
        {
            "id": "inv-1",
            "kind": "invoice",
            "status": "paid",
            "number": 7,
            "customer_number": 1,
            "totals": {"payable": "100.00"},
            "paid_amount": "120.00",
            "future_shape": {"x": 1},
            "payments": [{"payment_id": "b-1", "amount": "120.00", "paid_on": "2026-03-02", "overpaid": "20.00"}],
        }
    )
    assert inv.status is InvoiceStatus.PAID and inv.kind is InvoiceKind.INVOICE
    assert inv.payable == Decimal("100.00") and inv.payment("b-1").overpaid == Decimal("20.00")
    assert inv.model_dump(mode="json")["future_shape"] == {"x": 1}
    with pytest.raises(ValidationError):
        StoredInvoice.model_validate({"id": "inv-1", "kind": "invoice", "status": "lost", "customer_number": 1})


def test_lifecycle_statuses_are_the_enum():
    assert lc.PAID is InvoiceStatus.PAID and lc.PAID == "paid" and lc.PAID in lc.RECEIVES_PAYMENT


@pytest.mark.parametrize(
    ("kind", "total", "payable", "ok"),
    [
        ("invoice", "-0.01", None, False),
        ("invoice", "100.00", "-1.00", False),
        ("invoice", "0.00", None, True),
        ("invoice", "1.00", None, True),
        ("credit_note", "0.00", None, False),
        ("credit_note", "-5.00", None, False),
        ("credit_note", "5.00", None, True),
    ],
)
def test_issuable_totals(kind, total, payable, ok):
    if ok:
        lc.require_issuable_total(kind, _totals(total, payable))
    else:
        with pytest.raises(lc.TotalNotIssuable):
            lc.require_issuable_total(kind, _totals(total, payable))


def test_overpaid_and_open_follow_what_is_owed():
    data = {
        "kind": "invoice",
        "status": "sent",
        "totals": {"payable": "100.00"},
        "paid_amount": "30.00",
        "credited_amount": "0.00",
    }
    assert lc.overpaid(data) == 0 and lc.is_open(data)
    data.update(paid_amount="100.00", credited_amount="25.00", status="paid")
    assert lc.overpaid(data) == Decimal("25.00") and not lc.is_open(data)
    assert not lc.is_open(
        {**data, "status": "sent", "paid_amount": "0.00", "credited_amount": "0.00", "totals": {"payable": "0.00"}}
    )  # a zero invoice is never dunned
