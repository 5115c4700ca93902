"""The EHF shapes of ISSUE-8 §3 in the model and the calculation: amounts to the øre, and what the
model refuses because the official rules would."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest
from pydantic import ValidationError

from klientportal.invoicing.calc import calculate, line_amounts
from klientportal.invoicing.models import (
    AllowanceCharge,
    Attachment,
    InvoiceLine,
    LineAllowanceCharge,
    Period,
    Vat,
)
from tests.unit.invoicing.invoice_samples import S25, mixed_invoice, shapes_invoice


def line(**changes: Any) -> InvoiceLine:
    data: dict[str, Any] = dict(description="Timer", quantity=D(1), unit_price=D(100), vat=S25)
    return InvoiceLine(**(data | changes))


def test_all_shapes_by_hand() -> None:
    calc = calculate(shapes_invoice())
    first = calc.lines[0]
    assert (first.gross, first.net) == (D("1200.00"), D("1235.00"))  # 12 x 1000 / 10 + 60 - 25
    assert [amount for _, amount in first.allowances_charges] == [D("60.00"), D("25.00")]
    assert shapes_invoice().allowances_charges[0].amount == D("30.88")  # 2.5 % of 1235.00 = 30.875
    assert [(g.category.value, g.taxable, g.tax, g.exemption_reason_code) for g in calc.vat] == [
        ("S", D("1204.12"), D("301.03"), None),
        ("E", D("500.00"), D("0.00"), "VATEX-EU-132-1B"),
    ]
    t = calc.totals
    assert (t.line_extension, t.allowance_total, t.tax_exclusive) == (D("1735.00"), D("30.88"), D("1704.12"))
    assert (t.tax_inclusive, t.prepaid, t.rounding, t.payable) == (D("2005.15"), D("1000.00"), D("-0.15"), D("1005.00"))


def test_prepaid_reduces_payable_without_rounding() -> None:
    t = calculate(shapes_invoice(round_payable_to_krone=False)).totals
    assert (t.rounding, t.payable) == (D("0.00"), D("1005.15"))


def test_rounding_to_whole_units_half_away_from_zero() -> None:
    t = calculate(shapes_invoice(prepaid_amount=D("1000.65"))).totals  # 1004.50 -> 1005
    assert (t.rounding, t.payable) == (D("0.50"), D("1005.00"))


def test_foreign_currency_vat_in_nok_rounded_once() -> None:
    t = calculate(shapes_invoice(currency="EUR", nok_exchange_rate=D("11.5"))).totals
    assert t.tax_in_nok == D("3461.85")  # 301.03 x 11.5 = 3461.845, half up


def test_base_quantity_divides_the_price() -> None:
    amounts = line_amounts(line(quantity=D(3), unit_price=D("12.50"), base_quantity=D(100)))
    assert amounts.gross == D("0.38")  # 3 x 12.50 / 100 = 0.375


def test_percent_line_charge_and_allowance_round_each() -> None:
    amounts = line_amounts(
        line(
            quantity=D(1),
            unit_price=D("33.33"),
            allowances_charges=(
                LineAllowanceCharge(is_charge=True, percent=D("12.5"), reason="Tillegg"),
                LineAllowanceCharge(is_charge=False, percent=D("1.5"), reason="Rabatt"),
            ),
        )
    )
    assert [a for _, a in amounts.allowances_charges] == [D("4.17"), D("0.50")]  # 4.16625, 0.49995
    assert amounts.net == D("37.00")


def test_gross_price_gives_the_price_discount() -> None:
    assert line(unit_price=D("80.5"), gross_price=D("100")).price_discount == D("19.5")
    assert line().price_discount is None


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: line(gross_price=D(99)), "gross price is below the net price"),
        (lambda: line(base_quantity=D(0)), "greater than 0"),
        (
            lambda: line(
                quantity=D(-1), allowances_charges=(LineAllowanceCharge(is_charge=True, amount=D(1), reason="x"),)
            ),
            "positive quantity",
        ),
        (lambda: LineAllowanceCharge(is_charge=True, reason="x"), "an amount or a percent"),
        (lambda: LineAllowanceCharge(is_charge=True, amount=D(1), percent=D(1), reason="x"), "an amount or a percent"),
        (lambda: LineAllowanceCharge(is_charge=True, amount=D(1), reason="x", reason_code="95"), "UNCL 7161"),
        (lambda: LineAllowanceCharge(is_charge=False, amount=D(1), reason="x", reason_code="FC"), "UNCL 5189"),
        (lambda: AllowanceCharge(is_charge=False, percent=D(2), reason="x", vat=S25), "amount\n  Field required"),
        (lambda: AllowanceCharge(is_charge=False, amount=D(1), base_amount=D(100), reason="x", vat=S25), "percent"),
        (
            lambda: AllowanceCharge(
                is_charge=False, amount=D(3), percent=D(2), base_amount=D(100), reason="x", vat=S25
            ),
            "not percent x base",
        ),
        (
            lambda: AllowanceCharge(is_charge=False, percent=D("0.01"), base_amount=D("0.01"), reason="x", vat=S25),
            "greater than 0",
        ),
        (lambda: AllowanceCharge(is_charge=True, amount=D(1), reason="x", reason_code="QQQ", vat=S25), "UNCL 7161"),
        (lambda: AllowanceCharge(is_charge=False, percent=1.5, base_amount=D(100), reason="x", vat=S25), "never float"),
        (lambda: Vat(category="E", exemption_reason_code="VATEX-EU-NOPE"), "not a VATEX"),
        (lambda: Vat(category="E", exemption_reason_code="VATEX-EU-G"), "only for VAT category G"),
        (lambda: Vat(category="Z", exemption_reason="Fritatt"), "takes no exemption reason"),
        (lambda: Period(), "start date, an end date"),
        (lambda: Period(start=date(2026, 3, 2), end=date(2026, 3, 1)), "ends before it starts"),
        (
            lambda: Attachment(filename="a.exe", mime_code="application/x-msdownload", content=b"MZ"),
            "cannot be attached",
        ),
        (lambda: shapes_invoice(prepaid_amount=D(-1)), "greater than or equal to 0"),
        (lambda: shapes_invoice(currency="XYZ", nok_exchange_rate=D(1)), "ISO 4217"),
        (lambda: shapes_invoice(currency="EUR", nok_exchange_rate=D("11.1234567")), "6 decimal places"),
        (lambda: shapes_invoice(period=Period(start=date(2026, 3, 5))), "not within the invoice period"),
        (
            lambda: shapes_invoice(
                attachments=(Attachment(filename="a.pdf", content=b"1"), Attachment(filename="a.pdf", content=b"2"))
            ),
            "same file name",
        ),
    ],
)
def test_refused(build: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        build()


def test_exemption_reasons_per_category_must_agree() -> None:
    other = Vat(category="E", exemption_reason="Unntatt etter § 3-5")
    base = shapes_invoice()
    with pytest.raises(ValidationError, match="share one exemption reason"):
        shapes_invoice(lines=(*base.lines, line(vat=other)))


def test_period_with_only_an_end_inside_the_invoice_period() -> None:
    invoice = mixed_invoice(
        period=Period(start=date(2026, 1, 1), end=date(2026, 1, 31)),
        lines=(line(period=Period(end=date(2026, 1, 15))),),
        allowances_charges=(),
    )
    assert invoice.lines[0].period is not None and invoice.lines[0].period.start is None


@pytest.mark.parametrize(
    ("currency", "expected"),
    [
        (
            "NOK",
            [
                "Utestående: 1 005,00 kr",
                "Purregebyr: 70,00 kr",
                "Forsinkelsesrente (12.5 % p.a.): 3,44 kr",
                "Å betale: 1 078,44 kr innen 30.04.2026",
            ],
        ),
        (
            "EUR",
            [
                "Utestående: 1 005,00 EUR",
                "Purregebyr: 70,00 kr",
                "Forsinkelsesrente (12.5 % p.a.): 3,44 EUR",
                "Å betale: 1 008,44 EUR og 70,00 kr innen 30.04.2026",
            ],
        ),
    ],
)
def test_a_reminder_never_adds_kroner_to_another_currency(currency: str, expected: list[str]) -> None:
    from klientportal.invoicing.messages import reminder_text

    data = {
        "number": 10002,
        "due_date": "2026-04-16",
        "kid": "1234567897",
        "document": {"currency": currency, "seller": {"bank_account": "86011117947"}},
    }
    entry = {
        "kind": "purring",
        "fee": "70.00",
        "interest": "3.44",
        "interest_rate": "12.5",
        "new_due_date": "2026-04-30",
    }
    body = reminder_text(data, entry, D("1005.00"))[1].splitlines()
    assert all(line in body for line in expected), body
