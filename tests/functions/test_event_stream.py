"""The table stream → domain bus path as the local stack runs it: a long-lived pump across requests,
refused writes in between."""

from __future__ import annotations

import json

from infra.local import resources, seed
from infra.local.invoker import Invoker
from infra.local.pumps import Pumps
from klientportal import aws

U = "daglig@fjordkaffe.no"
CUSTOMERS = f"/clients/{seed.FJORD}/customers"


def _customer(number: int) -> dict:
    return {"customer_number": number, "name": f"Kunde {number} AS", "email": f"k{number}@example.no"}


def _bus_events() -> list[dict]:
    sqs = aws.client("sqs")
    url = sqs.get_queue_url(QueueName=resources.LOCAL_EVENTS_QUEUE)["QueueUrl"]
    events = []
    while msgs := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        events += [json.loads(m["Body"]) for m in msgs]
        for m in msgs:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return events


def _created_customers(events: list[dict]) -> list[str]:
    return [e["detail"]["key"] for e in events if e["detail-type"] == "customer.created"]


def test_a_refused_write_publishes_nothing_and_the_stream_keeps_flowing(api, aws_env):
    pumps = Pumps(Invoker(), aws_env)  # one pump for the whole walk, as `make run` has
    pumps.drain()
    _bus_events()
    assert api.post(CUSTOMERS, _customer(1), user=U).status == 201
    pumps.drain()
    assert _created_customers(_bus_events()) == ["CUSTOMER#1"]

    assert api.post(CUSTOMERS, _customer(1), user=U).status == 409
    pumps.drain()
    assert _bus_events() == []  # no phantom event of the rolled-back write

    assert api.post(CUSTOMERS, _customer(2), user=U).status == 201
    pumps.drain()
    assert _created_customers(_bus_events()) == ["CUSTOMER#2"]
    assert api.post(CUSTOMERS, _customer(3), user=U).status == 201
    pumps.drain()
    assert _created_customers(_bus_events()) == ["CUSTOMER#3"]


def test_concurrent_drains_deliver_each_record_once(api, aws_env):
    import threading

    pumps = Pumps(Invoker(), aws_env)  # the runner drains from its loop and from /_local/events at once
    pumps.drain()
    _bus_events()
    for n in range(10, 16):
        assert api.post(CUSTOMERS, _customer(n), user=U).status == 201
    threads = [threading.Thread(target=pumps.drain) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(_created_customers(_bus_events())) == sorted(f"CUSTOMER#{n}" for n in range(10, 16))


def test_a_drain_that_need_not_wait_returns_at_once_while_another_runs(api, aws_env):
    import time

    pumps = Pumps(Invoker(), aws_env)
    assert api.post(CUSTOMERS, _customer(20), user=U).status == 201
    with pumps._draining:  # the background loop is busy with a backlog
        started = time.monotonic()
        assert pumps.drain(wait=False) == 0
        assert time.monotonic() - started < 1
    assert pumps.drain(wait=False) > 0  # free again: it delivers
    assert "CUSTOMER#20" in _created_customers(_bus_events())
