"""A queue consumer for the event-rule tests: records the domain events it is given."""

from __future__ import annotations

from typing import Any

from klientportal.events import DomainEvent, domain_event_from_rule_message

RECEIVED: list[DomainEvent] = []


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    for record in event["Records"]:
        RECEIVED.append(domain_event_from_rule_message(record["body"]))
    return {"batchItemFailures": []}
