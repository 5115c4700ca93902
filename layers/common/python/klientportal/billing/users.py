"""ByråKlient users counted from the client's memberships (decision 0712).

A user is a client membership (client admin, client user, attester; the bureau's staff are not the
client's users). It counts for a month when it was active at any moment of that month (Europe/Oslo):
the membership's `active_periods` (kept by tenancy on each change of status) meet the month. An
invitation never accepted never counts. Pure: the stored membership data in, a number out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time
from typing import Any

from klientportal.billing.months import Month
from klientportal.clock import OSLO


def _bounds(month: Month) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's first instant (Oslo)."""
    return (
        datetime.combine(month.first_day, time(), OSLO),
        datetime.combine(month.next().first_day, time(), OSLO),
    )


def _periods(data: dict[str, Any], created_at: str, updated_at: str) -> list[tuple[str, str | None]]:
    if "active_periods" in data:
        return [(str(p["from"]), p.get("to")) for p in data["active_periods"] or []]
    # written before the periods were kept: active since it was created; disabled at its last change
    if data.get("status") == "active":
        return [(created_at, None)] if created_at else []
    if data.get("status") == "disabled" and created_at and updated_at:
        return [(created_at, updated_at)]
    return []


def active_in(periods: Iterable[tuple[str, str | None]], month: Month) -> bool:
    start, end = _bounds(month)
    return any(
        datetime.fromisoformat(since) < end and (until is None or datetime.fromisoformat(until) > start)
        for since, until in periods
    )


def users_in_month(memberships: Iterable[tuple[dict[str, Any], str, str]], month: Month) -> int:
    """The client's users of `month`: (membership data, created_at, updated_at) of its client members."""
    counted = {
        str(data["sub"])
        for data, created_at, updated_at in memberships
        if data.get("scope") == "client" and active_in(_periods(data, created_at, updated_at), month)
    }
    return len(counted)
