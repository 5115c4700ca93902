"""A payroll run end to end on the local stack's pieces: N employees (default 1000) registered,
their tax cards fetched, the run computed (every 10th with deductions, every 7th starting inside the
month), approved (step-up) and its a-melding written, through the real handlers and the local
gateway against the local stack's moto server (infra.local.moto_server: DynamoDB's transaction
semantics). Time, AWS and DynamoDB calls per step and per employee (bench/aws_calls.py). Run from
the repository root:
.venv/bin/python -m bench.bench_payroll_run [--employees 1000]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import uuid
from pathlib import Path

from bench import emulated

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "layers" / "common" / "python"))

from bench.aws_calls import AwsCalls  # noqa: E402


def _national_ids(n: int) -> list[str]:
    from klientportal.validation.norwegian import validate_national_id

    found: list[str] = []
    day = 0
    while len(found) < n:
        birth = f"{1 + day % 28:02d}{1 + (day // 28) % 12:02d}{70 + (day // 336) % 30:02d}"
        for serial in range(100, 500):
            candidate = f"{birth}{serial:03d}"
            for check in range(100):
                try:
                    validate_national_id(f"{candidate}{check:02d}")
                except ValueError:
                    continue
                found.append(f"{candidate}{check:02d}")
                break
            if len(found) >= n or len(found) % 3 == 0:
                break
        day += 1
    return found[:n]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--employees", type=int, default=1000)
    args = parser.parse_args()
    from infra.local import moto_lambda, seed
    from infra.local.gateway import Gateway
    from infra.local.invoker import Invoker
    from klientportal.auth.tokens import DevIssuer
    from klientportal.bootstrap import store, tenancy_service
    from klientportal.payments.step_up import DEFAULT_ACR_VALUES
    from klientportal.registers.service import REGISTERS, RegisterService
    from klientportal.repository.store import SYSTEM
    from klientportal.workflows import executions

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server, _, tmp, _ = emulated.start()  # the local stack's moto: DynamoDB's transaction semantics (0706)
    seed.seed_tenancy(tenancy_service())
    issuer = DevIssuer(Path(tmp) / "key.pem")
    invoker = Invoker()
    moto_lambda.install(invoker.invoke_deployed)  # the payroll-approval workflow's Lambda tasks, in-process
    gateway = Gateway(invoker, issuer.verifier())
    admin = "post@hansenbygg.no"
    plain = issuer.issue(admin)
    client = "c-hansenbygg"
    base = f"/clients/{client}"
    n = args.employees
    started = time.perf_counter()
    registers = RegisterService(store(), client)
    spec = REGISTERS["employees"]
    hours: dict[str, dict[str, str]] = {}
    for i, nid in enumerate(_national_ids(n), start=1):
        item = {
            "employee_number": i,
            "first_name": "Ansatt",
            "last_name": f"Nr {i}",
            "national_id": nid,
            "employment_start": "2026-03-16" if i % 7 == 0 else "2025-01-01",
            "bank_account": "86011117947",
            "occupation_code": "7115108",
            "pension_percentage": "2",
            **(
                {"salary_form": "hourly", "hourly_rate": "265.50"}
                if i % 5 == 0
                else {"salary_form": "fixed", "monthly_salary": f"{30000 + 37 * i}.00"}
            ),
        }
        if i % 5 == 0:
            hours[str(i)] = {"hours": "142.5", "overtime_hours": "3.25"}
        if i % 10 == 1:
            hours[str(i)] = {"deductions": [{"kind": "union_dues", "amount": "450.00", "account": "12345678903"}]}
        registers.create(spec, spec.create.model_validate(item), SYSTEM)
    setup_s = time.perf_counter() - started

    def call(method: str, path: str, body: dict | None = None, token: str = plain) -> tuple[dict, float, AwsCalls]:
        headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
        headers["idempotency-key"] = uuid.uuid4().hex
        with AwsCalls() as calls:
            t0 = time.perf_counter()
            status, _, raw = gateway.dispatch(method, path, headers, json.dumps(body).encode() if body else None)
            elapsed = time.perf_counter() - t0
        assert status < 300, (method, path, status, raw[:500])
        return (json.loads(raw) if raw[:1] in b"{[" else {"bytes": len(raw)}), elapsed, calls

    settings = {
        "business_orgnr": "974760673",
        "zone": "1",
        "tax_account": "76940501004",
        "withholding_kid": "20260311",
        "contribution_kid": "97400016",
    }
    call("PUT", f"{base}/payroll-settings", settings)
    rows = []
    _, s, c = call("POST", f"{base}/tax-card-orders", {"income_year": 2026})
    rows.append(("POST /tax-card-orders", s, c))
    body = {"period": "2026-03", "pay_date": "2026-03-25", "employees": hours}
    run, s, c = call("POST", f"{base}/payroll-runs", body)
    rows.append(("POST /payroll-runs", s, c))
    run_id = run["run_id"]
    _, s, c = call("GET", f"{base}/payroll-runs/{run_id}")
    rows.append(("GET /payroll-runs/{id}", s, c))
    now = int(time.time())  # a fresh BankID sign-in (the payments' step-up rule: at most 300 s old)
    bankid = issuer.issue(admin, auth_level=DEFAULT_ACR_VALUES[0], auth_time=now, now=now)
    _, s, c = call("POST", f"{base}/payroll-runs/{run_id}/approval", token=bankid)
    rows.append(("POST …/approval (step-up: the decision)", s, c))
    execution = run["approval"]["execution"]
    with AwsCalls() as c:  # the workflow after the decision: book, issue the payslips, make the batch
        t0 = time.perf_counter()
        while executions.describe(execution)["status"] == "RUNNING":
            time.sleep(0.2)
        s = time.perf_counter() - t0
    status = executions.describe(execution)["status"]
    assert status == "SUCCEEDED", status
    rows.append(("workflow: Book → IssuePayslips → BatchPayments (incl. its polling)", s, c))
    _, s, c = call("GET", f"{base}/payroll-runs/{run_id}/a-melding")
    rows.append(("GET …/a-melding", s, c))
    print(
        f"{n} employees (every 5th hourly, every 7th starting on 16 March, every 10th with union dues); "
        f"registering them took {setup_s:.1f} s (not in the table)\n"
    )
    print("| step | s | AWS calls | DynamoDB calls | DynamoDB per employee | of which |")
    print("|---|---:|---:|---:|---:|---|")
    for name, seconds, calls in rows:
        dynamodb = sum(k for op, k in calls.calls.items() if op.startswith("dynamodb."))
        print(f"| {name} | {seconds:.2f} | {calls.total} | {dynamodb} | {dynamodb / n:.3f} | {calls.summary()} |")
    total_s = sum(seconds for _, seconds, _ in rows)
    total_dynamodb = sum(k for _, _, c in rows for op, k in c.calls.items() if op.startswith("dynamodb."))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nend to end: {total_s:.1f} s, {total_dynamodb / n:.3f} DynamoDB calls per employee; load {load}")
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
