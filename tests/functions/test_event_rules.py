"""Catalogue event rules on the local stack: a domain event on the bus reaches the rule's queue
(moto delivers EventBridge → SQS) and the pumps hand it to the queue's consumer, filtered by
detail type, as the rule and the SQS event source mapping do in AWS."""

from __future__ import annotations

import json

import pytest

from functions import catalogue
from infra.local import resources, seed
from infra.local.invoker import Invoker
from infra.local.pumps import Pumps
from klientportal import aws
from tests.functions import event_rule_probe

PROBE_QUEUES = (catalogue.Queue("probe-all"), catalogue.Queue("probe-customers"))
PROBE_RULES = (
    catalogue.EventRule("probe-all", "probe-all"),
    catalogue.EventRule("probe-customers", "probe-customers", ("customer.created",)),
)
PROBE_FUNCTIONS = tuple(
    catalogue.Function(
        name=f"{q.name}-consumer",
        handler="tests.functions.event_rule_probe.lambda_handler",
        description="test: records domain events",
        queues=(catalogue.QueueTrigger(q.name),),
    )
    for q in PROBE_QUEUES
)


@pytest.fixture
def probe_env(request, monkeypatch):
    monkeypatch.setattr(catalogue, "QUEUES", (*catalogue.QUEUES, *PROBE_QUEUES))
    monkeypatch.setattr(catalogue, "EVENT_RULES", (*catalogue.EVENT_RULES, *PROBE_RULES))
    monkeypatch.setattr(catalogue, "FUNCTIONS", (*catalogue.FUNCTIONS, *PROBE_FUNCTIONS))
    event_rule_probe.RECEIVED.clear()
    return request.getfixturevalue("aws_env")


def _put(detail_type: str, seq: int) -> None:
    detail = {
        "id": f"CLIENT#c-x#{seq}",
        "tenant": "CLIENT#c-x",
        "seq": seq,
        "at": "2026-12-01T10:00:00Z",
        "actor": "u-1",
        "entity": "customer",
        "key": f"CUSTOMER#{seq}",
        "action": detail_type,
    }
    resp = aws.client("events").put_events(
        Entries=[
            {
                "Source": catalogue.DOMAIN_EVENT_SOURCE,
                "DetailType": detail_type,
                "Detail": json.dumps(detail),
                "EventBusName": resources.resource_name("bus", catalogue.EVENT_BUS),
            }
        ]
    )
    assert resp["FailedEntryCount"] == 0


def test_an_event_on_the_bus_reaches_the_consumer_filtered_by_detail_type(probe_env):
    pumps = Pumps(Invoker(), probe_env)
    _put("customer.created", 1)
    _put("invoice.issued", 2)
    pumps.drain()
    got = sorted((e.action, e.seq) for e in event_rule_probe.RECEIVED)
    # probe-all takes both, probe-customers only the customer event
    assert got == [("customer.created", 1), ("customer.created", 1), ("invoice.issued", 2)]
    assert {e.id for e in event_rule_probe.RECEIVED} == {"CLIENT#c-x#1", "CLIENT#c-x#2"}
    pumps.drain()
    assert len(event_rule_probe.RECEIVED) == 3  # taken messages were deleted, nothing comes twice


def test_an_audited_write_travels_stream_bus_rule_queue_consumer(probe_env, issuer):
    from infra.local.gateway import Gateway
    from klientportal.bootstrap import tenancy_service
    from tests.functions.conftest import Api

    seed.seed_tenancy(tenancy_service())
    api = Api(Gateway(Invoker(), issuer.verifier()), issuer)
    pumps = Pumps(Invoker(), probe_env)
    pumps.drain()
    event_rule_probe.RECEIVED.clear()
    body = {"customer_number": 7, "name": "Kunde 7 AS", "email": "k7@example.no"}
    assert api.post(f"/clients/{seed.FJORD}/customers", body, user="daglig@fjordkaffe.no").status == 201
    pumps.drain()
    customers = [e for e in event_rule_probe.RECEIVED if e.action == "customer.created"]
    assert len(customers) == 2  # once per rule
    assert {e.key for e in customers} == {"CUSTOMER#7"}
    assert customers[0].tenant.endswith(seed.FJORD)
    assert customers[0].id == f"{customers[0].tenant}#{customers[0].seq}"


def test_a_message_that_is_not_a_domain_event_is_refused():
    from klientportal.events import domain_event_from_rule_message

    with pytest.raises(ValueError):
        domain_event_from_rule_message(json.dumps({"source": "aws.s3", "detail": {}}))
