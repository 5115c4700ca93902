"""Ledger benchmark: the trial balance of a client with 100,000 postings (time and AWS calls), beside
a client with a few, and one booking (an invoice issued) on the big client.

The postings are made by `journal_changes` itself (the same entries, indexes, balances and periods a
booking writes) against an in-memory copy of the partition, then loaded into moto with
BatchWriteItem: booking 5,000 entries one transaction at a time would take the shared machine many
minutes and measure moto, not the ledger. The audit trail of the loaded entries is not written.
The reads go through the real handler (local gateway, JWT) against a moto server.

Run from the repository root: .venv/bin/python -m bench.bench_ledger [--postings 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench import emulated
from bench.aws_calls import AwsCalls

ACCOUNTS = ("3000", "3020", "4300", "6300", "6540", "6800", "6900", "7140")


def _drafts(n_postings: int, per_entry: int = 20) -> list[Any]:
    """Entries of `per_entry` postings over a year: sales and costs on 8 accounts, settled in 1920."""
    from klientportal.ledger.journal import JournalDraft, Posting

    rng = random.Random(7)
    out = []
    for i in range(n_postings // per_entry):
        day = date(2026, 1 + i % 12, 1 + i % 28)
        postings = []
        for j in range(per_entry - 1):
            amount = Decimal(rng.randint(100, 1_000_000)) / 100
            account = ACCOUNTS[j % len(ACCOUNTS)]
            postings.append(Posting(account, amount if account[0] != "3" else -amount, f"linje {j}"))
        postings.append(Posting("1920", -sum((p.amount for p in postings), Decimal(0)), "bank"))
        out.append(JournalDraft("bank", day, f"bilag {i}", "bench", f"b-{i}", tuple(postings)))
    return out


def _load(pk: str, drafts: list[Any]) -> int:
    """Book `drafts` with journal_changes against a dict, then write the final items to moto."""
    from klientportal import aws
    from klientportal.ledger.journal import journal_changes
    from klientportal.repository.records import Record
    from klientportal.repository.store import SYSTEM, Store
    from klientportal.settings import settings

    items: dict[tuple[str, str], Record] = {}

    class Memory(Store):
        def __init__(self) -> None:  # no table: the partition in a dict
            pass

        def get_many(self, keys: Any) -> dict[tuple[str, str], Record | None]:
            return {k: items.get(k) for k in keys}

    memory = Memory()
    for draft in drafts:
        for change in journal_changes(memory, pk, draft, SYSTEM):
            after = change.after
            assert after is not None
            items[(after.pk, after.sk)] = replace(after, version=(change.before.version if change.before else 0) + 1)
    from boto3.dynamodb.types import TypeSerializer

    ser = TypeSerializer()
    client = aws.client("dynamodb")
    table = settings().main_table
    batch: list[dict[str, Any]] = []
    for rec in items.values():
        item = {k: ser.serialize(v) for k, v in rec.to_item().items() if v is not None}
        batch.append({"PutRequest": {"Item": item}})
        if len(batch) == 25:
            client.batch_write_item(RequestItems={table: batch})
            batch = []
    if batch:
        client.batch_write_item(RequestItems={table: batch})
    return len(items)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postings", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from botocore.config import Config

    from infra.local import seed
    from infra.local.gateway import Gateway
    from infra.local.invoker import Invoker
    from klientportal import aws
    from klientportal.auth.tokens import DevIssuer
    from klientportal.bootstrap import store, tenancy_service
    from klientportal.registers.service import REGISTERS, RegisterService
    from klientportal.repository import keys
    from klientportal.repository.store import SYSTEM
    from tests.functions.invoicing.conftest import CUSTOMERS, PRODUCTS, SETTINGS

    # moto on a shared 2-core machine answers slowly under load; Lambda's 10 s read timeout would turn that
    # into errors the bench is not about
    aws._CONFIG = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=10, read_timeout=300)
    aws.reset()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server, _, tmp, _ = emulated.start()  # patched as the local stack and the tests run it (0706, 0811)
    seed.seed_tenancy(tenancy_service())
    issuer = DevIssuer(Path(tmp) / "key.pem")
    gateway = Gateway(Invoker(), issuer.verifier())
    accountant = issuer.issue("regnskap@byraet.no")

    def call(method: str, path: str, token: str = accountant, body: dict | None = None) -> Any:
        headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
        status, _, raw = gateway.dispatch(method, path, headers, json.dumps(body).encode() if body else None)
        assert status < 300, (method, path, status, raw[:300])
        return json.loads(raw)

    big, small = seed.FJORD, seed.BYGG
    users = {big: issuer.issue("daglig@fjordkaffe.no"), small: issuer.issue("post@hansenbygg.no")}
    call("GET", "/me")
    drafts: dict[str, list[str]] = {}
    for client, user in users.items():
        call("PUT", f"/clients/{client}/invoice-settings", user, SETTINGS)
        registers = RegisterService(store(), client)
        for name, entries in (("customers", CUSTOMERS), ("products", PRODUCTS)):
            for item in entries:
                registers.create(REGISTERS[name], REGISTERS[name].create.model_validate(item), SYSTEM)
        drafts[client] = [
            call(
                "POST",
                f"/clients/{client}/invoices",
                user,
                {"customer_number": 1, "lines": [{"product_number": "RAAD", "quantity": "2"}]},
            )["id"]
            for _ in range(args.runs + 1)
        ]
    started = time.perf_counter()
    loaded = _load(keys.client_pk(big), _drafts(args.postings))
    load_s = time.perf_counter() - started
    _load(keys.client_pk(small), _drafts(100))
    print(f"loaded {args.postings:,} postings as {loaded:,} items in {load_s:.0f} s\n", file=sys.stderr)

    def measure(label: str, operation: Any) -> tuple[str, str, str, float]:
        operation()  # warm
        counts, times, summary = [], [], ""
        for _ in range(args.runs):
            with AwsCalls() as calls:
                t = time.perf_counter()
                operation()
                times.append((time.perf_counter() - t) * 1000)
            counts.append(calls.total)
            summary = calls.summary()
        spread = f"{min(counts)}–{max(counts)}" if min(counts) != max(counts) else str(counts[0])
        return label, spread, summary, statistics.median(times)

    rows = []
    for client, n in ((big, args.postings), (small, 100)):
        path = f"/clients/{client}/ledger/trial-balance?from=2026-01&to=2026-12"
        result = call("GET", path)
        assert result["balanced"], result["totals"]
        rows.append(
            measure(
                f"trial balance, {n:,} postings ({len(result['accounts'])} accounts)", lambda p=path: call("GET", p)
            )
        )
    rows.append(
        measure(
            f"profit and loss beside last year, {args.postings:,} postings",
            lambda: call("GET", f"/clients/{big}/ledger/profit-and-loss?from=2026-01&to=2026-12"),
        )
    )
    rows.append(
        measure(
            "postings on one account, one month, first page (50)",
            lambda: call("GET", f"/clients/{big}/ledger/accounts/4300/postings?period=2026-06"),
        )
    )

    saft_size: list[int] = []

    def saft() -> None:
        headers = {"authorization": f"Bearer {accountant}"}
        status, _, raw = gateway.dispatch("GET", f"/clients/{big}/saft?from=2026-06-01&to=2026-06-30", headers, None)
        assert status == 200, (status, raw[:300])
        saft_size[:] = [len(raw)]

    rows.append(measure(f"SAF-T 1.30 of one month (June), {args.postings:,} postings in the ledger", saft))
    for client, n in ((big, args.postings), (small, 100)):
        rows.append(
            measure(
                f"issue an invoice (booked in the same transaction), client with {n:,} postings",
                lambda c=client: call("POST", f"/clients/{c}/invoices/{drafts[c].pop()}/issue", users[c]),
            )
        )
    print(f"## Ledger (median of {args.runs}; warm handlers, moto server; SAF-T file {saft_size[0]:,} bytes)\n")
    print("| operation | AWS calls | of which | ms |")
    print("|---|---:|---|---:|")
    for label, spread, summary, ms in rows:
        print(f"| {label} | {spread} | {summary} | {ms:.0f} |", flush=True)
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
