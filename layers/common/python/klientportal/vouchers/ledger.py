"""The journal entry of a booked supplier voucher: expense (per coding line) and deductible input VAT
debited, the supplier sub-ledger (2400 leverandørgjeld, with the supplier number) credited; a credit
note the other way round. Amounts are Decimal kroner with two decimals; the entry always balances.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from klientportal.errors import RuleViolation
from klientportal.ledger.journal import Posting
from klientportal.reference.vat_codes import RateClass, get_vat_code

SUPPLIER_LEDGER = "2400"
CENT = Decimal("0.01")
VAT_TOLERANCE = Decimal("1.00")
INPUT_VAT_ACCOUNTS = {
    RateClass.REGULAR: "2710",
    RateClass.REDUCED_MIDDLE: "2711",
    RateClass.REDUCED_RAW_FISH: "2712",
    RateClass.REDUCED_LOW: "2713",
}
# Domestic purchases only: import and reverse-charge codes need a computed output VAT line too.
VOUCHER_VAT_CODES = frozenset({"0", "1", "11", "12", "13"})


def money(value: Decimal | str | int) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def computed_vat(net: Decimal, vat_code: str | None) -> Decimal:
    vat = get_vat_code(vat_code) if vat_code else None
    if vat is None or vat.rate is None or not vat.deductible:
        return Decimal("0.00")
    return money(net * vat.rate / 100)


def line_amounts(line: dict[str, Any]) -> tuple[Decimal, Decimal]:
    """(net, VAT) of a coding line: VAT as given, else computed from the code's rate."""
    net = money(line["net_amount"])
    vat = money(line["vat_amount"]) if line.get("vat_amount") is not None else computed_vat(net, line.get("vat_code"))
    return net, vat


def coding_total(lines: list[dict[str, Any]]) -> Decimal:
    return sum((net + vat for net, vat in map(line_amounts, lines)), Decimal("0.00"))


def check_adds_up(lines: list[dict[str, Any]], total: str | None) -> Decimal:
    """The voucher's total, once the coding is there and adds up to it."""
    if not lines:
        raise RuleViolation("the voucher is not coded yet")
    if total is None:
        raise RuleViolation("the voucher has no total; edit its details first")
    coded = coding_total(lines)
    if coded != money(total):
        raise RuleViolation(
            f"the coding adds up to {coded}, the voucher's total is {money(total)}",
            extra={"coded": str(coded), "total": str(money(total))},
        )
    return coded


def journal_lines(
    lines: list[dict[str, Any]], *, total: str | None, supplier_number: int, credit_note: bool, text: str
) -> list[dict[str, Any]]:
    """Balanced lines (account, debit, credit, vat_code, project, department, supplier_number, text)."""
    payable = check_adds_up(lines, total)
    entry: list[dict[str, Any]] = []

    def post(account: str, amount: Decimal, *, debit: bool, **extra: object) -> None:
        if amount == 0:
            return
        is_debit = (debit != credit_note) != (amount < 0)  # a negative line (allowance) goes to the other side
        amount = abs(amount)
        entry.append(
            {
                "account": account,
                "debit": str(amount if is_debit else Decimal("0.00")),
                "credit": str(Decimal("0.00") if is_debit else amount),
                **extra,
            }
        )

    for line in lines:
        net, vat = line_amounts(line)
        common = {"project": line.get("project"), "department": line.get("department")}
        post(
            line["account"],
            net,
            debit=True,
            vat_code=line.get("vat_code"),
            text=line.get("description") or text,
            **common,
        )
        if vat:
            code = get_vat_code(line["vat_code"])
            assert code is not None
            post(INPUT_VAT_ACCOUNTS[code.rate_class], vat, debit=True, vat_code=line["vat_code"], text=text, **common)
    post(SUPPLIER_LEDGER, payable, debit=False, supplier_number=supplier_number, text=text)
    debit = sum(Decimal(x["debit"]) for x in entry)
    credit = sum(Decimal(x["credit"]) for x in entry)
    if debit != credit:  # cannot happen after check_adds_up; refuse rather than book an unbalanced entry
        raise RuleViolation(f"the entry does not balance: debit {debit}, credit {credit}")
    return entry


def posting_of(line: dict[str, Any]) -> Posting:
    """A journal line of `journal_lines` as a ledger posting (positive = debit)."""
    return Posting(
        account=line["account"],
        amount=Decimal(line["debit"]) - Decimal(line["credit"]),
        text=line.get("text") or "",
        vat_code=line.get("vat_code"),
        supplier_number=line.get("supplier_number"),
        department=line.get("department"),
        project=line.get("project"),
    )
