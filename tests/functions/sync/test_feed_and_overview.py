"""The change feed (signed cursor, resumable, stable ids) and the bureau overview (counters kept by
the event-rule consumer, once per event; accountants see their clients) on moto with the pumps."""

from __future__ import annotations

import json

import pytest

from infra.local import resources, seed
from infra.local.invoker import Invoker
from infra.local.pumps import Pumps
from klientportal import aws, clock
from klientportal.bootstrap import invocation, tenancy_service
from klientportal.events import DomainEvent
from klientportal.repository import keys
from klientportal.repository.operational import OperationalStore
from klientportal.sync import overview

ADMIN = "daglig@fjordkaffe.no"
FEED = f"/clients/{seed.FJORD}/changes"


def _customer(api, n: int) -> None:
    body = {"customer_number": n, "name": f"Kunde {n} AS", "email": f"k{n}@example.no"}
    assert api.post(f"/clients/{seed.FJORD}/customers", body, user=ADMIN).status == 201


def _all(api, cursor=None, limit=2):
    items = []
    while True:
        r = api.get(FEED + f"?limit={limit}" + (f"&cursor={cursor}" if cursor else ""), user=ADMIN)
        assert r.status == 200, r
        items += r.json["items"]
        cursor = r.json["cursor"]
        if not r.json["items"]:
            return items, cursor


def test_the_feed_is_in_order_resumable_and_ids_match_the_bus(api, aws_env):
    items, cursor = _all(api)
    seqs = [e["seq"] for e in items]
    assert seqs == list(range(1, len(seqs) + 1))  # every event, in order, no gaps
    assert cursor
    _customer(api, 51)
    _customer(api, 52)
    again, cursor2 = _all(api, cursor)
    assert [e["key"] for e in again] == ["CUSTOMER#51", "CUSTOMER#52"]  # only what came after the cursor
    assert again[0]["seq"] == seqs[-1] + 1
    quiet = api.get(FEED + f"?cursor={cursor2}", user=ADMIN).json
    assert quiet["items"] == [] and quiet["cursor"] == cursor2  # nothing new: the same cursor back

    # at least once with stable ids: the ids are the bus's detail ids
    Pumps(Invoker(), aws_env).drain()
    sqs = aws.client("sqs")
    url = sqs.get_queue_url(QueueName=resources.LOCAL_EVENTS_QUEUE)["QueueUrl"]
    bus_ids = set()
    while msgs := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for m in msgs:
            bus_ids.add(json.loads(m["Body"])["detail"]["id"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert {e["id"] for e in again} <= bus_ids


def test_a_cursor_of_another_client_or_altered_is_refused(api):
    _, cursor = _all(api)
    other = api.get(f"/clients/{seed.BYGG}/changes?cursor={cursor}", user="post@hansenbygg.no")
    assert other.status == 422
    assert api.get(FEED + "?cursor=" + cursor[:-3] + "abc", user=ADMIN).status == 422
    assert api.get(f"/clients/{seed.FJORD}/audit-events?cursor={cursor}", user=ADMIN).status == 422
    assert api.get(FEED, user="salg@fjordkaffe.no").status == 403  # a client user does not follow the books


@pytest.fixture
def reset_clock():
    yield
    clock.set_clock(None)


def test_overview_counts_on_write_once_per_event_and_filters_by_accountant(api, aws_env, reset_clock):
    seed.seed_invoicing(tenancy_service())
    pumps = Pumps(Invoker(), aws_env)
    pumps.drain()
    r = api.get("/bureau/overview", user=seed.ADMIN.email)
    assert r.status == 200, r
    rows = {row["client_id"]: row for row in r.json["items"]}
    assert set(rows) == {seed.FJORD, seed.BYGG, seed.LAKK}
    issued = {c: sum(1 for cid, _, _, step in seed.INVOICES if cid == c and step in ("issue", "send")) for c in rows}
    for client_id, row in rows.items():
        assert row["open_invoices"] == issued[client_id], client_id
        assert row["overdue_invoices"] == 0

    clock.set_clock("+120d")
    later = {row["client_id"]: row for row in api.get("/bureau/overview", user=seed.ADMIN.email).json["items"]}
    assert later[seed.FJORD]["overdue_invoices"] == issued[seed.FJORD] > 0
    backlogs = [row["backlog"] for row in api.get("/bureau/overview", user=seed.ADMIN.email).json["items"]]
    assert backlogs == sorted(backlogs, reverse=True) and backlogs[0] > 0  # by backlog, largest first

    mine = api.get("/bureau/overview", user="regnskap@byraet.no").json["items"]
    assert {row["client_id"] for row in mine} == {seed.FJORD, seed.BYGG}  # an accountant: assigned clients only
    accountant = seed.USERS[1]
    from klientportal.auth.subjects import local_subject

    filtered = api.get(f"/bureau/overview?accountant={local_subject(accountant.email)}", user=seed.ADMIN.email)
    assert filtered.status == 200, filtered
    assert {row["client_id"] for row in filtered.json["items"]} == {seed.FJORD, seed.BYGG}
    assert api.get("/bureau/overview?accountant=nobody", user=seed.ADMIN.email).status == 422
    by_name = api.get("/bureau/overview?sort=name&order=asc", user=seed.ADMIN.email).json["items"]
    assert [r["name"] for r in by_name] == sorted(r["name"] for r in by_name)

    # a redelivered event counts once
    inv = invocation()
    ops = OperationalStore(aws.client("dynamodb"), inv.settings.main_table, inv.settings.idempotency_table)
    events, _ = inv.store.audit_events(keys.client_pk(seed.FJORD))
    issue = next(e for e in events if e["action"] == "invoice.issued")
    tenant = keys.client_pk(seed.FJORD)
    again = DomainEvent(
        id=f"{tenant}#{issue['seq']}",
        tenant=tenant,
        seq=issue["seq"],
        at=issue["at"],
        actor="system",
        entity=issue["entity"],
        key=issue["key"],
        action=issue["action"],
    )
    assert overview.apply(inv.store, ops, again) is False
    still = {row["client_id"]: row for row in api.get("/bureau/overview", user=seed.ADMIN.email).json["items"]}
    assert still[seed.FJORD]["open_invoices"] == issued[seed.FJORD]


def test_client_roles_do_not_see_the_overview(api):
    assert api.get("/bureau/overview", user=ADMIN).status == 403
