"""The journal entry of an issued invoice: what the customer owes on 1500, revenue per line account,
output VAT per rate, prepaid and rounding; always balanced, whatever the invoice's shape."""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from decimal import Decimal as D
from typing import Any

from hypothesis import HealthCheck, given, settings

from klientportal.invoicing.calc import calculate
from klientportal.invoicing.models import Invoice, Vat, VatCategory
from klientportal.ledger.invoices import invoice_draft
from klientportal.ledger.journal import JournalDraft, check_draft
from tests.unit.invoicing.invoice_samples import credit_note, mixed_invoice
from tests.unit.invoicing.invoice_strategies import invoices

CODES = {VatCategory.ZERO_RATED: "5", VatCategory.EXEMPT: "6", VatCategory.REVERSE_CHARGE: "51"}
RATES = {D(25): "3", D(15): "31", D(12): "33"}


def _code(vat: Vat) -> str:
    return RATES[vat.rate] if vat.category is VatCategory.STANDARD else CODES.get(vat.category, "52")


def _stored(doc: Invoice, **extra: Any) -> dict[str, Any]:
    return {
        "id": "inv-1",
        "kind": "credit_note" if doc.kind == "credit_note" else "invoice",
        "number": int(doc.number) if doc.number.isdigit() else 7,
        "customer_number": 10001,
        "issue_date": doc.issue_date.isoformat(),
        "document": doc.model_copy(update={"attachments": ()}).model_dump(mode="json"),
        "lines": [{"vat_code": _code(x.vat), **extra.get("line", {})} for x in doc.lines],
    }


def _by_account(draft: JournalDraft) -> dict[str, D]:
    out: dict[str, D] = {}
    for p in draft.postings:
        out[p.account] = out.get(p.account, D(0)) + p.amount
    return out


def test_the_mixed_invoice_by_hand() -> None:
    draft = invoice_draft(_stored(mixed_invoice()))
    assert draft is not None and draft.series == "faktura" and draft.source_kind == "invoice"
    assert _by_account(draft) == {
        "3000": D("-6512.50"),  # 6412.50 + freight 150.00 - discount 50.00
        "3050": D("-399.80"),
        "3200": D("-100.00"),  # E: the revenue account of code 6
        "3100": D("-99.99"),
        "2700": D("-1628.13"),
        "2703": D("-47.98"),
        "1500": D("8788.00"),
        "7740": D("0.40"),  # rounded down to whole kroner: the 0.40 not charged is a cost
    }
    [receivable] = [p for p in draft.postings if p.account == "1500"]
    assert receivable.customer_number == 10001
    assert {p.vat_code for p in draft.postings if p.account == "2700"} == {"3"}
    check_draft(draft)


def test_the_product_account_wins_and_a_prepaid_amount_clears_2900() -> None:
    doc = mixed_invoice(prepaid_amount=D("1000.00"))
    draft = invoice_draft(_stored(doc, line={"income_account": "3020"}))
    assert draft is not None
    got = _by_account(draft)
    assert got["3020"] == D("-7112.29") and got["1500"] == D("7788.00") and got["2900"] == D("1000.00")
    check_draft(draft)


def test_a_credit_note_is_booked_the_other_way_round() -> None:
    draft = invoice_draft(_stored(credit_note()))
    assert draft is not None and draft.source_kind == "credit_note"
    assert _by_account(draft) == {"3000": D("1900.00"), "2700": D("475.00"), "1500": D("-2375.00")}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invoices())
def test_every_invoice_books_balanced_with_the_payable_on_the_customer(doc: Invoice) -> None:
    draft = invoice_draft(_stored(doc))
    totals = calculate(doc).totals
    if draft is None:
        assert totals.payable == 0 and totals.tax_inclusive == 0
        return
    check_draft(draft)  # balanced, two decimals, the customer on 1500
    sign = -1 if doc.kind == "credit_note" else 1
    rate = doc.nok_exchange_rate or D(1)
    assert _by_account(draft).get("1500", D(0)) == sign * (totals.payable * rate).quantize(D("0.01"), ROUND_HALF_UP)
    vat = sum((p.amount for p in draft.postings if p.account.startswith("270")), D(0))
    assert -sign * vat == (totals.tax_in_nok if doc.nok_exchange_rate else totals.tax)
