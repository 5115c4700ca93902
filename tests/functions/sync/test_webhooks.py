"""Webhooks on moto with the local pumps: subscribe, a write → stream → bus → rule → fan-out →
signed POST to a loopback listener, verified; retries, dead letters, redelivery, rotation, bad URLs."""

from __future__ import annotations

import json
import time

import pytest

from infra.local import seed
from infra.local.invoker import Invoker
from infra.local.pumps import Pumps
from klientportal.sync.webhooks import signing
from tests.functions.sync.listener import Listener

ADMIN = "daglig@fjordkaffe.no"
BUREAU_ADMIN = "admin@byraet.no"
ACCOUNTANT = "regnskap@byraet.no"
HOOKS = f"/clients/{seed.FJORD}/webhooks"
CUSTOMERS = f"/clients/{seed.FJORD}/customers"


@pytest.fixture
def listener():
    lst = Listener().start()
    yield lst
    lst.stop()


@pytest.fixture
def pumps(aws_env, monkeypatch):
    monkeypatch.setenv("KP_WEBHOOK_RETRY_DELAYS_S", "0,0")  # three attempts, no waiting
    p = Pumps(Invoker(), aws_env)
    p.drain()
    return p


def _customer(api, n: int, client: str = seed.FJORD, user: str = ADMIN) -> None:
    body = {"customer_number": n, "name": f"Kunde {n} AS", "email": f"k{n}@example.no"}
    assert api.post(f"/clients/{client}/customers", body, user=user).status == 201


def _subscribe(api, url: str, types=("customer.*",), path: str = HOOKS, user: str = ADMIN):
    r = api.post(path, {"url": url, "event_types": list(types)}, user=user)
    assert r.status == 201, r
    return r.json


def test_a_signed_delivery_reaches_the_local_listener_and_verifies(api, pumps, listener):
    hook = _subscribe(api, listener.url)
    secret = hook["secret"]
    assert secret.startswith("whsec_")
    shown = api.get(f"{HOOKS}/{hook['id']}", user=ADMIN).json
    assert "secret" not in shown and secret not in json.dumps(api.get(HOOKS, user=ADMIN).json)

    _customer(api, 41)
    api.post(f"/clients/{seed.FJORD}/invoice-settings", {}, user=ADMIN)  # another event type: filtered out
    pumps.drain()

    [got] = listener.received
    assert got.path == "/hooks/kp"
    header = got.headers["klientportal-signature"]
    t = signing.verify(header, got.body, secret, now=int(time.time()))
    assert abs(t - time.time()) < 60
    body = json.loads(got.body)
    assert body["type"] == "customer.created" and body["key"] == "CUSTOMER#41"
    assert got.headers["klientportal-event-id"] == body["id"]
    feed = api.get(f"/clients/{seed.FJORD}/changes?limit=200", user=ADMIN).json
    assert body["id"] in {e["id"] for e in feed["items"]}  # the same stable id as the change feed

    log = api.get(f"{HOOKS}/{hook['id']}/deliveries", user=ADMIN).json["items"]
    assert [(d["status"], d["attempts"], d["log"][0]["status_code"]) for d in log] == [("delivered", 1, 200)]
    pumps.drain()
    assert len(listener.received) == 1  # delivered once


def test_failures_are_retried_then_dead_lettered_and_redelivered_once(api, pumps, listener):
    hook = _subscribe(api, listener.url)
    listener.statuses = [500, 503, 404]
    _customer(api, 42)
    pumps.drain()
    assert len(listener.received) == 3  # the first attempt and two retries
    assert len({r.headers["klientportal-event-id"] for r in listener.received}) == 1
    assert [r.headers["klientportal-delivery-attempt"] for r in listener.received] == ["1", "2", "3"]
    assert len({r.body for r in listener.received}) == 1  # the same bytes at every attempt
    dead = api.get(f"{HOOKS}/{hook['id']}/dead-letters", user=ADMIN).json["items"]
    assert [(d["status"], d["attempts"]) for d in dead] == [("dead", 3)]
    assert [a["status_code"] for a in dead[0]["log"]] == [500, 503, 404]

    again = api.post(f"{HOOKS}/{hook['id']}/deliveries/{dead[0]['id']}/redelivery", user=ADMIN)
    assert again.status == 200 and again.json["status"] == "pending"
    twice = api.post(f"{HOOKS}/{hook['id']}/deliveries/{dead[0]['id']}/redelivery", user=ADMIN)
    assert twice.status == 409  # pending already: nothing queued twice
    pumps.drain()
    assert len(listener.received) == 4
    assert api.get(f"{HOOKS}/{hook['id']}/dead-letters", user=ADMIN).json["items"] == []
    [d] = api.get(f"{HOOKS}/{hook['id']}/deliveries", user=ADMIN).json["items"]
    assert (d["status"], d["attempts"]) == ("delivered", 4)


def test_rotation_signs_with_both_secrets_during_the_overlap(api, pumps, listener):
    hook = _subscribe(api, listener.url)
    old = hook["secret"]
    rotated = api.post(f"{HOOKS}/{hook['id']}/secret-rotation", {"version": hook["version"]}, user=ADMIN)
    assert rotated.status == 200, rotated
    new = rotated.json["secret"]
    assert new != old and rotated.json["previous_secret_signs_until"]
    _customer(api, 43)
    pumps.drain()
    header, body = listener.received[-1].headers["klientportal-signature"], listener.received[-1].body
    assert header.count("v1=") == 2
    signing.verify(header, body, old, now=int(time.time()))
    signing.verify(header, body, new, now=int(time.time()))

    stale = api.post(f"{HOOKS}/{hook['id']}/secret-rotation", {"version": hook["version"]}, user=ADMIN)
    assert stale.status == 409  # based on an old version
    cut = api.post(
        f"{HOOKS}/{hook['id']}/secret-rotation", {"version": rotated.json["version"], "overlap_hours": 0}, user=ADMIN
    )
    newest = cut.json["secret"]
    _customer(api, 44)
    pumps.drain()
    header, body = listener.received[-1].headers["klientportal-signature"], listener.received[-1].body
    assert header.count("v1=") == 1
    signing.verify(header, body, newest, now=int(time.time()))
    for gone in (old, new):
        with pytest.raises(signing.SignatureError):
            signing.verify(header, body, gone, now=int(time.time()))


def test_bureau_webhook_receives_every_clients_events(api, pumps, listener):
    hook = _subscribe(api, listener.url, path="/bureau/webhooks", user=BUREAU_ADMIN)
    assert api.post("/bureau/webhooks", {"url": listener.url}, user=ACCOUNTANT).status == 403
    _customer(api, 45)
    _customer(api, 46, client=seed.BYGG, user="post@hansenbygg.no")
    pumps.drain()
    clients = sorted(json.loads(r.body)["client_id"] for r in listener.received)
    assert clients == sorted([seed.FJORD, seed.BYGG])
    for r in listener.received:
        signing.verify(r.headers["klientportal-signature"], r.body, hook["secret"], now=int(time.time()))


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://10.0.0.7/hook", "private-address"),
        ("http://169.254.169.254/latest/meta-data/", "private-address"),
        ("http://[fd12::1]/hook", "private-address"),
        ("http://user:pw@127.0.0.1:9/hook", "credentials"),
    ],
)
def test_refused_urls_write_nothing(api, url, reason):
    before = api.get(f"/clients/{seed.FJORD}/audit-events?limit=1", user=ADMIN).json["items"][0]["seq"]
    r = api.post(HOOKS, {"url": url}, user=ADMIN)
    assert r.status == 422 and r.headers["content-type"].startswith("application/problem+json"), r
    assert r.json["reason"] == reason
    assert api.get(HOOKS, user=ADMIN).json["items"] == []
    assert api.get(f"/clients/{seed.FJORD}/audit-events?limit=1", user=ADMIN).json["items"][0]["seq"] == before


def test_in_aws_only_https_and_no_loopback(api, monkeypatch):
    monkeypatch.setenv("KP_DELIVERY_MODE", "aws")
    for url in ("http://hooks.example.com/kp", "https://127.0.0.1/kp", "https://localhost/kp"):
        r = api.post(HOOKS, {"url": url}, user=ADMIN)
        assert r.status == 422, (url, r)
    assert api.get(HOOKS, user=ADMIN).json["items"] == []


def test_bad_event_types_and_foreign_client(api):
    r = api.post(HOOKS, {"url": "http://127.0.0.1:9/x", "event_types": ["Invoice Issued"]}, user=ADMIN)
    assert r.status == 422
    other = api.post(f"/clients/{seed.BYGG}/webhooks", {"url": "http://127.0.0.1:9/x"}, user=ADMIN)
    assert other.status == 404
