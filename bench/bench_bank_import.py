"""DynamoDB calls per 1,000 matched payments: a bank file imported through the bank-imports queue
handler (target ≤ 1,100: batched reads, no per-payment scans).

A moto server, the demo tenancy, c-fjordkaffe's invoice settings and customers. Two runs:
- 1,000 payments, each paying one open item issued outside the portal (POST /receivables' service);
- N payments to N portal invoices (issued through the invoicing service; each issue renders a PDF,
  so N is smaller), reported per 1,000.
The table has no stream here (moto copies it on every transaction; see main). The file (Nets OCR
giro, written by netsgiro) is received first (stored, queued: not counted), then
the handler's invocation is counted with the botocore hook (bench/aws_calls.py).

Run from the repository root: .venv/bin/python -m bench.bench_bank_import [--items 1000] [--invoices 200]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

from bench import emulated
from bench.aws_calls import AwsCalls

TARGET = 1100


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--invoices", type=int, default=200)
    args = parser.parse_args()

    from functions import catalogue
    from infra.local import seed
    from infra.local.bank_files import Paid, ocr_file
    from infra.local.invoker import Invoker
    from klientportal import clock
    from klientportal.bank.agreements import AgreementAccount, BankAgreement
    from klientportal.bank.open_items import ReceivableIn
    from klientportal.bootstrap import invocation, tenancy_service
    from klientportal.formats.kid import mod10_control
    from klientportal.invoicing.settings import InvoiceSettings
    from klientportal.registers.service import REGISTERS, RegisterService
    from klientportal.repository.store import SYSTEM
    from tests.functions.invoicing.conftest import CLIENT, CUSTOMERS, PRODUCTS, SETTINGS

    # moto deep-copies the table (and its stream shard) on every TransactWriteItems, so a run's time
    # grows with the square of the payments; the stream is not part of what is counted (no stream
    # consumer runs here), so the bench's table has none
    catalogue.TABLES = tuple(t._replace(stream=False) for t in catalogue.TABLES)
    server, _, tmp, _ = emulated.start()
    os.environ["KP_SIM_BANK_DIR"] = str(tmp / "bank")  # read where the simulated bank channel is used
    seed.seed_tenancy(tenancy_service())
    inv = invocation()
    inv.invoices(CLIENT).put_settings(InvoiceSettings.model_validate(SETTINGS), None, SYSTEM)
    registers = RegisterService(inv.store, CLIENT)
    for name, items in (("customers", CUSTOMERS), ("products", PRODUCTS)):
        for item in items:
            registers.create(REGISTERS[name], REGISTERS[name].create.model_validate(item), SYSTEM)
    account = "86011117947"
    inv.bank(CLIENT).set_agreement(
        BankAgreement(accounts=[AgreementAccount(account=account)], channel_customer_id="bench"), SYSTEM
    )
    today = clock.today_oslo()
    fn = catalogue.function("bank-imports")
    invoker = Invoker()

    def run(label: str, payments: list[Paid], transmission: int) -> dict:
        bank = invocation().bank(CLIENT)
        rec, _ = bank.imports.receive(ocr_file(transmission, account, payments), "upload", SYSTEM)
        event = {
            "Records": [
                {
                    "messageId": f"m-{transmission}",
                    "receiptHandle": "r",
                    "body": json.dumps({"client_id": CLIENT, "import_id": rec.data["import_id"]}),
                    "attributes": {},
                    "messageAttributes": {},
                    "md5OfBody": "",
                    "eventSource": "aws:sqs",
                    "eventSourceARN": "arn:aws:sqs:eu-north-1:000000000000:klientportal-bank-imports",
                    "awsRegion": "eu-north-1",
                }
            ]
        }
        started = time.perf_counter()
        with AwsCalls() as calls:
            answer = invoker.invoke(fn, event)
        seconds = time.perf_counter() - started
        if answer.get("batchItemFailures"):
            raise SystemExit(f"{label}: the handler failed: {answer}")
        done = invocation().bank(CLIENT).imports.get(rec.data["import_id"]).data
        matched = done["counts"]["matched"]
        if matched != len(payments):
            raise SystemExit(f"{label}: {matched} of {len(payments)} matched: {done['counts']}")
        dynamodb = sum(n for name, n in calls.calls.items() if name.startswith("dynamodb."))
        per_1000 = dynamodb * 1000 / matched
        return {
            "label": label,
            "matched": matched,
            "dynamodb": dynamodb,
            "per_1000": per_1000,
            "of": ", ".join(f"{k.split('.', 1)[1]} {v}" for k, v in sorted(calls.calls.items()) if "dynamodb" in k),
            "other": calls.total - dynamodb,
            "seconds": seconds,
        }

    rows = []
    service = invocation().bank(CLIENT)
    payments = []
    for n in range(1, args.items + 1):
        number = f"X{n:05d}"
        body = f"9{n:06d}"
        kid = body + mod10_control(body)
        amount = Decimal(100 + n % 900) + Decimal("0.50")
        service.receivables.add(
            ReceivableIn(
                invoice_number=number,
                customer_number=1 + n % 6,
                kid=kid,
                amount=amount,
                issue_date=today - timedelta(days=30),
                due_date=today - timedelta(days=16),
            ),
            SYSTEM,
        )
        payments.append(Paid(amount, kid=kid, on=today))
    rows.append(run(f"{args.items} open items from the bureau's ledger, paid in full", payments, 1))

    invoices = invocation().invoices(CLIENT)
    paid = []
    for _ in range(args.invoices):
        draft = invoices.create_draft(
            {"customer_number": 1, "lines": [{"product_number": "KAFFE-1", "quantity": "1"}]}, SYSTEM
        )
        issued = invoices.issue(draft.data["id"], SYSTEM).data
        paid.append(Paid(Decimal(issued["totals"]["payable"]), kid=issued["kid"], on=today))
    rows.append(run(f"{args.invoices} portal invoices, paid in full", paid, 2))

    print(f"Recorded {date.today().isoformat()}; load average {os.getloadavg()[0]:.1f}.\n")
    print("| file | matched | DynamoDB calls | per 1,000 matched | target ≤ 1,100 | of which | other AWS calls | s |")
    print("|---|---:|---:|---:|---|---|---:|---:|")
    for r in rows:
        verdict = "met" if r["per_1000"] <= TARGET else "not met"
        print(
            f"| {r['label']} | {r['matched']} | {r['dynamodb']} | {r['per_1000']:.0f} | {verdict} | {r['of']} | "
            f"{r['other']} | {r['seconds']:.1f} |"
        )
    server.stop()
    return 0 if all(r["per_1000"] <= TARGET for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
