"""The bureau overview: every client's backlog from counters kept on write (decision 0822).

`apply` is the event-rule consumer's work for one domain event: read the audit event (its images)
and the client (its bureau) in one BatchGetItem, then add the counter change to the client's
counter item in the bureau's partition (`B#<bureau>` / `OVERVIEW#<client>`) in one transaction
with a marker per event id, so a redelivered event counts once. `overview` reads the bureau's
client list and its counter items: two queries, O(clients), no scan, nothing per client.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from klientportal.events import DomainEvent
from klientportal.repository import keys
from klientportal.repository.operational import OperationalStore
from klientportal.repository.records import Record
from klientportal.repository.store import Store
from klientportal.sync.counters import counter_change
from klientportal.tenancy.models import Membership
from klientportal.vouchers.records import QUEUES

#: Headline figures: the (entity, status) counters each one sums. Entities of routines built in
#: parallel are listed by the names their records use (docs/sync.md, "Overview counters").
ATTESTATIONS_WAITING = (("voucher", "in_attestation"), ("attestation", "pending"), ("attestation", "waiting"))
UNMATCHED_PAYMENTS = (("bank_payment", "unmatched"),)  # klientportal/bank/payments.py
PAYMENT_BATCHES_WAITING = (  # klientportal/payments/batches.py: not yet paid, rejected or cancelled
    ("payment_batch", "awaiting_approval"),
    ("payment_batch", "approved"),
    ("payment_batch", "sent"),
    ("payment_batch", "accepted"),
    ("payment_batch", "partly_rejected"),
)
OPEN_QUESTIONS = (("question", "open"),)
ANSWERED_QUESTIONS = (("question", "answered"),)

AS_OF_SEQ = "as_of_seq"  # the audit seq up to which a recount counted the client (overview_recount.py)

SortKey = Literal["backlog", "name", "vouchers", "overdue_invoices", "open_questions", "attestations_waiting"]


def apply(store: Store, ops: OperationalStore, event: DomainEvent) -> bool:
    """Count one domain event into its client's counters; False if it counted before or has nothing
    to count. Events of a bureau's own partition are not client backlog."""
    client_id = keys.client_of_partition(event.tenant)
    if client_id is None:
        return False
    got = store.get_many([(event.tenant, keys.audit_event_sk(event.seq)), (event.tenant, keys.CLIENT_SK)])
    audit, client = got[(event.tenant, keys.audit_event_sk(event.seq))], got[(event.tenant, keys.CLIENT_SK)]
    if audit is None or client is None:
        raise LookupError(f"event {event.id}: audit event or client not found (yet); retried")
    change = counter_change(json.loads(audit.extra["event"]))
    if not change.add and not change.put:
        return False
    return ops.add_once(
        keys.bureau_pk(str(client.data["bureau_id"])),
        keys.overview_sk(client_id),
        marker=f"overview#{event.id}",
        add={**change.add, "rev": 1},  # every change moves `rev`: a recount races it (overview_recount.py)
        put={**change.put, "entity": "overview_counters", "client_id": client_id},
        unless_at_least=(AS_OF_SEQ, event.seq),  # counted by a recount up to that event already
    )


@dataclass(frozen=True)
class AMeldingAnswer:
    period: str
    run_id: str | None
    message_id: str
    status: str
    findings: list[dict[str, Any]]
    findings_total: int
    at: str | None


@dataclass(frozen=True)
class PayrollStatus:
    """A client's payroll at a glance (decision 0931): runs by status, the latest a-melding message of
    each approved run by status, the latest answer with its findings, the next deadline."""

    runs_draft: int
    runs_awaiting_approval: int
    runs_approved: int
    a_meldinger_awaiting_answer: int
    a_meldinger_accepted: int
    a_meldinger_rejected: int
    latest_a_melding: AMeldingAnswer | None
    next_a_melding_deadline: str
    waiting: int  # runs awaiting approval + rejected a-meldinger: in the backlog


@dataclass(frozen=True)
class ClientBacklog:
    client_id: str
    name: str
    active: bool
    vouchers: dict[str, int]
    vouchers_waiting: int
    attestations_waiting: int
    unmatched_payments: int
    payment_batches_waiting: int
    open_questions: int
    answered_questions: int
    open_invoices: int
    overdue_invoices: int
    payslips_issued: int
    last_payslip_at: str | None
    a_meldinger_submitted: int
    last_a_melding_at: str | None
    next_a_melding_deadline: str
    backlog: int
    payroll: PayrollStatus | None = None


def _sum(counts: dict[str, Any], pairs: tuple[tuple[str, str], ...]) -> int:
    return sum(int(counts.get(f"n:{e}:{s}", 0)) for e, s in pairs)


def a_melding_deadline(today: date) -> date:
    """The a-melding of a month is due on the 5th of the next month: the next such 5th from today."""
    if today.day <= 5:
        return today.replace(day=5)
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return date(year, month, 5)


def _period_deadline(period: str) -> date:
    """The 5th of the month after `period`, moved to the next bank business day (as the reminders do)."""
    from klientportal.payments.business_days import next_business_day

    year, month = int(period[:4]), int(period[5:])
    return next_business_day(date(year + (month == 12), month % 12 + 1, 5))


def payroll_status(counts: dict[str, Any], today: date) -> PayrollStatus | None:
    """From the counters alone; None for a client that never had a payroll run."""
    runs = {s: max(0, int(counts.get(f"n:payroll_run:{s}", 0))) for s in ("draft", "awaiting_approval", "approved")}
    if not any(k.startswith(("n:payroll_run:", "afb:")) for k in counts):
        return None
    answers = [AMeldingAnswer(**json.loads(v)) for k, v in counts.items() if k.startswith("afb:")]
    latest = max(answers, key=lambda a: (a.period, a.at or ""), default=None)
    accepted = {a.period for a in answers if a.status == "accepted"}
    month = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)  # last month's first
    while today > _period_deadline(month.strftime("%Y-%m")) or month.strftime("%Y-%m") in accepted:
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)  # done or late: the next
    due = _period_deadline(month.strftime("%Y-%m"))
    awaiting = max(0, sum(int(counts.get(f"n:a_melding:{s}", 0)) for s in ("sending", "submitted")))
    rejected = max(0, int(counts.get("n:a_melding:rejected", 0)))
    return PayrollStatus(
        runs_draft=runs["draft"],
        runs_awaiting_approval=runs["awaiting_approval"],
        runs_approved=runs["approved"],
        a_meldinger_awaiting_answer=awaiting,
        a_meldinger_accepted=max(0, int(counts.get("n:a_melding:accepted", 0))),
        a_meldinger_rejected=rejected,
        latest_a_melding=latest,
        next_a_melding_deadline=due.isoformat(),
        waiting=runs["awaiting_approval"] + rejected,
    )


def backlog_of(client: dict[str, Any], counts: dict[str, Any], today: date) -> ClientBacklog:
    vouchers: dict[str, int] = {q: max(0, int(counts.get(f"n:voucher:{q}", 0))) for q in QUEUES}
    waiting = sum(vouchers[q] for q in ("received", "quarantined", "new", "to_approve", "returned", "approved", "paid"))
    due = {k[4:]: int(v) for k, v in counts.items() if k.startswith("due:")}
    today_iso = today.isoformat()
    overdue = sum(n for d, n in due.items() if d < today_iso)
    row = {
        "attestations_waiting": _sum(counts, ATTESTATIONS_WAITING),
        "unmatched_payments": _sum(counts, UNMATCHED_PAYMENTS),
        "payment_batches_waiting": _sum(counts, PAYMENT_BATCHES_WAITING),
        "open_questions": _sum(counts, OPEN_QUESTIONS),
    }
    payroll = payroll_status(counts, today)
    return ClientBacklog(
        client_id=str(client["client_id"]),
        name=str(client.get("name", "")),
        active=bool(client.get("active", True)),
        vouchers=vouchers,
        vouchers_waiting=waiting,
        answered_questions=_sum(counts, ANSWERED_QUESTIONS),
        open_invoices=sum(due.values()),
        overdue_invoices=overdue,
        payslips_issued=int(counts.get("n:payslip.issued", 0)),
        last_payslip_at=counts.get("last:payslip.issued"),
        a_meldinger_submitted=int(counts.get("n:a_melding.submitted", 0)),
        last_a_melding_at=counts.get("last:a_melding.submitted"),
        next_a_melding_deadline=a_melding_deadline(today).isoformat(),
        backlog=waiting + overdue + sum(row.values()) + (payroll.waiting if payroll else 0),
        payroll=payroll,
        **row,
    )


def _counts(rec: Record) -> dict[str, Any]:
    return {k: (int(v) if k.startswith(("n:", "due:")) else v) for k, v in rec.extra.items()}


def visible_clients(membership: Membership, accountant: Membership | None) -> set[str] | None:
    """The client ids the caller may see, narrowed to `accountant`'s assignment; None = all."""
    allowed: set[str] | None = None
    for m in (membership, accountant):
        if m is not None and m.role == "bureau_accountant" and m.assigned_clients != "all":
            ids = set(m.assigned_clients)
            allowed = ids if allowed is None else allowed & ids
    return allowed


def overview(
    store: Store,
    bureau_id: str,
    today: date,
    *,
    allowed: set[str] | None,
    sort: SortKey = "backlog",
    descending: bool = True,
) -> list[ClientBacklog]:
    clients = [r.data for r in store.query_all(keys.bureau_clients_gsi(bureau_id), index="GSI1")]
    items = store.query_all(keys.bureau_pk(bureau_id), keys.OVERVIEW_PREFIX)
    counters = {str(r.extra.get("client_id")): _counts(r) for r in items}
    rows = [
        backlog_of(c, counters.get(str(c["client_id"]), {}), today)
        for c in clients
        if allowed is None or c["client_id"] in allowed
    ]
    if sort == "name":
        rows.sort(key=lambda r: (r.name.lower(), r.client_id), reverse=descending)
    elif sort == "vouchers":
        rows.sort(key=lambda r: (r.vouchers_waiting, r.client_id), reverse=descending)
    else:
        rows.sort(key=lambda r: (getattr(r, sort), r.client_id), reverse=descending)
    return rows
