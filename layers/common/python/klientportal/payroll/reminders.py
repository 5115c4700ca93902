"""Reminders of the a-melding deadline (decision 0923): the 5th of the month after the pay month,
moved to the next working day when it falls on a weekend or public holiday.

Each day from `DAYS_BEFORE` days before the deadline up to the deadline, every client with payroll
settings whose a-melding for the month is not accepted gets an e-mail to its active client admins
saying what is missing (no run, not approved, not submitted, waiting for the answer, rejected). A
reminder is recorded (`PAYREMIND#<month>#<day>`, created only if absent) before it is sent: a
retried schedule sends nothing twice on a day.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from klientportal.adapters.email import Mail
from klientportal.errors import AlreadyExists
from klientportal.observability import logger
from klientportal.payments.business_days import next_business_day
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Store
from klientportal.tenancy.repository import TenancyRepository

DAYS_BEFORE = 3
_STATE_TEXT = {
    "no_run": "ingen lønnskjøring er gjort for måneden",
    "computed": "lønnskjøringen er ikke godkjent",
    "approved": "a-meldingen er ikke sendt inn",
    "sending": "innsendingen ble avbrutt; send på nytt",
    "submitted": "a-meldingen venter på svar fra Skatteetaten; hent status",
    "rejected": "a-meldingen ble avvist; rett og send på nytt",
}


def deadline(period: str) -> date:
    """The a-melding deadline of pay month `period` (yyyy-mm)."""
    year, month = int(period[:4]), int(period[5:])
    fifth = date(year + (month == 12), month % 12 + 1, 5)
    return next_business_day(fifth)


def previous_month(today: date) -> str:
    first = today.replace(day=1) - timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


def a_melding_state(store: Store, client_id: str, period: str) -> str:
    """no_run, computed, approved (not submitted), sending, submitted, rejected or accepted."""
    pk = keys.client_pk(client_id)
    period_rec = store.get(pk, keys.payroll_period_sk(period))
    if period_rec is None:
        return "no_run"
    if period_rec.data["status"] != "approved":
        return "computed"
    run = store.get(pk, keys.payroll_run_sk(period_rec.data["run_id"]))
    submissions = (run.data.get("submissions") if run else None) or []
    return str(submissions[-1]["status"]) if submissions else "approved"


def run_reminders(store: Store, mailer: Any, sender: str, today: date, actor: Actor) -> dict[str, int]:
    period = previous_month(today)
    due = deadline(period)
    if not due - timedelta(days=DAYS_BEFORE) <= today <= due:
        return {"clients": 0, "reminded": 0, "mails": 0}
    clients = [r.gsi1sk or "" for r in store.query_all(keys.PAYROLL_CLIENTS_GSI, index="GSI1")]
    reminded = mails = 0
    tenancy = TenancyRepository(store)
    for client_id in clients:
        state = a_melding_state(store, client_id, period)
        if state == "accepted":
            continue
        pk = keys.client_pk(client_id)
        note = {"period": period, "deadline": due.isoformat(), "state": state, "day": today.isoformat()}
        try:
            store.create(
                Record(pk, keys.a_melding_reminder_sk(period, today.isoformat()), "a_melding_reminder", note),
                actor,
                "payroll.a_melding_reminder",
            )
        except AlreadyExists:
            continue  # sent today already
        reminded += 1
        admins = [m for m in tenancy.members("client", client_id) if m.status == "active" and m.role == "client_admin"]
        body = (
            f"Hei,\n\nFristen for a-meldingen for {period} er {due.strftime('%d.%m.%Y')}. "
            f"Status i Klientportalen: {_STATE_TEXT.get(state, state)}.\n"
        )
        for m in admins:
            try:
                mailer.send(
                    Mail(
                        to=m.email,
                        subject=f"Påminnelse: a-meldingen for {period} har frist {due.strftime('%d.%m.%Y')}",
                        body=body,
                        from_address=sender,
                        reference=f"a-melding-{client_id}-{period}",
                    )
                )
                mails += 1
            except Exception:  # one address that fails must not stop the others; the reminder is recorded
                logger.exception("a-melding reminder not sent", extra={"client_id": client_id})
    return {"clients": len(clients), "reminded": reminded, "mails": mails}
