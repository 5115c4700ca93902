"""Metering: each billable domain event counted exactly once for its client and month.

A batch of domain events (from the billing queue, fed by an EventBridge rule on the domain bus) is
read in one go: the audit events they name and their clients in one BatchGetItem. Each billable
event is then one transaction (`Store.count_once`): its usage item (keyed by the domain event id)
created if absent + the month's counter increased, provided the month is not closed for the
client's bureau. A replay or redelivery finds the usage item and changes nothing.

Cut-off (decision 0701): the monthly run closes a past month (a marker in the bureau's partition)
before it reads the counters. An event of a closed month is counted instead in the month it
arrives in, as a late line of its original month (`late#<month>#<type>`): on the next statement,
never lost, never counted twice (the usage item is one per event whichever month it went to).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from klientportal.billing.months import Month
from klientportal.billing.transactions import BILLABLE_ACTIONS, classify
from klientportal.errors import InternalError
from klientportal.events import domain_event_from_rule_message
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Store

COUNT = "n#"  # + type: counted in its own month
LATE = "late#"  # + month + "#" + type: a late event of that month, counted in this one


@dataclass(frozen=True)
class UsageEvent:
    """The fields of a domain event metering needs (klientportal/events.py builds them)."""

    id: str
    tenant: str
    seq: int
    at: str
    action: str

    @classmethod
    def from_rule_message(cls, body: str) -> UsageEvent:
        """From an SQS message an EventBridge rule delivered (`events.domain_event_from_rule_message`).
        ValueError when it is not such a message."""
        try:
            d = domain_event_from_rule_message(body)
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"not a domain event message: {exc!r}") from exc
        if d.id != f"{d.tenant}#{d.seq}":
            raise ValueError(f"a domain event id is tenant#seq, not {d.id!r}")
        return cls(d.id, d.tenant, d.seq, d.at, d.action)


@dataclass(frozen=True)
class Outcome:
    event_id: str
    result: str  # counted | late | duplicate | not-billable | no-client
    counted_in: str | None = None


def counter_key(client_id: str, month: Month) -> tuple[str, str]:
    return keys.client_pk(client_id), keys.usage_month_sk(str(month))


class Meter:
    def __init__(self, store: Store) -> None:
        self.store = store

    def meter(self, events: Iterable[UsageEvent]) -> list[Outcome]:
        wanted = [e for e in events if keys.is_client_pk(e.tenant) and e.action in BILLABLE_ACTIONS]
        got = self.store.get_many(
            [(e.tenant, keys.audit_event_sk(e.seq)) for e in wanted] + [(e.tenant, keys.CLIENT_SK) for e in wanted]
        )
        outcomes = []
        for event in wanted:
            audit = got[(event.tenant, keys.audit_event_sk(event.seq))]
            if audit is None:
                raise InternalError(f"the audit event of {event.id} is missing")  # retried, then the DLQ
            client = got[(event.tenant, keys.CLIENT_SK)]
            outcomes.append(self._meter_one(event, json.loads(audit.extra["event"]), client))
        return outcomes

    def _meter_one(self, event: UsageEvent, audit: dict[str, Any], client: Record | None) -> Outcome:
        counted = {t: q for t, q in classify(event.action, audit.get("before"), audit.get("after"))}
        if not counted:
            return Outcome(event.id, "not-billable")
        if client is None:
            return Outcome(event.id, "no-client")
        client_id, bureau_id = str(client.data["client_id"]), str(client.data["bureau_id"])
        month = Month.of_instant(event.at)
        for target, late in ((month, False), (max(Month.current(), month.next()), True)):
            prefix = f"{LATE}{month}#" if late else COUNT
            marker = Record(
                keys.client_pk(client_id),
                keys.usage_event_sk(event.id),
                "usage_event",
                {
                    "event_id": event.id,
                    "action": event.action,
                    "key": audit.get("key"),
                    "at": event.at,
                    "month": str(month),
                    "counted_in": str(target),
                    "late": late,
                    "quantities": counted,
                },
            )
            result = self.store.count_once(
                marker,
                counter_key(client_id, target),
                {prefix + t: q for t, q in counted.items()},
                guard=(keys.bureau_pk(bureau_id), keys.billing_closed_sk(str(target))),
                counter_fields={"entity": "usage_month", "client_id": client_id, "month": str(target)},
            )
            if result == "counted":
                return Outcome(event.id, "late" if late else "counted", str(target))
            if result == "duplicate":
                return Outcome(event.id, "duplicate")
        raise InternalError(f"{event.id}: the month it arrived in is closed as well; retry later")


@dataclass(frozen=True)
class Usage:
    """A client's counters of one month: its own transactions and late ones of earlier months."""

    client_id: str
    month: Month
    counts: dict[str, int]
    late: dict[tuple[str, str], int]  # (original month, type) → quantity

    @classmethod
    def from_record(cls, client_id: str, month: Month, rec: Record | None) -> Usage:
        counts: dict[str, int] = {}
        late: dict[tuple[str, str], int] = {}
        for attr, value in (rec.extra if rec else {}).items():
            if attr.startswith(COUNT):
                counts[attr[len(COUNT) :]] = int(value)
            elif attr.startswith(LATE):
                original, kind = attr[len(LATE) :].split("#", 1)
                late[(original, kind)] = int(value)
        return cls(client_id, month, dict(sorted(counts.items())), dict(sorted(late.items())))


def usage_of(store: Store, client_ids: list[str], month: Month) -> dict[str, Usage]:
    """The month's counters of each client, in BatchGetItems of 100 (no events re-counted)."""
    got = store.get_many([counter_key(c, month) for c in client_ids])
    return {c: Usage.from_record(c, month, got[counter_key(c, month)]) for c in client_ids}
