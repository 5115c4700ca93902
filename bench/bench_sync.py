"""Sync benchmarks: the bureau overview for a bureau with 1,000 clients (time and DynamoDB calls:
O(clients), no scans) and webhook fan-out and delivery per second.

The clients are written straight into the table in the shape the tenancy repository stores
(`client_record`), each with a counter item in the bureau's partition holding the counts of four
events (`counter_change`, as the consumer computes them); creating 1,000 clients through the
tenancy service and 4,000 consumer transactions would add many minutes of moto round trips (and
moto copies the table per transaction) and measure nothing of the overview. The consumer's own
rate is measured separately on the audit events of one seeded client. The overview is read as
the domain function and as the API route through the local gateway (JWT, policy).

Fan-out: domain events of one client with three matching subscriptions become delivery records
and queued messages; delivery: signed POSTs (KMS decrypt, URL check, HTTP) to a loopback listener.
Everything runs against a moto server on this machine: the times are moto round trips, not Lambda
figures; the call counts are what AWS would see.

Run from the repository root: .venv/bin/python -m bench.bench_sync [--clients 1000] [--events 200]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from bench import emulated
from bench.aws_calls import AwsCalls, install


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()

    from infra.local import seed
    from infra.local.gateway import Gateway
    from infra.local.invoker import Invoker
    from klientportal import aws, clock
    from klientportal.auth.tokens import DevIssuer
    from klientportal.bootstrap import store, tenancy_service
    from klientportal.events import DomainEvent
    from klientportal.repository import keys
    from klientportal.repository.operational import OperationalStore
    from klientportal.repository.store import SYSTEM
    from klientportal.settings import settings
    from klientportal.sync import overview
    from klientportal.sync.counters import counter_change
    from klientportal.sync.webhooks.deliveries import Deliveries
    from klientportal.sync.webhooks.subscriptions import Subscriptions
    from klientportal.tenancy.repository import client_record
    from tests.functions.sync.listener import Listener

    server, _, tmp, _ = emulated.start()
    install()  # count the calls of every client made from here on
    seed.seed_tenancy(tenancy_service())
    st, s = store(), settings()
    ddb = aws.client("dynamodb")
    ops = OperationalStore(ddb, s.main_table, s.idempotency_table)

    # 1,000 clients of the demo bureau with counters -------------------------------------------------
    fjord = tenancy_service().repo.client(seed.FJORD)
    assert fjord is not None
    template = fjord[0]
    started = time.perf_counter()
    from boto3.dynamodb.types import TypeSerializer

    ser = TypeSerializer()
    items = []
    for n in range(args.clients):
        client = template.model_copy(update={"client_id": f"c-bench-{n:04d}", "name": f"Benchklient {n:04d} AS"})
        items.append({k: ser.serialize(v) for k, v in client_record(client).to_item().items()})
    for i in range(0, len(items), 25):
        ddb.batch_write_item(RequestItems={s.main_table: [{"PutRequest": {"Item": it}} for it in items[i : i + 25]]})
    events = [
        {"action": "voucher.received", "entity": "voucher", "before": None, "after": {"status": "new"}},
        {"action": "voucher.coded", "entity": "voucher", "before": {"status": "new"},
         "after": {"status": "to_approve"}},
        {"action": "invoice.issued", "entity": "invoice", "before": {"status": "draft"},
         "after": {"kind": "invoice", "status": "issued", "due_date": "2026-11-01"}},
        {"action": "question.opened", "entity": "question", "before": None, "after": {"status": "open"}},
    ]  # fmt: skip
    counts: dict[str, int] = {}
    for e in events:
        for k, v in counter_change({**e, "at": "2026-11-20T10:00:00Z"}).add.items():
            counts[k] = counts.get(k, 0) + v
    counter_items = [
        {
            "PK": {"S": keys.bureau_pk(seed.BUREAU_ID)},
            "SK": {"S": keys.overview_sk(f"c-bench-{n:04d}")},
            "entity": {"S": "overview_counters"},
            "client_id": {"S": f"c-bench-{n:04d}"},
            **{k: {"N": str(v)} for k, v in counts.items()},
        }
        for n in range(args.clients)
    ]
    for i in range(0, len(counter_items), 25):
        batch = [{"PutRequest": {"Item": it}} for it in counter_items[i : i + 25]]
        ddb.batch_write_item(RequestItems={s.main_table: batch})
    setup_s = time.perf_counter() - started
    today = clock.today_oslo(clock.now())
    rows = []
    for label in ("overview (domain function), first", "overview (domain function), again"):
        with AwsCalls() as calls:
            t0 = time.perf_counter()
            result = overview.overview(store(), seed.BUREAU_ID, today, allowed=None)
            elapsed = time.perf_counter() - t0
        assert len(result) == args.clients + 3
        rows.append((label, f"{elapsed * 1000:,.0f} ms", _calls(calls)))

    clients = [r.data for r in store().query_all(keys.bureau_clients_gsi(seed.BUREAU_ID), index="GSI1")]
    counters = {
        str(r.extra["client_id"]): dict(r.extra)
        for r in store().query_all(keys.bureau_pk(seed.BUREAU_ID), keys.OVERVIEW_PREFIX)
    }
    t0 = time.perf_counter()
    for c in clients:
        overview.backlog_of(c, counters.get(str(c["client_id"]), {}), today)
    rows.append(("of which computing the rows (no I/O)", f"{(time.perf_counter() - t0) * 1000:,.1f} ms", "0"))

    issuer = DevIssuer(Path(tmp) / "key.pem")
    gateway = Gateway(Invoker(), issuer.verifier())
    token = issuer.issue(seed.ADMIN.email)
    headers = {"authorization": f"Bearer {token}"}
    gateway.dispatch("GET", "/bureau/overview", headers, None)  # warm
    with AwsCalls() as calls:
        t0 = time.perf_counter()
        status, _, raw = gateway.dispatch("GET", "/bureau/overview", headers, None)
        elapsed = time.perf_counter() - t0
    assert status == 200 and len(json.loads(raw)["items"]) == args.clients + 3, (status, raw[:200])
    rows.append(("GET /bureau/overview (gateway, JWT, policy)", f"{elapsed * 1000:,.0f} ms", _calls(calls)))
    rows.append((f"setup: {args.clients:,} clients and their counter items written", f"{setup_s:.0f} s", "-"))

    # the consumer's work per event: one BatchGetItem (audit event + client), one transaction ---------
    tenant = keys.client_pk(seed.FJORD)
    audit_events, _ = st.audit_events(tenant)
    sample = [
        DomainEvent(f"{tenant}#{e['seq']}", tenant, e["seq"], e["at"], "u", e["entity"], e["key"], e["action"])
        for e in audit_events
    ]
    with AwsCalls() as calls:
        t0 = time.perf_counter()
        applied = sum(overview.apply(st, ops, e) for e in sample)
        apply_s = time.perf_counter() - t0
    rows.append(
        (
            f"overview consumer: {len(sample)} events of a client ({applied} with a counter change)",
            f"{len(sample) / apply_s:,.0f} events/s",
            _calls(calls, per=len(sample), unit="event"),
        )
    )

    # webhook fan-out and delivery ------------------------------------------------------------------
    listener = Listener().start()
    os.environ["KP_WEBHOOK_RETRY_DELAYS_S"] = "0"
    subs = Subscriptions(st, keys.client_pk(seed.FJORD), local=True)
    for _ in range(3):
        subs.create(listener.url, ["*"], None, SYSTEM)
    queued: list[dict] = []
    deliveries = Deliveries(st, ops, lambda message, delay: queued.append(message), local=True)
    domain = [
        DomainEvent(f"{tenant}#{10_000 + n}", tenant, 10_000 + n, "2026-12-01T10:00:00Z", "u", "customer",
                    f"CUSTOMER#{n}", "customer.created")
        for n in range(args.events)
    ]  # fmt: skip
    with AwsCalls() as calls:
        t0 = time.perf_counter()
        fanned = sum(deliveries.fan_out(e) for e in domain)
        fan_s = time.perf_counter() - t0
    rows.append(
        (
            f"fan-out: {args.events} events × 3 subscriptions",
            f"{args.events / fan_s:,.0f} events/s, {fanned / fan_s:,.0f} deliveries/s",
            _calls(calls, per=args.events, unit="event"),
        )
    )
    with AwsCalls() as calls:
        t0 = time.perf_counter()
        outcomes = [deliveries.attempt(m) for m in queued]
        send_s = time.perf_counter() - t0
    assert outcomes.count("delivered") == len(queued) == len(listener.received), outcomes[:5]
    rows.append(
        (
            f"delivery: {len(queued)} signed POSTs to a loopback listener",
            f"{len(queued) / send_s:,.0f} deliveries/s",
            _calls(calls, per=len(queued), unit="delivery"),
        )
    )
    listener.stop()

    print("| benchmark | result | AWS calls |")
    print("| --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    server.stop()
    return 0


def _calls(calls: AwsCalls, per: int | None = None, unit: str = "") -> str:
    scans = sum(n for name, n in calls.calls.items() if name.endswith(".Scan"))
    parts = ", ".join(f"{name.split('.', 1)[1]} {n}" for name, n in sorted(calls.calls.items()))
    text = f"{calls.total} ({parts}); scans {scans}"
    if per:
        text += f"; {calls.total / per:.1f} per {unit}"
    return text


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "layers" / "common" / "python"))
    sys.exit(main())
