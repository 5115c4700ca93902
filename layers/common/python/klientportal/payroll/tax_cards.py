"""Which employees to order tax cards for, and which answers to accept.

Every fetch notifies the employee, so people who have left are never ordered (their last card is
kept). An answer is accepted only for a national id that was ordered and for the employer that
ordered it: a card issued to another employer is refused, and none of the order's answers is kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from klientportal.adapters.skattekort import OrderKind, TaxCard, TaxCardOrder


class TaxCardRefused(ValueError):
    """The service's answer cannot be used (which employee, why)."""

    def __init__(self, national_id_masked: str, reason: str) -> None:
        super().__init__(f"{national_id_masked}: {reason}")
        self.national_id_masked = national_id_masked
        self.reason = reason


@dataclass(frozen=True)
class Employed:
    employee_number: int
    national_id: str
    employment_end: date | None


def has_left(e: Employed, on: date) -> bool:
    return e.employment_end is not None and e.employment_end < on


def order_for(
    employer_orgnr: str, income_year: int, employees: Iterable[Employed], on: date, kind: OrderKind
) -> tuple[TaxCardOrder, tuple[Employed, ...]]:
    """The order for the employees still employed on `on` (and who they are)."""
    current = tuple(e for e in employees if not has_left(e, on))
    ids = tuple(e.national_id for e in current)
    return TaxCardOrder(employer_orgnr, income_year, ids, kind), current


def accept(order: TaxCardOrder, cards: Iterable[TaxCard]) -> tuple[TaxCard, ...]:
    """The answers, checked against the order; raises TaxCardRefused for the first that is not ours."""
    ordered = set(order.national_ids)
    accepted = []
    for card in cards:
        masked = card.national_id[:6] + "*****"
        if card.national_id not in ordered:
            raise TaxCardRefused(masked, "the answer names an employee who was not in the order")
        if card.employer_orgnr != order.employer_orgnr:
            raise TaxCardRefused(masked, f"the tax card is for another employer ({card.employer_orgnr})")
        if card.income_year != order.income_year:
            raise TaxCardRefused(masked, f"the tax card is for {card.income_year}, not {order.income_year}")
        accepted.append(card)
    return tuple(accepted)
