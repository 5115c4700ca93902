"""Line amounts, VAT breakdown and document totals, the way EN 16931 computes them.

Rounding (docs/formats-invoicing.md): every amount is rounded to øre, half away from zero, at the
place EN 16931 defines it: line gross (quantity x net price / base quantity), each percent line
discount, allowance or charge, each percent document allowance or charge (in the model), and the VAT
of each category+rate group computed once on that group's taxable base (BR-CO-17). Totals are exact
sums of rounded amounts, so nothing is rounded twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from klientportal.invoicing.models import Invoice, InvoiceLine, LineAllowanceCharge, VatCategory

ORE = Decimal("0.01")
KRONE = Decimal(1)
HUNDRED = Decimal(100)


def round_money(value: Decimal) -> Decimal:
    """Round to øre, half away from zero (ROUND_HALF_UP on Decimal)."""
    return value.quantize(ORE, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineAmounts:
    """gross = quantity x net price / base quantity; net (BT-131) = gross - discount - allowances +
    charges. `allowances_charges` pairs each line allowance/charge with its amount."""

    line: InvoiceLine
    gross: Decimal
    discount: Decimal
    net: Decimal
    allowances_charges: tuple[tuple[LineAllowanceCharge, Decimal], ...] = ()


@dataclass(frozen=True)
class VatBreakdown:
    """One VAT breakdown group (BG-23)."""

    category: VatCategory
    rate: Decimal
    taxable: Decimal
    tax: Decimal
    exemption_reason: str | None
    exemption_reason_code: str | None


@dataclass(frozen=True)
class Totals:
    """Document totals (BG-22). `tax_in_nok` is BT-111, only for foreign-currency invoices."""

    line_extension: Decimal
    allowance_total: Decimal
    charge_total: Decimal
    tax_exclusive: Decimal
    tax: Decimal
    tax_inclusive: Decimal
    prepaid: Decimal
    rounding: Decimal
    payable: Decimal
    tax_in_nok: Decimal | None


@dataclass(frozen=True)
class Calculation:
    lines: tuple[LineAmounts, ...]
    vat: tuple[VatBreakdown, ...]
    totals: Totals


def line_amounts(line: InvoiceLine) -> LineAmounts:
    gross = round_money(line.quantity * line.unit_price / line.per)
    if line.discount_percent is not None:
        discount = round_money(gross * line.discount_percent / HUNDRED)
    else:
        discount = round_money(line.discount_amount or Decimal(0))
    extras = tuple(
        (
            ac,
            round_money(gross * ac.percent / HUNDRED)
            if ac.percent is not None
            else round_money(ac.amount or Decimal(0)),
        )
        for ac in line.allowances_charges
    )
    net = gross - discount + sum((amount if ac.is_charge else -amount for ac, amount in extras), Decimal(0))
    return LineAmounts(line=line, gross=gross, discount=discount, net=net, allowances_charges=extras)


def vat_breakdown(invoice: Invoice, lines: tuple[LineAmounts, ...]) -> tuple[VatBreakdown, ...]:
    """Group by VAT category and rate, in order of first appearance; tax rounded per group."""
    bases: dict[tuple[VatCategory, Decimal], Decimal] = {}
    reasons: dict[tuple[VatCategory, Decimal], tuple[str | None, str | None]] = {}
    items = [(x.line.vat, x.net) for x in lines] + [
        (ac.vat, ac.amount if ac.is_charge else -ac.amount) for ac in invoice.allowances_charges
    ]
    for vat, amount in items:
        bases[vat.key] = round_money(bases.get(vat.key, Decimal(0)) + amount)
        reasons[vat.key] = (vat.exemption_reason, vat.exemption_reason_code)
    return tuple(
        VatBreakdown(category, rate, taxable, round_money(taxable * rate / HUNDRED), *reasons[category, rate])
        for (category, rate), taxable in bases.items()
    )


def calculate(invoice: Invoice) -> Calculation:
    """All amounts of an invoice or credit note, in the document currency."""
    lines = tuple(line_amounts(x) for x in invoice.lines)
    vat = vat_breakdown(invoice, lines)
    allowances = round_money(sum((x.amount for x in invoice.allowances_charges if not x.is_charge), Decimal(0)))
    charges = round_money(sum((x.amount for x in invoice.allowances_charges if x.is_charge), Decimal(0)))
    line_extension = round_money(sum((x.net for x in lines), Decimal(0)))
    tax_exclusive = line_extension - allowances + charges
    tax = round_money(sum((x.tax for x in vat), Decimal(0)))
    tax_inclusive = tax_exclusive + tax
    prepaid = round_money(invoice.prepaid_amount)
    due = tax_inclusive - prepaid
    payable = round_money(due.quantize(KRONE, rounding=ROUND_HALF_UP)) if invoice.round_payable_to_krone else due
    tax_in_nok = round_money(tax * invoice.nok_exchange_rate) if invoice.nok_exchange_rate else None
    totals = Totals(
        line_extension=line_extension,
        allowance_total=allowances,
        charge_total=charges,
        tax_exclusive=tax_exclusive,
        tax=tax,
        tax_inclusive=tax_inclusive,
        prepaid=prepaid,
        rounding=payable - due,
        payable=payable,
        tax_in_nok=tax_in_nok,
    )
    return Calculation(lines=lines, vat=vat, totals=totals)
