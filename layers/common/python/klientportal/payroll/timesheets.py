"""Hours per employee and ISO week (decision 0922): registered, submitted, approved, then locked.

One item per employee and week holds the week's entries and its status, so a lock and the entries
it locks are one versioned write: hours can never be added to a week after it was submitted or
approved (409 `week-locked`). Entries are checked against the week: dates inside it and inside the
employment, more than 0 and at most 24 hours each, at most 24 hours a day; billable hours name a
customer, and every customer number is one of the register's (one batch read with the week and the
employee). Approved weeks are the payroll basis of hourly employees (`approved_hours`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from klientportal import clock
from klientportal.api.types import Date, Flag, Integer, SingleLine, decimal_type
from klientportal.errors import FieldError, InvalidInput, NotFound, RuleViolation, StaleVersion
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Change, Store

WEEK_PATTERN = r"^20[0-9]{2}-W(0[1-9]|[1-4][0-9]|5[0-3])$"
if TYPE_CHECKING:
    DayHours = Decimal
else:
    DayHours = Annotated[
        decimal_type(2, 2, signed=False, description="hours: decimal string, at most 2 decimals"),
        Field(gt=0, le=24),
    ]
MAX_DAY = Decimal(24)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class HourEntryIn(_In):
    date: Date
    hours: DayHours
    overtime: Flag = False
    project: Annotated[str, StringConstraints(min_length=1, max_length=20), SingleLine] | None = None
    activity: Annotated[str, StringConstraints(min_length=1, max_length=50), SingleLine] | None = None
    customer_number: Integer | None = Field(
        default=None, ge=1, le=999_999_999, description="a customer of the register; required when billable"
    )
    billable: Flag = False
    comment: Annotated[str, StringConstraints(max_length=200), SingleLine] | None = None


class WeekIn(_In):
    """The week's entries, all of them (the week is replaced); `version` as read (0 for a new week)."""

    version: Integer = Field(ge=0)
    entries: list[HourEntryIn] = Field(max_length=200)


class WeekLocked(RuleViolation):
    slug, title = "week-locked", "The week is submitted or approved: its hours are locked"


def week_days(week: str) -> tuple[date, date]:
    """Monday and Sunday of an ISO week `yyyy-Www`; InvalidInput for a week the year does not have."""
    try:
        monday = date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
    except ValueError:
        raise InvalidInput(f"{week} is not a week of {week[:4]}", [FieldError("week", "no such ISO week")]) from None
    return monday, monday + timedelta(days=6)


def check_entries(
    week: str,
    entries: list[HourEntryIn],
    employment: tuple[date, date | None] | None = None,
    customers: frozenset[int] | None = None,
) -> None:
    """Dates inside the week (and the `employment`, start to end), at most 24 hours a day, billable
    hours for a customer and every customer number one of `customers` (the register's), or
    InvalidInput naming each entry at fault."""
    monday, sunday = week_days(week)
    problems = [
        FieldError(f"entries.{i}.date", f"{e.date.isoformat()} is not in week {week}")
        for i, e in enumerate(entries)
        if not monday <= e.date <= sunday
    ]
    if employment is not None:
        start, end = employment
        for i, e in enumerate(entries):
            if e.date < start:
                problems.append(FieldError(f"entries.{i}.date", f"{e.date} is before the employment starts ({start})"))
            elif end is not None and e.date > end:
                problems.append(FieldError(f"entries.{i}.date", f"{e.date} is after the employment ended ({end})"))
    for i, e in enumerate(entries):
        if e.customer_number is None:
            if e.billable:
                problems.append(FieldError(f"entries.{i}.customer_number", "billable hours need the customer"))
        elif customers is not None and e.customer_number not in customers:
            problems.append(FieldError(f"entries.{i}.customer_number", f"no customer {e.customer_number}"))
    per_day: dict[date, Decimal] = defaultdict(Decimal)
    for i, e in enumerate(entries):
        per_day[e.date] += e.hours
        if per_day[e.date] > MAX_DAY:
            problems.append(
                FieldError(f"entries.{i}.hours", f"{per_day[e.date]} hours on {e.date.isoformat()}: at most 24 a day")
            )
    if problems:
        raise InvalidInput(f"the hours of week {week} were not saved", problems)


class Timesheets:
    """The client's hours (one service per client, as the other payroll use cases)."""

    def __init__(self, store: Store, client_id: str) -> None:
        self.store = store
        self.pk = keys.client_pk(client_id)

    def _employee(self, employee_number: int) -> Record:
        rec = self.store.get(self.pk, keys.register_sk("employee", employee_number))
        if rec is None:
            raise NotFound(f"no employee {employee_number}")
        return rec

    def _week(self, employee_number: int, week: str) -> Record | None:
        week_days(week)
        return self.store.get(self.pk, keys.timesheet_sk(employee_number, week))

    def get(self, employee_number: int, week: str) -> dict[str, Any]:
        rec = self._week(employee_number, week)
        if rec is None:
            self._employee(employee_number)
            return {"employee_number": employee_number, "week": week, "status": "open", "entries": [], "version": 0}
        return {**rec.data, "version": rec.version}

    def put(self, employee_number: int, week: str, body: WeekIn, actor: Actor) -> dict[str, Any]:
        week_days(week)
        week_key = (self.pk, keys.timesheet_sk(employee_number, week))
        employee_key = (self.pk, keys.register_sk("employee", employee_number))
        numbers = sorted({e.customer_number for e in body.entries if e.customer_number is not None})
        customer_keys = {n: (self.pk, keys.register_sk("customer", n)) for n in numbers}
        found = self.store.get_many([week_key, employee_key, *customer_keys.values()])  # one batch
        rec, employee = found[week_key], found[employee_key]
        if employee is None:
            raise NotFound(f"no employee {employee_number}")
        if rec is not None and rec.data["status"] != "open":
            raise WeekLocked(
                f"week {week} of employee {employee_number} is {rec.data['status']}; its hours cannot change",
                [FieldError("week", rec.data["status"])],
                extra={"current_status": rec.data["status"]},
            )
        current = rec.version if rec else 0
        if body.version != current:
            raise StaleVersion(
                f"the week is at version {current}, you sent {body.version}; reload and try again",
                extra={"current_version": current},
            )
        end = employee.data.get("employment_end")
        employment = (date.fromisoformat(employee.data["employment_start"]), date.fromisoformat(end) if end else None)
        customers = frozenset(n for n, k in customer_keys.items() if found[k] is not None)
        check_entries(week, body.entries, employment, customers)
        entries = [
            {**e.model_dump(mode="json"), "hours": str(e.hours), "entry_id": f"{week}-{i + 1}"}
            for i, e in enumerate(sorted(body.entries, key=lambda e: e.date))
        ]
        data = {"employee_number": employee_number, "week": week, "status": "open", "entries": entries}
        after = (
            Record(self.pk, keys.timesheet_sk(employee_number, week), "timesheet", data)
            if rec is None
            else replace(rec, data=data)
        )
        saved = self.store.write(self.pk, [Change(rec, after, "hours.registered")], actor)[0]
        return {**saved.data, "version": saved.version}

    def _move(self, employee_number: int, week: str, frm: str, to: str, actor: Actor, action: str) -> dict[str, Any]:
        rec = self._week(employee_number, week)
        if rec is None or not rec.data["entries"]:
            raise RuleViolation(f"week {week} of employee {employee_number} has no hours")
        if rec.data["status"] != frm:
            raise RuleViolation(
                f"week {week} is {rec.data['status']}, not {frm}",
                [FieldError("status", rec.data["status"])],
                extra={"current_status": rec.data["status"]},
            )
        data = {**rec.data, "status": to, to: {"at": clock.iso(clock.now()), "by": actor.email or actor.sub}}
        saved = self.store.write(self.pk, [Change(rec, replace(rec, data=data), action)], actor)[0]
        return {**saved.data, "version": saved.version}

    def submit(self, employee_number: int, week: str, actor: Actor) -> dict[str, Any]:
        return self._move(employee_number, week, "open", "submitted", actor, "hours.week_submitted")

    def approve(self, employee_number: int, week: str, actor: Actor) -> dict[str, Any]:
        return self._move(employee_number, week, "submitted", "approved", actor, "hours.week_approved")

    def approved_hours(
        self,
        first: date,
        last: date,
        employed: Mapping[int, tuple[date, date | None]] | None = None,
        outside: dict[int, list[date]] | None = None,
    ) -> dict[int, tuple[Decimal, Decimal]]:
        """Per employee: (hours, overtime hours) of approved weeks on days from `first` to `last`.
        With `employed` (start, end per employee), hours on a day outside the employment are not
        counted but listed in `outside`, for the caller to refuse (nobody is paid after leaving)."""
        out: dict[int, tuple[Decimal, Decimal]] = {}
        for rec in self.store.query_all(self.pk, keys.TIMESHEET_PREFIX):
            if rec.data["status"] != "approved":
                continue
            n = int(rec.data["employee_number"])
            hours, overtime = out.get(n, (Decimal(0), Decimal(0)))
            window = (employed or {}).get(n)
            for e in rec.data["entries"]:
                on = date.fromisoformat(e["date"])
                if window and first <= on <= last and (on < window[0] or (window[1] and on > window[1])):
                    if outside is not None:
                        outside.setdefault(n, []).append(on)
                    continue
                if first <= on <= last:
                    if e["overtime"]:
                        overtime += Decimal(e["hours"])
                    else:
                        hours += Decimal(e["hours"])
            if hours or overtime:
                out[n] = (hours, overtime)
        return out
