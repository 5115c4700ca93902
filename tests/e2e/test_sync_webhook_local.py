"""The webhook walk on `klientportal local` as a user runs it: a real stack process, a listener on
loopback, a subscription over HTTP, a write, and the signed delivery verified with the secret the
subscription answered once; the change feed carries the same event id."""

from __future__ import annotations

import json
import os
import time
import urllib.request

import pytest

from klientportal.sync.webhooks import signing
from tests.e2e.local_stack import local_stack, token
from tests.functions.sync.listener import Listener


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    port = int(os.environ.get("KP_TEST_STACK_PORT") or 0) or None
    with local_stack(tmp_path_factory.mktemp("local"), port=port) as running:
        yield running


def _token(stack, user: str) -> str:
    return token(stack, user)


def _http(method: str, url: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("content-type", "application/json")
    req.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def test_a_webhook_from_the_local_stack_is_received_and_verified(stack):
    listener = Listener().start()
    try:
        token = _token(stack, "daglig@fjordkaffe.no")
        base = stack["url"] + "/clients/c-fjordkaffe"
        status, hook = _http("POST", base + "/webhooks", token, {"url": listener.url, "event_types": ["customer.*"]})
        assert status == 201, hook
        body = {"customer_number": 901, "name": "Lytter AS", "email": "lytter@example.no"}
        status, _ = _http("POST", base + "/customers", token, body)
        assert status == 201
        deadline = time.monotonic() + 120  # pumps run every 0.5 s, behind the seed's backlog when loaded
        while not listener.received and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)  # anything else would arrive now
        [got] = listener.received  # the seed's earlier customers are not sent: they precede the subscription
        signing.verify(got.headers["klientportal-signature"], got.body, hook["secret"], now=int(time.time()))
        event = json.loads(got.body)
        assert (event["type"], event["key"]) == ("customer.created", "CUSTOMER#901")
        status, feed = _http("GET", base + "/changes?limit=200", token)
        assert status == 200 and event["id"] in {e["id"] for e in feed["items"]}
        status, log = _http("GET", f"{base}/webhooks/{hook['id']}/deliveries", token)
        assert status == 200 and log["items"][0]["status"] == "delivered"
    finally:
        listener.stop()
