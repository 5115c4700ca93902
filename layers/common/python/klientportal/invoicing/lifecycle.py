"""The invoice lifecycle as pure functions: statuses, allowed transitions, balances, reminder rules.

    draft ─issue→ issued ─send→ sent ─pay→ partly_paid / paid
                    │  └──────→ delivery_failed ─send again→ sent
                    sent / partly_paid ─remind→ reminded ─(inkassovarsel expired)→ in_collection ─pay→ paid
    any issued invoice ─credit note→ credited (when fully credited)

Delivery (`delivery.status`: submitting, submitted, delivered, failed) is tracked beside the main
status, so a receipt never moves an invoice backwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from klientportal.errors import DomainError, RuleViolation
from klientportal.invoicing.records import InvoiceStatus

if TYPE_CHECKING:  # the settings models are for the reminder rules; balances and statuses need none
    from klientportal.invoicing.settings import ReminderLaw

S = InvoiceStatus
DRAFT, ISSUED, SENT, DELIVERY_FAILED = S.DRAFT, S.ISSUED, S.SENT, S.DELIVERY_FAILED
PARTLY_PAID, PAID, REMINDED, IN_COLLECTION, CREDITED = S.PARTLY_PAID, S.PAID, S.REMINDED, S.IN_COLLECTION, S.CREDITED
#: Statuses in which the customer owes money and reminders/collection may follow.
OPEN = frozenset({SENT, PARTLY_PAID, REMINDED, IN_COLLECTION})
SENDABLE = frozenset({ISSUED, DELIVERY_FAILED})
#: Statuses in which the customer may be asked to pay.
PAYABLE = frozenset({ISSUED, SENT, DELIVERY_FAILED, PARTLY_PAID, REMINDED, IN_COLLECTION})
#: Statuses in which a payment that arrives is recorded (on a paid or credited invoice, all of it is overpaid).
RECEIVES_PAYMENT = PAYABLE | {PAID, CREDITED}
CREDITABLE = frozenset({ISSUED, SENT, DELIVERY_FAILED, PARTLY_PAID, REMINDED, IN_COLLECTION, PAID})
ZERO = Decimal("0.00")


class InvoiceFrozen(RuleViolation):
    status, slug, title = 409, "invoice-frozen", "The invoice is issued and can no longer be changed"


class InvalidTransition(RuleViolation):
    status, slug, title = 409, "invalid-invoice-transition", "The invoice is not in a state that allows this"


class TotalNotIssuable(DomainError):
    status, slug, title = 422, "invoice-total-not-issuable", "The invoice's total cannot be issued"


def require_issuable_total(kind: str, totals: dict[str, Any]) -> None:
    """An invoice's total (and what is payable) is zero or more: a negative one is a credit, made
    with a credit note on the invoice it corrects. A zero invoice may be issued (it documents a
    delivery free of charge; nothing is owed). A credit note credits something: more than zero.
    Decision 0161."""
    total, payable = Decimal(totals["tax_inclusive"]), Decimal(totals["payable"])
    if kind == "credit_note":
        if total <= 0 or payable <= 0:
            raise TotalNotIssuable(
                f"a credit note must credit more than 0.00 (its total is {total}); change its lines",
                extra={"total": str(total), "payable": str(payable)},
            )
        return
    if total < 0 or payable < 0:
        raise TotalNotIssuable(
            f"the invoice's total is {total} (payable {payable}); an invoice cannot be "
            "negative: credit the invoice it corrects with a credit note instead",
            extra={"total": str(total), "payable": str(payable)},
        )


def require(status: str, allowed: frozenset[str] | set[str], what: str) -> None:
    if status not in allowed:
        raise InvalidTransition(
            f"cannot {what} an invoice that is {status}",
            extra={"current_status": status, "allowed_from": sorted(allowed)},
        )


def require_draft(data: dict[str, Any]) -> None:
    if data["status"] != DRAFT:
        raise InvoiceFrozen(
            f"invoice {data.get('number')} is {data['status']}; correct it with a credit note",
            extra={"current_status": data["status"], "number": data.get("number")},
        )


def outstanding(data: dict[str, Any]) -> Decimal:
    """What the customer still owes on the invoice itself (fees and interest are separate claims)."""
    payable = Decimal(data.get("totals", {}).get("payable", "0"))
    return payable - Decimal(data.get("paid_amount", "0")) - Decimal(data.get("credited_amount", "0"))


def overpaid(data: dict[str, Any]) -> Decimal:
    """What the customer paid or was credited beyond the invoice's total (owed back to the customer)."""
    return max(-outstanding(data), ZERO)


def is_open(data: dict[str, Any]) -> bool:
    """Whether the invoice is in the open-invoice index: sent or dunned and something is owed."""
    return data.get("kind") == "invoice" and data["status"] in OPEN and outstanding(data) > 0


def status_after_payment(data: dict[str, Any]) -> InvoiceStatus:
    """The status once payments/credits changed: paid when nothing is owed, else keep the dunning state."""
    left = outstanding(data)
    if left <= 0:
        return CREDITED if Decimal(data.get("credited_amount", "0")) >= Decimal(data["totals"]["payable"]) else PAID
    status = InvoiceStatus(data["status"])
    if status in (REMINDED, IN_COLLECTION):
        return status
    return PARTLY_PAID if Decimal(data.get("paid_amount", "0")) > 0 else status


@dataclass(frozen=True)
class ReminderPlan:
    """What the next reminder is and what it may claim, or why there is none."""

    allowed: bool
    reason: str
    kind: str = "purring"  # purring | inkassovarsel
    fee: Decimal = ZERO
    interest: Decimal = ZERO
    new_due_date: date | None = None


def plan_reminder(
    data: dict[str, Any],
    today: date,
    law: ReminderLaw,
    *,
    fee: bool = True,
    interest: bool = True,
    on_demand: bool = False,
) -> ReminderPlan:
    """The next reminder under inkassoloven § 9 and inkassoforskriften §§ 1-2, 1-3.

    - None before the due date; a fee only from 14 days after the due date (§ 1-2). An on-demand
      reminder before that is allowed but free of charge.
    - Reminders are spaced by the deadline of the previous one (≥ 14 days).
    - The second reminder is the inkassovarsel (inkassoloven § 9: written, ≥ 14 days to pay, says
      that the claim goes to collection); fees for at most two (§ 1-3).
    """
    from klientportal.invoicing.settings import late_interest

    if data["status"] not in (SENT, PARTLY_PAID, REMINDED):
        return ReminderPlan(False, f"the invoice is {data['status']}")
    left = outstanding(data)
    if left <= 0:
        return ReminderPlan(False, "nothing is owed")
    due = date.fromisoformat(data["due_date"])
    if today <= due:
        return ReminderPlan(False, f"not yet overdue (due {due.isoformat()})")
    reminders = data.get("reminders", [])
    if reminders:
        last_deadline = date.fromisoformat(reminders[-1]["new_due_date"])
        if today <= last_deadline:
            return ReminderPlan(False, f"the last reminder's deadline {last_deadline.isoformat()} has not passed")
        if reminders[-1]["kind"] == "inkassovarsel":
            return ReminderPlan(False, "an inkassovarsel has expired: hand the claim to debt collection")
    days_overdue = (today - due).days
    if not on_demand and days_overdue < law.days_after_due_before_fee:
        return ReminderPlan(
            False,
            f"only {days_overdue} days overdue; reminders start "
            f"{law.days_after_due_before_fee} days after the due date",
        )
    fee_count = sum(1 for r in reminders if Decimal(r.get("fee", "0")) > 0)
    may_charge = fee and days_overdue >= law.days_after_due_before_fee and fee_count < law.max_fee_reminders
    kind = "inkassovarsel" if reminders else "purring"
    return ReminderPlan(
        True,
        "ok",
        kind=kind,
        fee=law.max_reminder_fee if may_charge else ZERO,
        interest=late_interest(left, law.forsinkelsesrente_percent, due, today) if interest else ZERO,
        new_due_date=today + timedelta(days=law.reminder_deadline_days),
    )


def may_start_collection(data: dict[str, Any], today: date) -> tuple[bool, str]:
    """Collection only after an inkassovarsel whose deadline (≥ 14 days) has passed (inkassoloven § 9)."""
    if data["status"] not in (SENT, PARTLY_PAID, REMINDED):
        return False, f"the invoice is {data['status']}"
    if outstanding(data) <= 0:
        return False, "nothing is owed"
    warnings = [r for r in data.get("reminders", []) if r["kind"] == "inkassovarsel"]
    if not warnings:
        return False, "an inkassovarsel must be sent first (inkassoloven § 9)"
    deadline = date.fromisoformat(warnings[-1]["new_due_date"])
    if today <= deadline:
        return False, f"the inkassovarsel's deadline {deadline.isoformat()} has not passed"
    return True, "ok"
