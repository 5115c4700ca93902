"""Billing on moto: the demo bureau, clients and users, the demo billing (infra/local/seed_billing.py),
a movable clock, and domain events made from real audited writes and delivered as the EventBridge
rule delivers them to the billing-usage queue (the whole event as the SQS body)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from functions import catalogue
from infra.local.invoker import Invoker
from infra.local.seed_billing import seed_billing
from klientportal import clock
from klientportal.bootstrap import Invocation, store
from klientportal.events import domain_event_from_stream_image
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import SYSTEM
from klientportal.settings import settings

ADMIN = "admin@byraet.no"
ACCOUNTANT = "regnskap@byraet.no"
FJORD_ADMIN = "daglig@fjordkaffe.no"


@pytest.fixture
def at() -> Iterator[Any]:
    """`at("2026-11-20T10:00")` moves the clock (Oslo time); back to real time after the test."""
    yield clock.set_clock
    clock.set_clock(None)


@pytest.fixture
def billing_api(api: Any) -> Any:
    seed_billing(Invocation(settings(), store()))
    return api


def write_event(client_id: str, action: str, data: dict[str, Any], entity: str = "record") -> dict[str, Any]:
    """An audited write of a record with `action` (what a routine does); its domain event detail."""
    st = store()
    rec = Record(keys.client_pk(client_id), f"TEST#{uuid.uuid4().hex[:12]}", entity, data)
    st.create(rec, SYSTEM, action)
    head = st.get(rec.pk, keys.AUDIT_HEAD_SK)
    assert head is not None
    return last_event(client_id, int(head.extra["seq"]))


def last_event(client_id: str, seq: int) -> dict[str, Any]:
    item = store().get(keys.client_pk(client_id), keys.audit_event_sk(seq))
    assert item is not None
    image = {"PK": item.pk, "SK": item.sk, **item.extra}
    entry = domain_event_from_stream_image(image)
    assert entry is not None
    return json.loads(entry["Detail"])


def events_since(client_id: str, seq: int) -> list[dict[str, Any]]:
    """The domain event details of a client's audit events after `seq` (what the stream publishes)."""
    head = store().get(keys.client_pk(client_id), keys.AUDIT_HEAD_SK)
    assert head is not None
    return [last_event(client_id, n) for n in range(seq + 1, int(head.extra["seq"]) + 1)]


def head_seq(client_id: str) -> int:
    head = store().get(keys.client_pk(client_id), keys.AUDIT_HEAD_SK)
    return int(head.extra["seq"]) if head else 0


def sqs_event(details: list[dict[str, Any]]) -> dict[str, Any]:
    """The SQS event Lambda gives the meter: one record per EventBridge event the rule delivered."""
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "r",
                "body": json.dumps(
                    {
                        "version": "0",
                        "id": str(uuid.uuid4()),
                        "detail-type": d["action"],
                        "source": "klientportal",
                        "account": "000000000000",
                        "time": d["at"],
                        "region": "eu-north-1",
                        "resources": [],
                        "detail": d,
                    }
                ),
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-north-1:000000000000:klientportal-billing-usage",
                "awsRegion": "eu-north-1",
            }
            for d in details
        ]
    }


def deliver(details: list[dict[str, Any]]) -> dict[str, Any]:
    """Run the meter's handler on the events, as the queue's event source mapping would."""
    return invoke_meter(sqs_event(details))


def invoke_meter(event: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = Invoker().invoke(catalogue.function("billing-meter"), event)
    return result
