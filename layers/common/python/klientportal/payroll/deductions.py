"""Deductions from pay that are neither income nor tax (trekk i lønn), pure (decision 0941).

Each kind says what it does to the withholding basis, which account the journal credits, and where
the a-melding carries it (Skatteetaten's a-melding guidance, "Fradrag" and "Utleggstrekk"; the code
values as in Skatteetaten's own v2.3 example in github.com/Skatteetaten/api-dokumentasjon,
docs/api/innrapportering-amelding-filopplasting.md):

| kind | payslip | withholding basis | journal (credit) | a-melding |
|---|---|---|---|---|
| union_dues | Fagforeningskontingent | reduced | 2650 | fradrag `fagforeningskontingent` |
| pension_employee_share | Egenandel pensjon | reduced | 2960 (as OTP) | fradrag `premieTilPensjonsordninger` |
| garnishment | Utleggstrekk | unchanged | 2610 | utleggstrekk `utleggstrekkSkatt`, whole kroner |
| advance_repayment | Tilbakebetaling av lønnsforskudd | unchanged | 1572 (the receivable) | not reported |
| other | the line's text | unchanged | 2690 | not reported |

None of them reduces the arbeidsgiveravgift basis (the guidance says so for both fradrag). The
deductions come out of the pay after withholding; together they may not exceed it: the run is
refused (never capped) so that nobody's net pay turns negative and no trekkpålegg is silently
shortened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Literal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
Reported = Literal["fradrag", "utleggstrekk"]


@dataclass(frozen=True)
class DeductionKind:
    code: str
    label: str  # on the payslip (Norwegian)
    account: str  # credited in the journal
    reduces_withholding_basis: bool
    reported_as: Reported | None
    description: str | None  # the a-melding code value
    whole_kroner: bool = False  # utleggstrekk is reported as BeloepSomHeltall
    percent_allowed: bool = False


KINDS: dict[str, DeductionKind] = {
    k.code: k
    for k in (
        DeductionKind("union_dues", "Fagforeningskontingent", "2650", True, "fradrag", "fagforeningskontingent"),
        DeductionKind(
            "pension_employee_share",
            "Egenandel pensjon",
            "2960",
            True,
            "fradrag",
            "premieTilPensjonsordninger",
            percent_allowed=True,
        ),
        DeductionKind(
            "garnishment",
            "Utleggstrekk",
            "2610",
            False,
            "utleggstrekk",
            "utleggstrekkSkatt",
            whole_kroner=True,
            percent_allowed=True,
        ),
        DeductionKind("advance_repayment", "Tilbakebetaling av lønnsforskudd", "1572", False, None, None),
        DeductionKind("other", "Trekk i lønn", "2690", False, None, None),
    )
}


class DeductionError(ValueError):
    """A deduction that cannot be taken (the field and why)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Deduction:
    """A deduction of the period as given: an amount in kroner or a percentage (of the gross pay for a
    garnishment, of the pension basis for the employee's pension share)."""

    kind: str
    amount: Decimal | None = None
    percent: Decimal | None = None
    text: str | None = None
    account: str | None = None  # the payee's account, when the deduction is paid on from the run
    kid: str | None = None
    reference: str | None = None  # e.g. the trekkpålegg's id


@dataclass(frozen=True)
class DeductionLine:
    """A deduction taken: its amount to øre (whole kroner for a garnishment)."""

    kind: str
    label: str
    amount: Decimal
    account: str
    reported_as: Reported | None
    description: str | None
    payee_account: str | None
    kid: str | None
    reference: str | None


def resolve(deductions: Sequence[Deduction], gross: Decimal, pension_basis: Decimal) -> tuple[DeductionLine, ...]:
    """The amounts of the period's deductions. A percentage of a garnishment is of the gross pay and
    rounded down to whole kroner (never more than the pålegg); of a pension share, of the pension
    basis to øre, half up."""
    lines = []
    for i, d in enumerate(deductions):
        field = f"deductions.{i}"
        kind = KINDS.get(d.kind)
        if kind is None:
            raise DeductionError(f"{field}.kind", f"unknown deduction {d.kind!r}")
        if (d.amount is None) == (d.percent is None):
            raise DeductionError(field, "give either an amount or a percentage")
        if d.percent is not None:
            if not kind.percent_allowed:
                raise DeductionError(f"{field}.percent", f"{d.kind} is an amount, not a percentage")
            if not (Decimal(0) < d.percent <= Decimal(100)):
                raise DeductionError(f"{field}.percent", "a percentage above 0 and at most 100")
            base = gross if d.kind == "garnishment" else pension_basis
            raw = base * d.percent / 100
            rounding = ROUND_DOWN if kind.whole_kroner else ROUND_HALF_UP
            amount = raw.quantize(Decimal(1) if kind.whole_kroner else CENT, rounding=rounding)
        else:
            assert d.amount is not None
            amount = d.amount
            if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
                raise DeductionError(f"{field}.amount", "an amount in kroner above 0 with at most two decimals")
            if kind.whole_kroner and amount != amount.quantize(Decimal(1)):
                raise DeductionError(f"{field}.amount", "a garnishment (utleggstrekk) is whole kroner")
        if d.kind == "garnishment" and not (d.kid and d.account):
            raise DeductionError(field, "a garnishment is paid to the trekkpålegg's account with its KID")
        if d.kid and not d.account:
            raise DeductionError(f"{field}.account", "a KID needs the payee's account")
        if d.kind == "other" and not d.text:
            raise DeductionError(f"{field}.text", "say what the deduction is for")
        lines.append(
            DeductionLine(
                kind=d.kind,
                label=d.text if d.kind == "other" and d.text else kind.label,
                amount=amount.quantize(CENT),
                account=kind.account,
                reported_as=kind.reported_as,
                description=kind.description,
                payee_account=d.account,
                kid=d.kid,
                reference=d.reference,
            )
        )
    return tuple(lines)


def withholding_relief(lines: Sequence[DeductionLine]) -> Decimal:
    """What the deductions take off the withholding basis (union dues, the employee's pension share)."""
    return sum((x.amount for x in lines if KINDS[x.kind].reduces_withholding_basis), ZERO)


def check_room(lines: Sequence[DeductionLine], after_withholding: Decimal) -> None:
    """Refuse deductions that exceed the pay left after withholding, naming the amounts."""
    total = sum((x.amount for x in lines), ZERO)
    if total > after_withholding:
        listed = ", ".join(f"{x.label} {x.amount}" for x in lines)
        raise DeductionError(
            "deductions",
            f"the deductions ({listed}; {total} in all) exceed the pay after withholding "
            f"({after_withholding}); lower them for this period",
        )
