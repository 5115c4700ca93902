"""The bureau's change feed on moto with the pumps: every client's events, each once and in its own
order, with the ids of the client's feed; resumable from a signed cursor; a redelivered or
out-of-order event appends nothing twice; racing appenders leave no gap; an accountant sees only
the assigned clients; another bureau's cursor is refused."""

from __future__ import annotations

import json
import threading

from infra.local import seed
from infra.local.invoker import Invoker
from infra.local.pumps import Pumps
from klientportal import aws
from klientportal.bootstrap import invocation, store, tenancy_service
from klientportal.events import DomainEvent, domain_event_detail
from klientportal.repository import keys
from klientportal.repository.operational import OperationalStore
from klientportal.sync import bureau_feed
from tests.functions.other_bureau import create_other_bureau

BA = seed.ADMIN.email
ACCOUNTANT = "regnskap@byraet.no"


def _customer(api, client: str, user: str, n: int) -> None:
    body = {"customer_number": n, "name": f"Kunde {n} AS", "email": f"k{n}@example.no"}
    assert api.post(f"/clients/{client}/customers", body, user=user).status == 201


def _follow(api, user: str, cursor: str | None = None, limit: int = 50) -> tuple[list[dict], str | None]:
    items: list[dict] = []
    while True:
        r = api.get("/bureau/changes" + f"?limit={limit}" + (f"&cursor={cursor}" if cursor else ""), user=user)
        assert r.status == 200, r
        items += r.json["items"]
        cursor = r.json["cursor"]
        if not r.json["has_more"]:
            return items, cursor


def _chain(client_id: str) -> list[dict]:
    events, _ = store().audit_events(keys.client_pk(client_id))
    return [domain_event_detail(keys.client_pk(client_id), e) for e in events]


def _ops() -> OperationalStore:
    s = invocation().settings
    return OperationalStore(aws.client("dynamodb"), s.main_table, s.idempotency_table)


def _event(detail: dict) -> DomainEvent:
    return DomainEvent(**{k: detail[k] for k in ("id", "tenant", "seq", "at", "actor", "entity", "key", "action")})


def test_every_clients_events_once_in_order_and_resumable(api, aws_env):
    pumps = Pumps(Invoker(), aws_env)
    _customer(api, seed.FJORD, "daglig@fjordkaffe.no", 71)
    _customer(api, seed.BYGG, "post@hansenbygg.no", 72)
    pumps.drain()
    items, cursor = _follow(api, BA, limit=7)
    assert [e["position"] for e in items] == list(range(1, len(items) + 1))  # one order, no gaps
    for client in (seed.FJORD, seed.BYGG, seed.LAKK):
        mine = [
            {k: v for k, v in e.items() if k not in ("client_id", "position")}
            for e in items
            if e["client_id"] == client
        ]
        assert mine == _chain(client), client  # every event of the client, once, in its order, same ids

    _customer(api, seed.FJORD, "daglig@fjordkaffe.no", 73)
    quiet = api.get(f"/bureau/changes?cursor={cursor}", user=BA).json
    assert quiet["items"] == [] and quiet["cursor"] == cursor  # not yet through the bus: the same cursor back
    pumps.drain()
    new, _ = _follow(api, BA, cursor)
    assert [(e["client_id"], e["key"]) for e in new] == [(seed.FJORD, "CUSTOMER#73")]
    assert new[0]["position"] == items[-1]["position"] + 1
    again, _ = _follow(api, BA, cursor)  # a follower that crashed before storing cursor2
    assert again == new

    # an accountant: only the assigned clients (c-lakkoglim is not theirs)
    theirs, _ = _follow(api, ACCOUNTANT)
    assert {e["client_id"] for e in theirs} == {seed.FJORD, seed.BYGG}
    assert api.get("/bureau/changes", user="daglig@fjordkaffe.no").status == 403


def test_redelivered_and_out_of_order_events_append_nothing_twice(api, aws_env, monkeypatch):
    for n in range(81, 86):
        _customer(api, seed.FJORD, "daglig@fjordkaffe.no", n)
    chain = _chain(seed.FJORD)
    monkeypatch.setattr(bureau_feed, "CHUNK", 3)  # three events per transaction
    st, ops = store(), _ops()
    last, middle = _event(chain[-1]), _event(chain[6])
    assert bureau_feed.append(st, ops, middle) == 9  # caught up in whole chunks to at least seq 7
    assert bureau_feed.append(st, ops, middle) == 0  # redelivered
    assert bureau_feed.append(st, ops, _event(chain[8])) == 0  # in the feed already
    assert bureau_feed.append(st, ops, last) == len(chain) - 9
    assert bureau_feed.append(st, ops, _event(chain[0])) == 0  # late, older
    Pumps(Invoker(), aws_env).drain()  # the bus delivers them all again
    items, _ = _follow(api, BA)
    fjord = [e["seq"] for e in items if e["client_id"] == seed.FJORD]
    assert fjord == list(range(1, len(chain) + 1))


def test_racing_appenders_leave_no_gap_and_no_duplicate(api, aws_env):
    for n in range(91, 95):
        _customer(api, seed.FJORD, "daglig@fjordkaffe.no", n)
        _customer(api, seed.BYGG, "post@hansenbygg.no", n)
    events = [_event(e) for c in (seed.FJORD, seed.BYGG, seed.LAKK) for e in _chain(c)]
    errors: list[BaseException] = []

    def run(part: list[DomainEvent]) -> None:
        st, ops = store(), _ops()
        try:
            for e in part:
                bureau_feed.append(st, ops, e)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(events[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    items, _ = _follow(api, BA, limit=200)
    assert [e["position"] for e in items] == list(range(1, len(events) + 1))
    assert sorted(e["id"] for e in items) == sorted(e.id for e in events)


def test_a_cursor_of_another_bureau_or_feed_is_refused(api, aws_env):
    service = tenancy_service()
    create_other_bureau(service)
    Pumps(Invoker(), aws_env).drain()
    mine, cursor = _follow(api, BA)
    theirs, other_cursor = _follow(api, "admin@other.no")
    assert {e["client_id"] for e in theirs} == {"c-other"} and "c-other" not in {e["client_id"] for e in mine}
    assert cursor and other_cursor
    refused = api.get(f"/bureau/changes?cursor={cursor}", user="admin@other.no")
    assert refused.status == 422 and refused.headers["content-type"] == "application/problem+json"
    assert api.get(f"/bureau/changes?cursor={other_cursor}", user=BA).status == 422
    client_cursor = api.get(f"/clients/{seed.FJORD}/changes", user=BA).json["cursor"]
    assert api.get(f"/bureau/changes?cursor={client_cursor}", user=BA).status == 422
    assert api.get(f"/bureau/changes?cursor={cursor[:-2]}xx", user=BA).status == 422


def _message(detail: dict, n: int) -> dict:
    body = {"source": "klientportal", "detail-type": detail["action"], "detail": detail}
    return {"messageId": f"m-{n}", "receiptHandle": f"r-{n}", "body": json.dumps(body), "attributes": {}}


def test_a_batch_is_one_catch_up_per_client_and_a_failure_fails_that_clients_messages(api, aws_env, monkeypatch):
    from functions import catalogue

    fjord, bygg = _chain(seed.FJORD), _chain(seed.BYGG)
    batch = {"Records": [_message(fjord[2], 1), _message(bygg[1], 2), _message(fjord[-1], 3)]}
    calls: list[tuple[str, int]] = []
    real = bureau_feed.append

    def counted(st, ops, event):
        calls.append((event.tenant, event.seq))
        return real(st, ops, event)

    monkeypatch.setattr(bureau_feed, "append", counted)
    fn = catalogue.function("sync-bureau-feed")
    assert Invoker().invoke(fn, batch) == {"batchItemFailures": []}
    assert sorted(calls) == sorted([(keys.client_pk(seed.FJORD), fjord[-1]["seq"]), (keys.client_pk(seed.BYGG), 2)])

    def broken(st, ops, event):
        if event.tenant == keys.client_pk(seed.FJORD):
            raise bureau_feed.StaleVersion("busy")
        return real(st, ops, event)

    monkeypatch.setattr(bureau_feed, "append", broken)
    failed = Invoker().invoke(fn, batch)["batchItemFailures"]
    assert sorted(f["itemIdentifier"] for f in failed) == ["m-1", "m-3"]
