"""A stored payroll run → the a-melding records (pure)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from klientportal import clock
from klientportal.formats.amelding import (
    AMelding,
    Business,
    ContributionBasis,
    Deduction,
    Employment,
    Garnishment,
    Income,
    IncomeRecipient,
)
from klientportal.payroll.deduction_records import stored_lines

OSLO = ZoneInfo("Europe/Oslo")
_PAY_FORM = {"fixed": "fast", "hourly": "time"}


def _employment(number: int, e: dict[str, Any]) -> Employment:
    return Employment(
        employment_id=f"a{number}",
        start=date.fromisoformat(e["start"]),
        end=date.fromisoformat(e["end"]) if e.get("end") else None,
        pay_form=_PAY_FORM[e["salary_form"]],
        occupation=e["occupation_code"],
        position_percent=Decimal(e["position_percentage"]),
        end_reason=e.get("end_reason"),
    )


def build_amelding(
    run: dict[str, Any],
    payslips: list[dict[str, Any]],
    national_ids: dict[int, str],
    employer_orgnr: str,
    message_id: str,
    replaces: str | None = None,
    delivered_at: datetime | None = None,
) -> AMelding:
    recipients = []
    pay_date = date.fromisoformat(run["pay_date"])
    for slip in sorted(payslips, key=lambda s: int(s["employee_number"])):
        number = int(slip["employee_number"])
        employment = _employment(number, slip["employment"])
        incomes = tuple(
            Income(
                description=i["description"],
                amount=Decimal(i["amount"]),
                triggers_contribution=True,
                in_withholding_basis=bool(i["in_withholding_basis"]),
                employment_id=employment.employment_id,
                quantity=Decimal(i["quantity"]) if i.get("quantity") else None,
            )
            for i in slip["incomes"]
        )
        taken = stored_lines(slip)
        deductions = tuple(
            Deduction(x["description"], Decimal(x["amount"])) for x in taken if x["reported_as"] == "fradrag"
        )
        garnishments = tuple(
            Garnishment(x["description"], int(Decimal(x["amount"])), pay_date)
            for x in taken
            if x["reported_as"] == "utleggstrekk"
        )
        recipients.append(
            IncomeRecipient(
                national_ids[number], (employment,), incomes, int(slip["withholding"]), deductions, garnishments
            )
        )
    bases = tuple(
        ContributionBasis(c["zone"], Decimal(c["base"]), Decimal(c["percent"]), kind=c["kind"])
        for c in run["contribution_lines"]
    )
    business = Business(run["business_orgnr"], tuple(recipients), bases)
    return AMelding(
        message_id=message_id,
        month=run["period"],
        delivered_at=(delivered_at or clock.now()).astimezone(OSLO),
        employer_orgnr=employer_orgnr,
        businesses=(business,),
        sum_withholding=int(run["totals"]["withholding"]),
        sum_employer_contribution=int(run["totals"]["contribution"]),
        replaces=replaces,
        payment_dates=((pay_date, int(run["totals"]["withholding"])),),
        sum_garnishment=sum(g.amount for r in recipients for g in r.garnishments),
    )
