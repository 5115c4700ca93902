"""Time in Klientportal: instants are stored in UTC, business dates are Europe/Oslo."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


def now() -> datetime:
    """The current instant, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def today_oslo(at: datetime | None = None) -> date:
    """The business date in Norway at `at` (default: now)."""
    return (at or now()).astimezone(OSLO).date()


def iso(at: datetime) -> str:
    """An instant as ISO 8601 UTC with milliseconds, e.g. 2026-11-27T21:39:04.123Z."""
    return at.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
