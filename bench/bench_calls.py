"""AWS calls and time per API operation, main routes, through the real handlers.

The local gateway (JWT, routing) calls each handler in-process against a moto server, as `make run`
does; every boto3 call is counted with a botocore hook (bench/aws_calls.py). Each operation runs
on warm handlers (a first walk outside the table: handler imports, the local SES sender domain
verified), without an Idempotency-Key unless the row says so (powertools idempotency adds a
PutItem and an UpdateItem). Pumps (stream, queues) are not run, so their traffic is not counted.
The time is the median of the runs on this machine against moto, not a Lambda figure.

Run from the repository root: .venv/bin/python -m bench.bench_calls [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from bench import emulated
from bench.aws_calls import AwsCalls

BUDGET = 12  # create + issue + send by e-mail (tests/functions/invoicing/test_aws_call_budget.py; 0802)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from infra.local import seed
    from infra.local.gateway import Gateway
    from infra.local.invoker import Invoker
    from klientportal.auth.tokens import DevIssuer
    from klientportal.bootstrap import store, tenancy_service
    from klientportal.registers.service import REGISTERS, RegisterService
    from klientportal.repository.store import SYSTEM
    from tests.functions.invoicing.conftest import BASE, CLIENT, CUSTOMERS, PRODUCTS, SETTINGS

    server, _, tmp, _ = emulated.start()
    seed.seed_tenancy(tenancy_service())
    issuer = DevIssuer(Path(tmp) / "key.pem")
    gateway = Gateway(Invoker(), issuer.verifier())
    tokens = {u: issuer.issue(u) for u in ("salg@fjordkaffe.no", "daglig@fjordkaffe.no", "regnskap@byraet.no")}
    registers = RegisterService(store(), CLIENT)
    for name, items in (("customers", CUSTOMERS), ("products", PRODUCTS)):
        for item in items:
            registers.create(REGISTERS[name], REGISTERS[name].create.model_validate(item), SYSTEM)

    def call(
        method: str, path: str, body: dict | None = None, *, user: str = "salg@fjordkaffe.no", key: bool = False
    ) -> dict:
        headers = {
            "authorization": f"Bearer {tokens[user]}",
            "content-type": "application/json",
            **({"idempotency-key": uuid.uuid4().hex} if key else {}),
        }
        status, _, raw = gateway.dispatch(method, path, headers, json.dumps(body).encode() if body else None)
        assert status < 300, (method, path, status, raw[:300])
        return json.loads(raw) if raw and raw[:1] in b"{[" else {}

    lines = [{"product_number": "KAFFE-1", "quantity": "3"}, {"product_number": "RAAD", "quantity": "1.5"}]
    admin = "daglig@fjordkaffe.no"
    call("PUT", f"{BASE}/invoice-settings", SETTINGS, user=admin)

    def new_draft() -> str:
        return call("POST", f"{BASE}/invoices", {"customer_number": 1, "lines": lines})["id"]

    def issued() -> str:
        invoice_id = new_draft()
        call("POST", f"{BASE}/invoices/{invoice_id}/issue")
        return invoice_id

    def sent() -> str:
        invoice_id = issued()
        call("POST", f"{BASE}/invoices/{invoice_id}/send")
        return invoice_id

    sent()  # warm: handler imports, the local SES sender domain verified

    def nothing() -> str:
        return ""

    rows: list[tuple[str, Callable[[], str], Callable[[str], object]]] = [
        ("GET /me", nothing, lambda _: call("GET", "/me")),
        ("GET /clients (accountant)", nothing, lambda _: call("GET", "/clients", user="regnskap@byraet.no")),
        ("GET /clients/{id}", nothing, lambda _: call("GET", f"/clients/{CLIENT}")),
        ("GET /clients/{id}/customers", nothing, lambda _: call("GET", f"{BASE}/customers")),
        ("GET /clients/{id}/invoices", nothing, lambda _: call("GET", f"{BASE}/invoices")),
        ("POST /invoices (create, 2 product lines)", nothing, lambda _: new_draft()),
        (
            "POST /invoices with Idempotency-Key",
            nothing,
            lambda _: call("POST", f"{BASE}/invoices", {"customer_number": 1, "lines": lines}, key=True),
        ),
        ("POST /invoices/{id}/issue", new_draft, lambda i: call("POST", f"{BASE}/invoices/{i}/issue")),
        ("POST /invoices/{id}/send (e-mail)", issued, lambda i: call("POST", f"{BASE}/invoices/{i}/send")),
        ("GET /invoices/{id}", sent, lambda i: call("GET", f"{BASE}/invoices/{i}")),
        ("GET /invoices/{id}/pdf", sent, lambda i: call("GET", f"{BASE}/invoices/{i}/pdf")),
        (
            "POST /invoices/{id}/payments",
            sent,
            lambda i: call(
                "POST",
                f"{BASE}/invoices/{i}/payments",
                {"payment_id": uuid.uuid4().hex, "amount": "100.00", "paid_on": "2026-03-02"},
                user=admin,
            ),
        ),
        (
            "POST /invoices (accountant)",
            nothing,
            lambda _: call(
                "POST", f"{BASE}/invoices", {"customer_number": 1, "lines": lines}, user="regnskap@byraet.no"
            ),
        ),
        ("GET /clients/{id}/audit-events", nothing, lambda _: call("GET", f"{BASE}/audit-events", user=admin)),
    ]
    print(f"## AWS calls per API operation (median of {args.runs}; warm handlers, moto server)\n")
    print("| operation | AWS calls | of which | ms |")
    print("|---|---:|---|---:|")
    walk = 0
    for name, prepare, operation in rows:
        counts, times, summary = [], [], ""
        for _ in range(args.runs):
            arg = prepare()
            with AwsCalls() as calls:
                started = time.perf_counter()
                operation(arg)
                times.append((time.perf_counter() - started) * 1000)
            counts.append(calls.total)
            summary = calls.summary()
        if name.startswith(("POST /invoices (create", "POST /invoices/{id}/issue", "POST /invoices/{id}/send")):
            walk += max(counts)
        spread = f"{min(counts)}–{max(counts)}" if min(counts) != max(counts) else str(counts[0])
        print(f"| {name} | {spread} | {summary} | {statistics.median(times):.0f} |", flush=True)
    print(
        f"\ncreate + issue + send by e-mail: {walk} AWS calls (budget ≤ {BUDGET}: "
        f"{'met' if walk <= BUDGET else 'NOT MET'})"
    )
    server.stop()
    return 0 if walk <= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
