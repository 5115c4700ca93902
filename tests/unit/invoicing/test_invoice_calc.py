"""Amounts to the øre: line nets, VAT per category and rate, document totals."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings

from klientportal.invoicing.calc import calculate, line_amounts, round_money
from klientportal.invoicing.models import Invoice, InvoiceLine, VatCategory
from tests.unit.invoicing.invoice_samples import S25, credit_note, mixed_invoice
from tests.unit.invoicing.invoice_strategies import invoices


def line(quantity: str, price: str, **extra: object) -> InvoiceLine:
    return InvoiceLine(description="x", quantity=D(quantity), unit_price=D(price), vat=S25, **extra)


def test_mixed_invoice_totals_by_hand() -> None:
    calc = calculate(mixed_invoice())
    assert [(x.gross, x.discount, x.net) for x in calc.lines] == [
        (D("7125.00"), D("712.50"), D("6412.50")),
        (D("399.80"), D("0.00"), D("399.80")),
        (D("100.00"), D("0.00"), D("100.00")),
        (D("99.99"), D("0.00"), D("99.99")),
    ]
    assert [(g.category.value, g.rate, g.taxable, g.tax) for g in calc.vat] == [
        ("S", D(25), D("6512.50"), D("1628.13")),
        ("S", D(12), D("399.80"), D("47.98")),
        ("E", D(0), D("100.00"), D("0.00")),
        ("Z", D(0), D("99.99"), D("0.00")),
    ]
    t = calc.totals
    assert (t.line_extension, t.allowance_total, t.charge_total) == (D("7012.29"), D("50.00"), D("150.00"))
    assert (t.tax_exclusive, t.tax, t.tax_inclusive) == (D("7112.29"), D("1676.11"), D("8788.40"))
    assert (t.rounding, t.payable) == (D("-0.40"), D("8788.00"))
    assert str(t.payable) == "8788.00"


def test_vat_is_rounded_once_per_group_not_per_line() -> None:
    invoice = mixed_invoice(lines=(line("1", "0.10"),) * 3, allowances_charges=(), round_payable_to_krone=False)
    calc = calculate(invoice)
    assert calc.vat[0].taxable == D("0.30")
    assert calc.vat[0].tax == D("0.08")  # 0.075 half-up; per line it would be 3 x 0.03 = 0.09
    assert calc.totals.payable == D("0.38")


def test_half_up_away_from_zero() -> None:
    assert round_money(D("0.005")) == D("0.01")
    assert round_money(D("-0.005")) == D("-0.01")
    assert round_money(D("0.0049")) == D("0.00")
    returned = calculate(mixed_invoice(lines=(line("-1", "0.02"),), allowances_charges=()))
    assert returned.vat[0].tax == D("-0.01")


def test_percent_discount_rounds_to_ore() -> None:
    amounts = line_amounts(line("3", "33.33", discount_percent=D("12.5")))
    assert (amounts.gross, amounts.discount, amounts.net) == (D("99.99"), D("12.50"), D("87.49"))


def test_quantity_times_four_decimal_price() -> None:
    amounts = line_amounts(line("0.333", "12.3456"))
    assert amounts.gross == D("4.11")  # 4.1110848


def test_prepaid_and_foreign_currency() -> None:
    invoice = mixed_invoice(
        currency="EUR", nok_exchange_rate=D("11.7325"), prepaid_amount=D("1000.00"), round_payable_to_krone=False
    )
    t = calculate(invoice).totals
    assert t.payable == D("7788.40")
    assert t.tax_in_nok == D("19664.96")  # 1676.11 x 11.7325 = 18437.21 + 1227.7506 = 19664.9606


def test_credit_note_amounts_are_positive() -> None:
    t = calculate(credit_note()).totals
    assert (t.tax_exclusive, t.tax, t.payable) == (D("1900.00"), D("475.00"), D("2375.00"))


def test_outside_scope_has_no_vat() -> None:
    calc = calculate(mixed_invoice())
    assert all(g.tax == 0 for g in calc.vat if g.category is not VatCategory.STANDARD)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(invoices())
def test_totals_are_consistent(invoice: Invoice) -> None:
    calc = calculate(invoice)
    t = calc.totals
    assert t.line_extension == sum(x.net for x in calc.lines)
    assert t.tax_exclusive == t.line_extension - t.allowance_total + t.charge_total
    assert sum(g.taxable for g in calc.vat) == t.tax_exclusive
    for group in calc.vat:
        assert abs(group.tax - group.taxable * group.rate / 100) <= D("0.005")
    assert t.tax_inclusive == t.tax_exclusive + t.tax
    assert t.payable == t.tax_inclusive - t.prepaid + t.rounding
    assert abs(t.rounding) <= D("0.50")
    for value in (t.line_extension, t.tax, t.tax_inclusive, t.payable, t.rounding):
        assert value == value.quantize(D("0.01"))
