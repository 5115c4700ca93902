"""The monthly billing run at scale, on moto: N clients × 100 transactions each (default 10,000, of
which 1,000 ByråKlient clients with two members each, whose users the run counts from the periods
tenancy keeps per client: 100 clients a BatchGetItem, decision 0712), and the meter's throughput.

The clients and their month's usage counters are written straight into the table (BatchWriteItem,
the same items `client_record` and the meter write), since metering a million events one
transaction at a time is not what is measured; the run then does what it does in AWS: close the
month, read the bureau's clients (GSI1 query pages), their agreements and counters (BatchGetItem,
100 keys a call), compute the statement, write it to S3 and its audited header. Every AWS call is
counted with the botocore hook (bench/aws_calls.py). The meter is measured separately on a small
table (moto copies the whole table for every transactional write, so its per-event time grows with
the table; DynamoDB's does not).

Run from the repository root: .venv/bin/python -m bench.bench_billing [--clients 10000]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace

from bench import emulated
from bench.aws_calls import AwsCalls

MONTH = "2026-11"
PER_CLIENT = {"ehf_sent": 40, "ehf_received": 25, "print_letter": 10, "ocr_interpretation": 15, "payslip": 10}
BUREAU = "b-bench"


def _start() -> None:

    emulated.start()


def _seed(clients: int, byraklient: int) -> None:
    """The bureau, the platform's price list, `clients` clients (the first `byraklient` of them
    ByråKlient with two active members each, the rest Portal) and their November counters."""
    from boto3.dynamodb.types import TypeSerializer

    from infra.local.seed_billing import PLATFORM_PRICES
    from klientportal import aws
    from klientportal.billing.metering import COUNT
    from klientportal.billing.prices import PriceListVersion
    from klientportal.bootstrap import invocation
    from klientportal.repository import keys
    from klientportal.repository.records import Record
    from klientportal.repository.store import SYSTEM
    from klientportal.settings import settings
    from klientportal.tenancy.models import Client, ExternalLicence, Membership, Module, Role, Tier
    from klientportal.tenancy.repository import client_record, membership_record

    invocation().billing().add_version(
        keys.PLATFORM_BILLING_PK, PriceListVersion.model_validate(PLATFORM_PRICES), SYSTEM
    )
    ser, ddb, table = TypeSerializer(), aws.client("dynamodb"), settings().main_table
    items = []
    for n in range(clients):
        client_id = f"c-bench-{n:05d}"
        client = Client(
            client_id=client_id,
            bureau_id=BUREAU,
            name=f"Klient {n} AS",
            orgnr="912345610",
            tier=Tier.BYRAKLIENT if n < byraklient else Tier.PORTAL,
            modules=[Module.INVOICING],
            licence=ExternalLicence(status="registered", automatic=True),
        )
        rec = client_record(client)
        items.append({**rec.to_item(), "version": 1, "created_at": "2026-01-05T09:00:00+00:00"})
        members: dict[str, list[dict[str, str | None]]] = {}
        for m in range(2 if n < byraklient else 0):
            member = Membership(
                sub=f"u-{n:05d}-{m}",
                email=f"bruker{m}@klient{n}.no",
                scope="client",
                scope_id=client_id,
                role=Role.CLIENT_ADMIN if m == 0 else Role.CLIENT_USER,
                status="active",
            )
            made = membership_record(member)
            since = [{"from": "2026-01-05T09:00:00+00:00", "to": None}]  # active all year
            made = replace(made, data={**made.data, "active_periods": since})
            items.append({**made.to_item(), "version": 1, "created_at": "2026-01-05T09:00:00+00:00"})
            members[member.sub] = since
        if members:  # what tenancy keeps beside them (the item the run reads, decision 0712)
            periods = Record(keys.client_pk(client_id), keys.MEMBER_PERIODS_SK, "member_periods", {"members": members})
            items.append({**periods.to_item(), "version": 2, "created_at": "2026-01-05T09:00:00+00:00"})
        items.append(
            {
                "PK": keys.client_pk(client_id),
                "SK": keys.usage_month_sk(MONTH),
                "entity": "usage_month",
                "client_id": client_id,
                "month": MONTH,
                **{COUNT + t: q for t, q in PER_CLIENT.items()},
            }
        )
    for start in range(0, len(items), 25):
        request = {
            table: [
                {"PutRequest": {"Item": {k: ser.serialize(v) for k, v in i.items()}}} for i in items[start : start + 25]
            ]
        }
        while request:
            request = ddb.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}


def bench_run(clients: int, byraklient: int) -> dict[str, object]:
    from klientportal import clock
    from klientportal.billing.months import Month
    from klientportal.bootstrap import invocation
    from klientportal.repository.store import SYSTEM

    clock.set_clock("2026-12-01T04:00")
    started = time.perf_counter()
    _bureau(BUREAU)
    _seed(clients, byraklient)
    seeded = time.perf_counter() - started
    with AwsCalls() as calls:
        started = time.perf_counter()
        outcome = invocation().billing().run(BUREAU, Month.parse(MONTH), SYSTEM)
        took = time.perf_counter() - started
    statement = outcome["statement"]
    assert statement["totals"]["clients"] == clients and statement["status"] == "final"
    users = [x for x in statement["lines"] if x["item"] == "byraklient_user_month"]
    assert len(users) == byraklient and all(x["quantity"] == 2 for x in users)
    with AwsCalls() as again:
        started = time.perf_counter()
        rerun = invocation().billing().run(BUREAU, Month.parse(MONTH), SYSTEM)
        rerun_took = time.perf_counter() - started
    assert rerun["statement"] == statement
    return {
        "clients": clients,
        "lines": statement["totals"]["lines"],
        "net": statement["totals"]["net"],
        "seed_s": seeded,
        "run_s": took,
        "calls": calls,
        "rerun_s": rerun_took,
        "rerun_calls": again,
    }


def _bureau(bureau_id: str) -> None:
    from klientportal.bootstrap import tenancy_service
    from klientportal.repository.store import SYSTEM
    from klientportal.tenancy.models import BureauLicence, Module

    tenancy_service().create_bureau(
        bureau_id,
        "Bench Regnskap AS",
        "912345602",
        BureauLicence(licence_number="B-1", modules=list(Module)),
        f"{bureau_id}@example.no",
        None,
        SYSTEM,
    )


def bench_meter(events: int) -> tuple[float, AwsCalls]:
    """`events` billable events of 10 clients through the meter in batches of 10, as the queue delivers them."""
    import json
    import uuid

    from klientportal.billing.metering import Meter, UsageEvent
    from klientportal.bootstrap import invocation, store, tenancy_service
    from klientportal.repository import keys
    from klientportal.repository.records import Record
    from klientportal.repository.store import SYSTEM
    from klientportal.tenancy.models import ClientCreate, Tier

    _bureau("b-meter")
    service = tenancy_service()
    ids = [
        service.create_client(
            "b-meter", ClientCreate(name=f"Måler {n} AS", orgnr=orgnr, tier=Tier.PORTAL), SYSTEM
        ).client_id
        for n, orgnr in enumerate(("923456708", "923456716", "923456724", "923456759", "923456767"))
    ]
    details = []
    st = store()
    for n in range(events):
        client_id = ids[n % len(ids)]
        rec = Record(keys.client_pk(client_id), f"BENCH#{uuid.uuid4().hex}", "bench", {})
        st.create(rec, SYSTEM, "payslip.issued")
        head = st.get(rec.pk, keys.AUDIT_HEAD_SK)
        assert head is not None
        seq = int(head.extra["seq"])
        details.append(
            {
                "id": f"{rec.pk}#{seq}",
                "tenant": rec.pk,
                "seq": seq,
                "at": "2026-12-01T05:00:00+00:00",
                "actor": "system",
                "entity": "bench",
                "key": rec.sk,
                "action": "payslip.issued",
            }
        )
    bodies = [json.dumps({"source": "klientportal", "detail-type": d["action"], "detail": d}) for d in details]
    with AwsCalls() as calls:
        started = time.perf_counter()
        for start in range(0, len(bodies), 10):
            Meter(invocation().store).meter([UsageEvent.from_rule_message(b) for b in bodies[start : start + 10]])
        took = time.perf_counter() - started
    return took, calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--byraklient", type=int, default=1_000, help="how many of the clients are ByråKlient")
    args = parser.parse_args()
    _start()
    took, meter_calls = bench_meter(args.events)
    result = bench_run(args.clients, min(args.byraklient, args.clients))
    calls = result["calls"]
    assert isinstance(calls, AwsCalls)
    ddb = sum(n for name, n in calls.calls.items() if name.startswith("dynamodb."))
    print("| measure | value |\n| --- | --- |")
    print(
        f"| clients × transactions | {args.clients:,} × 100, {min(args.byraklient, args.clients):,} ByråKlient "
        f"({result['lines']:,} statement lines, net {result['net']}) |"
    )
    print(f"| seeding (BatchWriteItem, not measured) | {result['seed_s']:.1f} s |")
    print(f"| monthly run (final statement) | **{result['run_s']:.1f} s** |")
    print(f"| DynamoDB calls of the run | {ddb} ({calls.summary()}) |")
    print(f"| DynamoDB calls per client | {ddb / args.clients:.3f} |")
    rerun = result["rerun_calls"]
    assert isinstance(rerun, AwsCalls)
    print(f"| re-run (returns the stored statement) | {result['rerun_s']:.1f} s, calls: {rerun.summary()} |")
    print(
        f"| meter: {args.events} events in batches of 10 (small table) | {took:.1f} s, "
        f"{args.events / took:.0f} events/s; {meter_calls.summary()} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
