"""A payslip's deductions and proration as stored (decimal strings), and their sums for the run's
totals and journal entry (decisions 0940, 0941). I/O-free."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from klientportal.payroll.deductions import KINDS

if TYPE_CHECKING:  # the a-melding and payment use cases read stored slips without the calculation
    from klientportal.payroll import calculation as calc

ZERO = Decimal("0.00")

_JOURNAL_TEXT = {
    "union_dues": "Fagforeningskontingent trukket i lønn",
    "pension_employee_share": "Egenandel pensjon trukket i lønn",
    "garnishment": "Utleggstrekk",
    "advance_repayment": "Lønnsforskudd tilbakebetalt",
    "other": "Andre trekk i lønn",
}


def payslip_fields(p: calc.Payslip) -> dict[str, Any]:
    """The payslip record's fields for its deductions and a prorated salary."""
    share = p.proration
    return {
        "deductions": [
            {
                "kind": x.kind,
                "label": x.label,
                "amount": str(x.amount),
                "account": x.account,
                "reported_as": x.reported_as,
                "description": x.description,
                "payee_account": x.payee_account,
                "kid": x.kid,
                "reference": x.reference,
            }
            for x in p.deductions
        ],
        "deductions_total": str(sum((x.amount for x in p.deductions), ZERO)),
        "withholding_relief": str(p.withholding_relief),
        "proration": None
        if share is None
        else {
            "method": "working_days",
            "employed_from": share.employed_from.isoformat(),
            "employed_to": share.employed_to.isoformat(),
            "employed_working_days": share.employed_days,
            "working_days": share.month_days,
        },
    }


def totals(slips: Sequence[calc.Payslip]) -> dict[str, str]:
    """The run's deductions summed by kind (kinds with none left out)."""
    sums: dict[str, Decimal] = {}
    for p in slips:
        for x in p.deductions:
            sums[x.kind] = sums.get(x.kind, ZERO) + x.amount
    return {kind: str(amount) for kind, amount in sorted(sums.items())}


def journal_lines(by_kind: dict[str, str]) -> Iterable[tuple[str, Decimal, str]]:
    """(account, amount, text) credits of the run's deductions: the payee's liability, or for an
    advance repaid, the receivable."""
    for kind, amount in sorted(by_kind.items()):
        yield KINDS[kind].account, -Decimal(amount), _JOURNAL_TEXT[kind]


def stored_lines(slip: dict[str, Any]) -> list[dict[str, Any]]:
    """A stored payslip's deductions (older payslips have none)."""
    lines: list[dict[str, Any]] = slip.get("deductions") or []
    return lines
