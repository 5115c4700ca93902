"""An approved run's payments as payment-batch lines (decision 0921), I/O-free.

Net pay: one line per employee with pay to their account, message "Lønn <period>". Forskuddstrekk
and arbeidsgiveravgift: one line each to the tax office's account with the employer's KID for that
tax (payroll settings), never merged: the tax authority books a payment by its KID. Deductions paid
on (decision 0941): a garnishment per employee to the trekkpålegg's account with its KID; other
deductions that name a payee account summed per account and KID (e.g. one union-dues payment a
month); deductions without one stay on their liability account. Lines have the voucher line's
shape (`payments.batches.batch_of_lines`); `voucher_id` is the line's id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from klientportal.errors import FieldError
from klientportal.payments import content
from klientportal.payments.business_days import is_business_day, next_business_day
from klientportal.payroll.deduction_records import stored_lines

TAX_PAYEE = "Skatteetaten"


def batch_id(client_id: str, run_id: str) -> str:
    """The run's one batch: the same id on every attempt, so a retry can never make a second."""
    return "pb-" + hashlib.sha256(f"payroll#{client_id}#{run_id}".encode()).hexdigest()[:16]


def missing_settings(run: dict[str, Any], settings: dict[str, Any]) -> list[FieldError]:
    """What the settings lack for the run's tax payments (checked before the approval writes)."""
    t = run["totals"]
    needed = []
    if Decimal(t["withholding"]) or Decimal(t["contribution"]):
        needed.append("tax_account")
    if Decimal(t["withholding"]):
        needed.append("withholding_kid")
    if Decimal(t["contribution"]):
        needed.append("contribution_kid")
    return [
        FieldError(f"payroll_settings.{n}", "needed to pay the tax authority; set it in the payroll settings")
        for n in needed
        if not settings.get(n)
    ]


def execution_date(pay_date: date, today: date) -> date:
    """The pay date, or the last bank business day before it (pay must be there on the day); never
    before today (then the next business day)."""
    day = pay_date
    while not is_business_day(day) and day > today:
        day -= timedelta(days=1)
    return next_business_day(max(day, today))


def _line(line_id: str, payee: str, amount: Decimal, account: str, due: str, **reference: Any) -> dict[str, Any]:
    text = f"{amount.quantize(Decimal('0.01'))}"
    return {
        "due_date": due,
        "voucher_id": line_id,
        "supplier_name": payee,
        "amount": text,
        "amount_ore": content.to_ore(text),
        "currency": "NOK",
        "creditor_account": {"bban": account},
        "status": "pending",
        **reference,
    }


def _deduction_lines(run: dict[str, Any], slips: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    run_id, period = run["run_id"], run["period"]
    lines: list[dict[str, Any]] = []
    pooled: dict[tuple[str, str, str | None], Decimal] = {}
    for s in slips:
        n = int(s["employee_number"])
        for i, x in enumerate(stored_lines(s)):
            if not x.get("payee_account"):
                continue
            if x["kind"] == "garnishment":
                lines.append(
                    _line(
                        f"trekk-{run_id}-{n:06d}-{i}",
                        "Utleggstrekk",
                        Decimal(x["amount"]),
                        x["payee_account"],
                        run["pay_date"],
                        kid=x["kid"],
                        kind="utleggstrekk",
                        employee_number=n,
                    )
                )
            else:
                key = (x["label"], x["payee_account"], x.get("kid"))
                pooled[key] = pooled.get(key, Decimal(0)) + Decimal(x["amount"])
    ordered = sorted(pooled.items(), key=lambda p: (p[0][0], p[0][1], p[0][2] or ""))
    for j, ((label, account, kid), amount) in enumerate(ordered):
        reference: dict[str, Any] = {"kid": kid} if kid else {"message": f"{label} {period}"}
        lines.append(
            _line(f"trekk-{run_id}-pool-{j}", label, amount, account, run["pay_date"], kind="deduction", **reference)
        )
    return lines


def payment_lines(
    run: dict[str, Any], slips: Sequence[dict[str, Any]], settings: dict[str, Any]
) -> list[dict[str, Any]]:
    """Net pay per employee and the two tax payments; amounts of zero are no payment."""
    run_id, period = run["run_id"], run["period"]
    lines = [
        _line(
            f"lonn-{run_id}-{int(s['employee_number']):06d}",
            str(s["name"]),
            Decimal(s["net"]),
            str(s["bank_account"]),
            run["pay_date"],
            message=f"Lønn {period}",
            kind="net_pay",
            employee_number=int(s["employee_number"]),
        )
        for s in slips
        if Decimal(s["net"]) > 0
    ]
    lines += _deduction_lines(run, slips)
    t = run["totals"]
    for kind, amount, kid in (
        ("forskuddstrekk", Decimal(t["withholding"]), settings.get("withholding_kid")),
        ("arbeidsgiveravgift", Decimal(t["contribution"]), settings.get("contribution_kid")),
    ):
        if amount > 0:
            lines.append(
                _line(
                    f"skatt-{run_id}-{kind}",
                    TAX_PAYEE,
                    amount,
                    str(settings["tax_account"]),
                    run["pay_date"],
                    kid=kid,
                    kind=kind,
                )
            )
    return lines
