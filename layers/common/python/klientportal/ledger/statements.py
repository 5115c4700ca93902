"""Trial balance, profit and loss and balance sheet from the balances kept per account and year
(`LEDGERBAL#<year>#<account>`: debit and credit per month). Pure: records in, figures out; amounts
are Decimal kroner, positive = debit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

ZERO = Decimal("0.00")

# Profit and loss groups by account number (NS 4102 classes), in the order they are shown.
PL_GROUPS = (
    ("revenue", "Driftsinntekter", ("3",)),
    ("cost_of_goods", "Varekostnad", ("4",)),
    ("payroll", "Lønnskostnad", ("5",)),
    ("other_operating", "Andre driftskostnader", ("6", "7")),
    ("financial", "Finansposter", ("80", "81")),
    ("tax_and_other", "Skatt og ekstraordinære poster", ("82", "83", "84", "85", "86", "87", "88", "89")),
)
BS_GROUPS = (
    ("fixed_assets", "Anleggsmidler", ("10", "11", "12", "13")),
    ("current_assets", "Omløpsmidler", ("14", "15", "16", "17", "18", "19")),
    ("equity", "Egenkapital", ("20",)),
    ("long_term_liabilities", "Langsiktig gjeld", ("21", "22")),
    ("short_term_liabilities", "Kortsiktig gjeld", ("23", "24", "25", "26", "27", "28", "29")),
)


def is_balance_sheet(account: str) -> bool:
    return account[:1] in ("1", "2")


@dataclass(frozen=True)
class Balances:
    """Debit and credit per (account, year, month) from the balance records."""

    moves: dict[tuple[str, int, int], tuple[Decimal, Decimal]]

    @classmethod
    def of(cls, records: Iterable[dict[str, Any]]) -> Balances:
        moves: dict[tuple[str, int, int], tuple[Decimal, Decimal]] = {}
        for data in records:
            for month, m in (data.get("months") or {}).items():
                moves[(str(data["account"]), int(data["year"]), int(month))] = (
                    Decimal(m["debit"]),
                    Decimal(m["credit"]),
                )
        return cls(moves)

    def accounts(self) -> list[str]:
        return sorted({a for a, _, _ in self.moves})

    def movement(self, account: str, start: tuple[int, int], end: tuple[int, int]) -> tuple[Decimal, Decimal]:
        """Debit and credit of `account` in the months start..end (inclusive, (year, month))."""
        debit = credit = ZERO
        for (a, y, m), (d, c) in self.moves.items():
            if a == account and start <= (y, m) <= end:
                debit += d
                credit += c
        return debit, credit

    def net(self, account: str, start: tuple[int, int], end: tuple[int, int]) -> Decimal:
        debit, credit = self.movement(account, start, end)
        return debit - credit


BEGINNING = (1, 1)


def _before(year: int, month: int) -> tuple[int, int]:
    return (year, month - 1) if month > 1 else (year - 1, 12)


def trial_balance(
    balances: Balances, year: int, from_month: int, to_month: int, names: dict[str, str]
) -> dict[str, Any]:
    """Per account: opening balance, debit and credit of the months, closing balance. Balance sheet
    accounts open with everything before; profit and loss accounts with the year's earlier months.
    The result of earlier years that no closing entry carried to equity opens as an equity line of
    its own (`result_earlier_years`, as on the balance sheet), so the openings add up to zero."""
    rows = []
    totals = {"opening": ZERO, "debit": ZERO, "credit": ZERO, "closing": ZERO}
    earlier = sum(
        (balances.net(a, BEGINNING, (year - 1, 12)) for a in balances.accounts() if not is_balance_sheet(a)), ZERO
    )
    if earlier:
        rows.append(
            {
                "account": "result_earlier_years",
                "name": "Resultat tidligere år (ikke disponert)",
                "opening": str(earlier),
                "debit": str(ZERO),
                "credit": str(ZERO),
                "closing": str(earlier),
            }
        )
        totals["opening"] += earlier
        totals["closing"] += earlier
    for account in balances.accounts():
        since = BEGINNING if is_balance_sheet(account) else (year, 1)
        opening = balances.net(account, since, _before(year, from_month)) if (year, from_month) > since else ZERO
        debit, credit = balances.movement(account, (year, from_month), (year, to_month))
        closing = opening + debit - credit
        if opening == debit == credit == closing == ZERO:
            continue
        rows.append(
            {
                "account": account,
                "name": names.get(account, ""),
                "opening": str(opening),
                "debit": str(debit),
                "credit": str(credit),
                "closing": str(closing),
            }
        )
        for key, value in (("opening", opening), ("debit", debit), ("credit", credit), ("closing", closing)):
            totals[key] += value
    return {
        "period_from": f"{year:04d}-{from_month:02d}",
        "period_to": f"{year:04d}-{to_month:02d}",
        "accounts": rows,
        "totals": {k: str(v) for k, v in totals.items()},
        "balanced": totals["debit"] == totals["credit"] and totals["closing"] == ZERO,
    }


def shown(value: Decimal) -> str:
    """An amount as the statements show it: a sign turned for display never makes "-0.00"."""
    return str(value) if value else str(abs(value))


def _group_of(account: str, groups: tuple[tuple[str, str, tuple[str, ...]], ...]) -> str | None:
    for key, _, prefixes in groups:
        if account.startswith(prefixes):
            return key
    return None


def _grouped(
    figures: dict[str, tuple[Decimal, Decimal]],
    groups: tuple[tuple[str, str, tuple[str, ...]], ...],
    names: dict[str, str],
    shown_sign: Decimal,
) -> list[dict[str, Any]]:
    out = []
    for key, title, _ in groups:
        lines = [
            {
                "account": a,
                "name": names.get(a, ""),
                "amount": shown(shown_sign * now),
                "last_year": shown(shown_sign * before),
            }
            for a, (now, before) in sorted(figures.items())
            if _group_of(a, groups) == key and (now or before)
        ]
        out.append(
            {
                "group": key,
                "title": title,
                "lines": lines,
                "amount": str(sum((Decimal(x["amount"]) for x in lines), ZERO)),
                "last_year": str(sum((Decimal(x["last_year"]) for x in lines), ZERO)),
            }
        )
    return out


def profit_and_loss(
    balances: Balances, year: int, from_month: int, to_month: int, names: dict[str, str]
) -> dict[str, Any]:
    """Income and costs of the months, beside the same months of last year. Shown with income
    positive (credit) and costs negative; `result` is the profit."""
    figures = {
        a: (
            balances.net(a, (year, from_month), (year, to_month)),
            balances.net(a, (year - 1, from_month), (year - 1, to_month)),
        )
        for a in balances.accounts()
        if not is_balance_sheet(a)
    }
    groups = _grouped(figures, PL_GROUPS, names, Decimal(-1))
    return {
        "period_from": f"{year:04d}-{from_month:02d}",
        "period_to": f"{year:04d}-{to_month:02d}",
        "groups": groups,
        "result": str(sum((Decimal(g["amount"]) for g in groups), ZERO)),
        "result_last_year": str(sum((Decimal(g["last_year"]) for g in groups), ZERO)),
    }


def balance_sheet(balances: Balances, year: int, month: int, names: dict[str, str]) -> dict[str, Any]:
    """Assets, equity and liabilities at the end of the month, beside the same date last year. The
    result not yet closed to equity (this year's, and earlier years') is shown as equity lines, so
    assets = equity + liabilities."""

    def at(y: int, m: int) -> dict[str, Decimal]:
        return {a: balances.net(a, BEGINNING, (y, m)) for a in balances.accounts() if is_balance_sheet(a)}

    def results(y: int, m: int) -> tuple[Decimal, Decimal]:
        pl = [a for a in balances.accounts() if not is_balance_sheet(a)]
        this = sum((balances.net(a, (y, 1), (y, m)) for a in pl), ZERO)
        earlier = sum((balances.net(a, BEGINNING, (y - 1, 12)) for a in pl), ZERO)
        return this, earlier

    now, before = at(year, month), at(year - 1, month)
    assets = {a: (now.get(a, ZERO), before.get(a, ZERO)) for a in set(now) | set(before) if a.startswith("1")}
    claims = {a: (now.get(a, ZERO), before.get(a, ZERO)) for a in set(now) | set(before) if a.startswith("2")}
    asset_groups = _grouped(assets, BS_GROUPS[:2], names, Decimal(1))
    claim_groups = _grouped(claims, BS_GROUPS[2:], names, Decimal(-1))
    (this_now, earlier_now), (this_before, earlier_before) = results(year, month), results(year - 1, month)
    equity = claim_groups[0]
    for key, title, value, last in (
        ("result_this_year", "Årets resultat (ikke disponert)", -this_now, -this_before),
        ("result_earlier_years", "Resultat tidligere år (ikke disponert)", -earlier_now, -earlier_before),
    ):
        if value or last:
            equity["lines"].append({"account": key, "name": title, "amount": shown(value), "last_year": shown(last)})
            equity["amount"] = shown(Decimal(equity["amount"]) + value)
            equity["last_year"] = shown(Decimal(equity["last_year"]) + last)
    total_assets = sum((Decimal(g["amount"]) for g in asset_groups), ZERO)
    total_claims = sum((Decimal(g["amount"]) for g in claim_groups), ZERO)
    return {
        "at": f"{year:04d}-{month:02d}",
        "assets": asset_groups,
        "equity_and_liabilities": claim_groups,
        "total_assets": str(total_assets),
        "total_equity_and_liabilities": str(total_claims),
        "total_assets_last_year": str(sum((Decimal(g["last_year"]) for g in asset_groups), ZERO)),
        "total_equity_and_liabilities_last_year": str(sum((Decimal(g["last_year"]) for g in claim_groups), ZERO)),
        "balanced": total_assets == total_claims,
    }


def open_items(index_records: Iterable[dict[str, Any]], kind: str) -> dict[str, Any]:
    """Open items of one customer (kind C) or supplier (S) from its postings, oldest first: the
    documents that raised the balance (debits of a customer, credits of a supplier) are settled by the
    postings the other way in date order (FIFO; the ledger keeps no explicit matching)."""
    raise_sign = Decimal(1) if kind == "C" else Decimal(-1)
    items: list[dict[str, Any]] = []
    settled = ZERO
    balance = ZERO
    for rec in index_records:
        amount = sum((Decimal(x["debit"]) - Decimal(x["credit"]) for x in rec["lines"]), ZERO) * raise_sign
        balance += amount
        if amount > 0:
            ref = rec["ref"]
            items.append(
                {
                    "voucher_number": ref["voucher_number"],
                    "date": ref["date"],
                    "text": ref["text"],
                    "source": ref["source"],
                    "amount": amount,
                    "open": amount,
                }
            )
        elif amount < 0:
            settled += -amount
    for item in items:
        used = min(item["open"], settled)
        item["open"] -= used
        settled -= used
    open_ = [{**i, "amount": str(i["amount"]), "open": str(i["open"])} for i in items if i["open"] > 0]
    return {
        "balance": str(balance),
        "items": open_,
        "unallocated": str(settled),  # paid or credited beyond every open document
    }
