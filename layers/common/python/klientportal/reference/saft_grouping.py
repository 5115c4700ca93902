"""SAF-T Financial 1.30 grouping: Skatteetaten's næringsspesifikasjon codes (GroupingCategory and
GroupingCode, data/reference/saft_naeringsspesifikasjon.csv; a conformance test keeps it equal to
the published list) and the default grouping of every account of the standard chart (decision 0810).

Skatteetaten publishes the codes but no mapping from accounts to them. The default of an account is
derived where the list allows it: the code equal to the account's SAF-T standard account, when the
list has that code and it means the same; for every other account (and the two whose number means
something else in the list: 6750, 8159) a reviewed choice in data/reference/saft_grouping_reviewed.csv,
one line per account with its reason. The category is always the list's own for the code. An account
of the chart without either (or a client's own account) has no default: the bureau maps it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from klientportal.reference._data import rows
from klientportal.reference.chart_of_accounts import get_account


@dataclass(frozen=True, slots=True)
class Grouping:
    category: str
    code: str
    description: str


@dataclass(frozen=True, slots=True)
class DefaultGrouping:
    """A standard account's default: `grouping`, or `credit` when its closing balance is a credit
    (8320 endring i utsatt skatt: an increase and a decrease have two codes in the list)."""

    grouping: Grouping
    credit: Grouping | None
    basis: str  # "number" (the list's code is the standard account) or "reviewed"
    why: str

    def for_balance(self, closing: Decimal) -> Grouping:
        return self.credit if self.credit is not None and closing < 0 else self.grouping


@cache
def groupings() -> dict[str, Grouping]:
    """Every næringsspesifikasjon code by code (codes are unique across categories)."""
    return {
        r["code"]: Grouping(r["category"], r["code"], r["description"]) for r in rows("saft_naeringsspesifikasjon.csv")
    }


def grouping(category: str, code: str) -> Grouping | None:
    found = groupings().get(code)
    return found if found is not None and found.category == category else None


@cache
def reviewed() -> dict[str, tuple[str, str | None, str]]:
    """The reviewed choices: account → (code, code for a credit balance or None, why)."""
    return {r["number"]: (r["code"], r["credit_code"] or None, r["why"]) for r in rows("saft_grouping_reviewed.csv")}


@cache
def default_of(account: str) -> DefaultGrouping | None:
    """The default grouping of a standard account, or None (not in the chart, or not mapped)."""
    standard = get_account(account)
    if standard is None:
        return None
    codes = groupings()
    choice = reviewed().get(account)
    if choice is not None:
        code, credit, why = choice
        return DefaultGrouping(codes[code], codes[credit] if credit else None, "reviewed", why)
    found = codes.get(standard.standard_account_id)
    return DefaultGrouping(found, None, "number", "the list's code is the standard account") if found else None


def default_grouping(account: str) -> Grouping | None:
    """The default grouping of a standard account (for a debit balance), or None."""
    found = default_of(account)
    return found.grouping if found else None
