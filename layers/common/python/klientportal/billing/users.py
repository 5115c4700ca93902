"""ByråKlient users counted from the client's memberships (decision 0712).

A user is a client membership (client admin, client user, attester; the bureau's staff are members of
the bureau, not of the client). It counts for a month when it was active at any moment of that month
(Europe/Oslo): its active periods (kept by tenancy on each change of status, and gathered per client in
the `MEMBERS#PERIODS` item) meet the month. An invitation never accepted has no period and never
counts. Pure: the periods by user in, a number out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, time

from klientportal.billing.months import Month
from klientportal.clock import OSLO

Periods = Iterable[Mapping[str, str | None]]  # [{"from": instant, "to": instant | None}]


def _bounds(month: Month) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's first instant (Oslo)."""
    return (
        datetime.combine(month.first_day, time(), OSLO),
        datetime.combine(month.next().first_day, time(), OSLO),
    )


def active_in(periods: Periods, month: Month) -> bool:
    start, end = _bounds(month)
    for period in periods:
        since, until = period.get("from"), period.get("to")
        if since and datetime.fromisoformat(since) < end and (until is None or datetime.fromisoformat(until) > start):
            return True
    return False


def users_in_month(members: Mapping[str, Periods], month: Month) -> int:
    """The client's users of `month`: {user (sub): active periods} of its client memberships."""
    return sum(1 for periods in members.values() if active_in(periods, month))
