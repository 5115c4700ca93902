"""Time in Klientportal: instants are stored in UTC, business dates are Europe/Oslo.

Outside AWS the clock can be moved, so that reminders, collection and schedules can be tried
without waiting: `KP_CLOCK` at start (an ISO date `2027-01-15`, an instant `2027-01-15T08:00+01:00`
or an offset `+30d` / `-2h`), or `set_clock` while running (the local stack's `/_local/clock`).
The moved clock keeps running from where it was set. In AWS (a Lambda runtime, or
KP_DELIVERY_MODE=aws) the override is ignored: a deployed function always uses real time.
"""

from __future__ import annotations

import logging
import os
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")
CLOCK_VAR = "KP_CLOCK"
_RELATIVE = re.compile(r"^([+-])(\d{1,6})([dhm])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
_offset: timedelta | None = None  # None: KP_CLOCK not read yet
_setting: str | None = None


class ClockError(ValueError):
    """An override that cannot be read, or one given where real time is required."""


def in_aws() -> bool:
    """True in a deployed function: there the clock is never moved."""
    return "AWS_LAMBDA_FUNCTION_NAME" in os.environ or os.environ.get("KP_DELIVERY_MODE") == "aws"


def _real_now() -> datetime:
    return datetime.now(UTC)


def now() -> datetime:
    """The current instant, timezone-aware UTC (moved by the local clock override, if any)."""
    global _offset
    if _offset is None:
        _offset = _offset_from_env()
    return _real_now() + _offset


def today_oslo(at: datetime | None = None) -> date:
    """The business date in Norway at `at` (default: now)."""
    return (at or now()).astimezone(OSLO).date()


def iso(at: datetime) -> str:
    """An instant as ISO 8601 UTC with milliseconds, e.g. 2026-11-27T21:39:04.123Z."""
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def target(spec: str, real: datetime) -> datetime:
    """The instant `spec` names, seen at the real instant `real`: a date keeps the time of day
    in Oslo, a naive instant is Oslo time, an offset is added to `real`."""
    spec = spec.strip()
    if m := _RELATIVE.match(spec):
        delta = timedelta(**{_UNITS[m[3]]: int(m[2])})
        return real + delta if m[1] == "+" else real - delta
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", spec):
            day = date.fromisoformat(spec)
            local = real.astimezone(OSLO)
            return datetime.combine(day, time(local.hour, local.minute, local.second), OSLO)
        moment = datetime.fromisoformat(spec)
    except ValueError:
        raise ClockError(
            f"{CLOCK_VAR}={spec!r}: give a date (2027-01-15), an instant "
            "(2027-01-15T08:00+01:00) or an offset (+30d, -2h, +90m)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=OSLO)


def set_clock(spec: str | None) -> datetime:
    """Move the clock to `spec` (see `target`), or back to real time with None; returns now()."""
    global _offset, _setting
    if in_aws():
        raise ClockError("the clock cannot be moved in AWS")
    real = _real_now()
    _offset = timedelta(0) if spec is None else target(spec, real) - real
    _setting = spec
    return now()


def describe() -> str:
    """One line for the local banner: real time, or where the clock was moved to."""
    current = now()
    if not _offset:
        return f"real time (move it with {CLOCK_VAR}=2027-01-15 or +30d)"
    return f"moved to {current.astimezone(OSLO):%Y-%m-%d %H:%M} Europe/Oslo ({_setting}), running on"


def _offset_from_env() -> timedelta:
    global _setting
    spec = os.environ.get(CLOCK_VAR, "").strip()
    if not spec:
        return timedelta(0)
    if in_aws():
        logging.getLogger(__name__).warning("%s=%s ignored: a deployed function uses real time", CLOCK_VAR, spec)
        return timedelta(0)
    real = _real_now()
    _setting = spec
    return target(spec, real) - real
