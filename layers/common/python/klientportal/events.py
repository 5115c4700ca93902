"""Domain events on the EventBridge bus: one per audit event, carrying pointers, never personal data.

Consumers must be idempotent: `detail.id` (tenant + sequence number) is unique per event and a
redelivery carries the same id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, TypedDict

from klientportal.repository import keys

SOURCE = "klientportal"


class EventEntry(TypedDict):
    """A PutEvents entry before the bus name is added."""

    Source: str
    DetailType: str
    Detail: str


def domain_event_from_stream_image(image: dict[str, Any]) -> EventEntry | None:
    """A PutEvents entry for a new audit-event item (plain-typed stream image), else None."""
    sk = str(image.get("SK", ""))
    if not sk.startswith(keys.AUDIT_EVENT_PREFIX) or "event" not in image:
        return None
    event = json.loads(image["event"])
    detail = domain_event_detail(str(image["PK"]), event)
    return {"Source": SOURCE, "DetailType": event["action"], "Detail": json.dumps(detail)}


def domain_event_detail(partition: str, event: dict[str, Any]) -> dict[str, Any]:
    """The domain event of audit event `event` of the chain `partition`: pointers, no images."""
    return {
        "id": f"{partition}#{event['seq']}",
        "tenant": partition,
        "seq": event["seq"],
        "at": event["at"],
        "actor": event["actor"].get("sub"),
        "entity": event["entity"],
        "key": event["key"],
        "action": event["action"],
    }


def put_entries(events_client: Any, bus: str, entries: list[EventEntry]) -> None:
    """PutEvents, raising if any entry failed so the stream batch is retried."""
    if not entries:
        return
    resp = events_client.put_events(Entries=[{**e, "EventBusName": bus} for e in entries])
    if resp.get("FailedEntryCount"):
        failed = [e for e in resp.get("Entries", []) if e.get("ErrorCode")]
        raise RuntimeError(f"EventBridge refused {len(failed)} event(s): {failed[:3]}")


@dataclass(frozen=True)
class DomainEvent:
    """A domain event as an event-rule consumer receives it (catalogue EventRule → SQS → function).

    `id` is stable across redeliveries (tenant + audit sequence number): deduplicate on it.
    """

    id: str
    tenant: str
    seq: int
    at: str
    actor: str | None
    entity: str
    key: str
    action: str


def domain_event_from_rule_message(body: str) -> DomainEvent:
    """The domain event in an SQS message body delivered by an EventBridge rule (the whole
    EventBridge event: `detail-type` is the audit action, `detail` the fields above)."""
    envelope = json.loads(body)
    if envelope.get("source") != SOURCE:
        raise ValueError(f"not a domain event: source {envelope.get('source')!r}")
    d = envelope["detail"]
    return DomainEvent(
        id=str(d["id"]),
        tenant=str(d["tenant"]),
        seq=int(d["seq"]),
        at=str(d["at"]),
        actor=d.get("actor"),
        entity=str(d["entity"]),
        key=str(d["key"]),
        action=str(d["action"]),
    )
