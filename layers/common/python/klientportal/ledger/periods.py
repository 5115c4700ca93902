"""Closing and reopening months of the ledger. A closed month takes no postings (journal_changes
refuses them); it can be reopened unless a later month is closed (reopen the latest first)."""

from __future__ import annotations

import re
from typing import Any

from klientportal import clock
from klientportal.errors import FieldError, InvalidInput, RuleViolation
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Change, Store

_PERIOD = re.compile(r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$")


def checked_period(period: str, field: str = "period") -> str:
    if not _PERIOD.match(period):
        raise InvalidInput("not a period", [FieldError(field, "a month as YYYY-MM")])
    return period


def periods(store: Store, pk: str) -> list[Record]:
    return store.query_all(pk, keys.LEDGER_PERIOD_PREFIX)


def view(rec: Record | None, period: str) -> dict[str, Any]:
    data: dict[str, Any] = rec.data if rec else {"period": period, "status": "open", "entries": 0, "total": "0.00"}
    return {
        "period": period,
        "status": data.get("status", "open"),
        "entries": int(data.get("entries", 0)),
        "total": data.get("total", "0.00"),
        "closed_at": data.get("closed_at"),
        "closed_by": data.get("closed_by"),
        "version": rec.version if rec else 0,
    }


def close(store: Store, pk: str, period: str, actor: Actor) -> Record:
    checked_period(period)
    rec = store.get(pk, keys.ledger_period_sk(period))
    if rec is not None and rec.data.get("status") == "closed":
        raise RuleViolation(f"the period {period} is closed already", extra={"period": period})
    data = {
        "period": period,
        "entries": 0,
        "total": "0.00",
        **(rec.data if rec else {}),
        "status": "closed",
        "closed_at": clock.iso(clock.now()),
        "closed_by": actor.email or actor.sub,
    }
    change = (
        Change(rec, rec.with_data(data), "ledger_period.closed")
        if rec
        else Change(None, Record(pk, keys.ledger_period_sk(period), "ledger_period", data), "ledger_period.closed")
    )
    return store.write(pk, [change], actor)[0]


def reopen(store: Store, pk: str, period: str, actor: Actor) -> Record:
    checked_period(period)
    rec = store.get(pk, keys.ledger_period_sk(period))
    if rec is None or rec.data.get("status") != "closed":
        raise RuleViolation(f"the period {period} is not closed", extra={"period": period})
    later = sorted(
        r.data["period"] for r in periods(store, pk) if r.data["period"] > period and r.data.get("status") == "closed"
    )
    if later:
        raise RuleViolation(
            f"a later period is closed ({', '.join(later)}); reopen the latest first",
            extra={"closed_after": later},
        )
    data = {k: v for k, v in rec.data.items() if k not in ("closed_at", "closed_by")}
    data["status"] = "open"
    data["reopened"] = [*rec.data.get("reopened", []), {"at": clock.iso(clock.now()), "by": actor.email or actor.sub}]
    return store.write(pk, [Change(rec, rec.with_data(data), "ledger_period.reopened")], actor)[0]
