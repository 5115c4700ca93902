"""The journal entry of an issued invoice or credit note (series "faktura"), booked in the issuing
transaction: the customer ledger (1500, with the customer number) debited with what is payable,
revenue credited per line's account (the product's income account, else the VAT code's standard
revenue account) and output VAT per rate (2700/2701/2703), a prepaid amount against 2900
(forskuddsbetaling fra kunder) and the payable rounding to 7740 (øreavrunding). A credit note the
other way round. Foreign-currency invoices are booked in NOK at the invoice's exchange rate; the
øre that conversion leaves go to 7740 as well (decision 0802).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from klientportal.invoicing.calc import calculate
from klientportal.invoicing.models import Invoice, VatCategory
from klientportal.ledger.journal import CUSTOMER_LEDGER, JournalDraft, Posting, booking_keys

CENT = Decimal("0.01")
PREPAID_ACCOUNT = "2900"
ROUNDING_ACCOUNT = "7740"
OUTSIDE_VAT_REVENUE = "3200"
REVENUE_BY_VAT_CODE = {
    "3": "3000",
    "31": "3030",
    "33": "3050",
    "5": "3100",
    "51": "3025",
    "52": "3105",
    "6": "3200",
    "7": "3900",
}
OUTPUT_VAT = {Decimal(25): ("2700", "3"), Decimal(15): ("2701", "31"), Decimal(12): ("2703", "33")}


def _nok(amount: Decimal, rate: Decimal | None) -> Decimal:
    return (amount * rate if rate else amount).quantize(CENT, rounding=ROUND_HALF_UP)


def invoice_booking_keys(client_pk: str, data: dict[str, Any], day: date) -> list[tuple[str, str]]:
    """A superset of what booking the draft invoice `data` on `day` reads (journal.booking_keys over
    every account `invoice_draft` may post it to), so that issuing reads them with the customer in
    one batch; a key it misses is read when booking, so a miss costs a call, never a wrong booking."""
    revenue = {OUTSIDE_VAT_REVENUE, "3000"}
    for line in data.get("lines", []):
        revenue.add(REVENUE_BY_VAT_CODE.get(str(line.get("vat_code")), "3000"))
        if line.get("income_account"):
            revenue.add(str(line["income_account"]))
    vat = [account for account, _ in OUTPUT_VAT.values()]
    accounts = [*sorted(revenue), *vat, CUSTOMER_LEDGER, PREPAID_ACCOUNT, ROUNDING_ACCOUNT]
    return booking_keys(client_pk, "faktura", day, accounts, [("C", int(data["customer_number"]))])


def invoice_draft(data: dict[str, Any]) -> JournalDraft | None:
    """The draft booking the issued invoice `data` (its frozen document, lines and number); None when
    it books nothing (every amount zero)."""
    doc = Invoice.model_validate(data["document"])
    calc = calculate(doc)
    rate = doc.nok_exchange_rate
    credit = data["kind"] == "credit_note"
    sign = Decimal(-1) if credit else Decimal(1)
    customer = int(data["customer_number"])
    what = "Kreditnota" if credit else "Faktura"
    text = f"{what} {data['number']} {doc.buyer.name}"[:200]
    # revenue per (account, VAT code), credited
    sums: dict[tuple[str, str | None], Decimal] = defaultdict(Decimal)
    first_account: dict[tuple[VatCategory, Decimal], str] = {}
    for stored, amounts in zip(data["lines"], calc.lines, strict=True):
        code = None if amounts.line.vat.category is VatCategory.OUTSIDE_SCOPE else str(stored["vat_code"])
        account = stored.get("income_account") or (
            REVENUE_BY_VAT_CODE.get(code, "3000") if code else OUTSIDE_VAT_REVENUE
        )
        first_account.setdefault(amounts.line.vat.key, account)
        sums[(account, code)] -= _nok(amounts.net, rate)
    for ac in doc.allowances_charges:  # on the revenue of the lines with the same VAT treatment
        account = first_account.get(ac.vat.key, OUTSIDE_VAT_REVENUE)
        code = next((c for (a, c) in sums if a == account), None)
        sums[(account, code)] += _nok(ac.amount, rate) * (-1 if ac.is_charge else 1)
    postings = [Posting(a, sign * amount, text, vat_code=c) for (a, c), amount in sums.items()]
    vat_total = Decimal(0)
    groups = [g for g in calc.vat if g.tax != 0]
    for i, group in enumerate(groups):
        account, code = OUTPUT_VAT[group.rate]
        tax = _nok(group.tax, rate)
        if rate and i == len(groups) - 1 and calc.totals.tax_in_nok is not None:
            tax = calc.totals.tax_in_nok - vat_total  # the groups add up to the invoice's VAT in NOK
        vat_total += tax
        postings.append(Posting(account, -sign * tax, text, vat_code=code))
    payable = _nok(calc.totals.payable, rate)
    prepaid = _nok(calc.totals.prepaid, rate)
    postings.append(Posting(CUSTOMER_LEDGER, sign * payable, text, customer_number=customer))
    postings.append(Posting(PREPAID_ACCOUNT, sign * prepaid, f"{text} (forskudd)"))
    rest = -sum((p.amount for p in postings), Decimal(0))  # the payable rounding, and conversion øre
    postings.append(Posting(ROUNDING_ACCOUNT, rest, f"{text} (øreavrunding)"))
    nonzero = tuple(p for p in postings if p.amount != 0)
    if not nonzero:
        return None
    return JournalDraft(
        series="faktura",
        date=date.fromisoformat(data["issue_date"]),
        text=text,
        source_kind="credit_note" if credit else "invoice",
        source_id=data["id"],
        postings=nonzero,
    )
