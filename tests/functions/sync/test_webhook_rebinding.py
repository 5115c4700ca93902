"""DNS rebinding: a name that was public at subscription resolves to a private address at
delivery; the attempt is refused before any connection and recorded, the transport never called."""

from __future__ import annotations

from infra.local import seed
from klientportal import aws
from klientportal.bootstrap import store
from klientportal.events import DomainEvent
from klientportal.repository import keys
from klientportal.repository.operational import OperationalStore
from klientportal.repository.store import SYSTEM
from klientportal.settings import settings
from klientportal.sync.webhooks.deliveries import Deliveries
from klientportal.sync.webhooks.subscriptions import Subscriptions
from klientportal.sync.webhooks.transport import Outcome


def test_a_name_rebound_to_a_private_address_is_not_called(api, aws_env):
    answers = {"hooks.example.com": ["93.184.215.14"]}
    resolve = lambda host, port: answers[host]  # noqa: E731
    tenant = keys.client_pk(seed.FJORD)
    st = store()
    hook = Subscriptions(st, tenant, local=False, resolve=resolve).create(
        "https://hooks.example.com/kp", ["*"], None, SYSTEM
    )
    sent: list[dict] = []
    posted: list[str] = []

    def transport(target, body, headers):
        posted.append(target.addresses[0])
        return Outcome(200, None, 1)

    s = settings()
    ops = OperationalStore(aws.client("dynamodb"), s.main_table, s.idempotency_table)
    deliveries = Deliveries(st, ops, lambda m, d: sent.append(m), local=False, transport=transport, resolve=resolve)
    event = DomainEvent(
        f"{tenant}#900", tenant, 900, "2099-01-01T00:00:00Z", "u", "customer", "CUSTOMER#9", "customer.created"
    )
    assert deliveries.fan_out(event) == 1
    assert deliveries.fan_out(event) == 1  # redelivered before any attempt: queued again (a lost send)
    assert sent[0] == sent[1]  # the same one delivery record

    answers["hooks.example.com"] = ["10.0.0.8"]  # the attacker's DNS now points inside
    assert deliveries.attempt(sent[0]) == "retry"
    assert posted == []
    rec = st.get(tenant, keys.webhook_delivery_sk(hook.record.data["id"], seed.FJORD, 900))
    assert rec is not None and rec.data["log"][-1]["error"].startswith("url refused")

    answers["hooks.example.com"] = ["93.184.215.14"]
    assert deliveries.attempt(sent[-1]) == "delivered"
    assert posted == ["93.184.215.14"]  # connected to the address that was checked
    assert deliveries.attempt(sent[0]) == "nothing-to-do"  # the duplicate message finds it delivered
    assert deliveries.fan_out(event) == 0  # and a later redelivery of the event queues nothing
    assert len(posted) == 1
