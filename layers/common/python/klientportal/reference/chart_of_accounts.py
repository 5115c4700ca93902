"""Klientportal's standard chart of accounts for an AS, in NS 4102 style.

Names are our own (data/reference/chart_of_accounts.csv). Each account maps to a SAF-T
4-character standard account (Regnskap Norge's list, used for that mapping only) and may carry
a default VAT code from `vat_codes`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from klientportal.reference._data import rows

__all__ = ["Account", "AccountType", "get_account", "standard_chart"]


class AccountType(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"


@dataclass(frozen=True, slots=True)
class Account:
    """One ledger account: 4-digit number, Norwegian name, type, default VAT code, SAF-T mapping."""

    number: str
    name: str
    type: AccountType
    default_vat_code: str | None
    standard_account_id: str

    @property
    def is_balance_sheet(self) -> bool:
        """Classes 1 and 2 are balance sheet accounts; 3 to 8 are profit and loss."""
        return self.number[0] in "12"


def _parse(row: dict[str, str]) -> Account:
    return Account(
        number=row["number"],
        name=row["name"],
        type=AccountType(row["type"]),
        default_vat_code=row["vat_code"] or None,
        standard_account_id=row["standard_account"],
    )


@cache
def standard_chart() -> tuple[Account, ...]:
    """All accounts of the standard chart, ordered by number (loaded once)."""
    return tuple(sorted((_parse(row) for row in rows("chart_of_accounts.csv")), key=lambda a: a.number))


@cache
def _by_number() -> dict[str, Account]:
    return {account.number: account for account in standard_chart()}


def get_account(number: str) -> Account | None:
    """The account `number` (e.g. "3000"), or None if the chart has none."""
    return _by_number().get(number)
