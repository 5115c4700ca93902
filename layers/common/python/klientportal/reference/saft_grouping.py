"""SAF-T Financial 1.30 grouping: Skatteetaten's næringsspesifikasjon codes (GroupingCategory and
GroupingCode, data/reference/saft_naeringsspesifikasjon.csv; a conformance test keeps it equal to
the published list) and the default grouping of a standard account: the code equal to its SAF-T
standard account, when the list has one — nothing is guessed beyond that (decision 0803)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from klientportal.reference._data import rows
from klientportal.reference.chart_of_accounts import get_account


@dataclass(frozen=True, slots=True)
class Grouping:
    category: str
    code: str
    description: str


@cache
def groupings() -> dict[str, Grouping]:
    """Every næringsspesifikasjon code by code (codes are unique across categories)."""
    return {
        r["code"]: Grouping(r["category"], r["code"], r["description"]) for r in rows("saft_naeringsspesifikasjon.csv")
    }


def grouping(category: str, code: str) -> Grouping | None:
    found = groupings().get(code)
    return found if found is not None and found.category == category else None


def default_grouping(account: str) -> Grouping | None:
    """The grouping of a standard account whose SAF-T standard account is itself a code, else None."""
    standard = get_account(account)
    return groupings().get(standard.standard_account_id) if standard else None
