"""Scheduled reminder run (EventBridge schedule "invoice-reminders"; locally POST
/_local/schedules/invoice-reminders). The event's `detail.today` (YYYY-MM-DD) overrides the date,
for tests and catch-up runs."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from klientportal import clock
from klientportal.bootstrap import invocation
from klientportal.invoicing.dunning import run_reminders
from klientportal.invoicing.settings import ReminderLaw
from klientportal.observability import instrumented, logger
from klientportal.repository.store import SYSTEM

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def _handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    detail = event.get("detail") or {}
    today = date.fromisoformat(detail["today"]) if detail.get("today") else clock.today_oslo()
    inv = invocation()
    result = run_reminders(inv.store, inv.delivery, today, ReminderLaw.from_env(), SYSTEM)
    logger.info("reminder run", extra={"today": today.isoformat(), **result})
    return {"today": today.isoformat(), **result}


lambda_handler = instrumented(_handle)
