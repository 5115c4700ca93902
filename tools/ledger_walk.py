"""Walk the ledger on a running local stack (`klientportal local`): the seeded ledger, an invoice issued
and a voucher booked through the API, the trial balance before and after, a closed month refusing a
booking, SAF-T exported (every standard account has its default grouping, 0810; a client's own
unmapped account would be refused and mapped first) and checked against the 1.30 XSD. Prints what
it sees; exits 1 at the first thing that is not as it should be.

Run: KP_LOCAL_DIR=<the stack's dir> python tools/ledger_walk.py http://127.0.0.1:8160
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "layers/common/python")]

from infra.local.runner import local_key_file  # noqa: E402
from klientportal.auth.tokens import DevIssuer  # noqa: E402

CLIENT = "c-fjordkaffe"
BASE = f"/clients/{CLIENT}"
ACCOUNTANT, ADMIN, SALES = "regnskap@byraet.no", "daglig@fjordkaffe.no", "salg@fjordkaffe.no"
ATTESTER = "prosjekt@fjordkaffe.no"
XSD = ROOT.parent / "shared/conformance/saft/xsd/Norwegian_SAF-T_Financial_Schema_v_1.30.xsd"


class Walk:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.issuer = DevIssuer(local_key_file())

    def call(self, method: str, path: str, user: str, body: Any = None) -> tuple[int, Any, dict[str, str]]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("authorization", f"Bearer {self.issuer.issue(user)}")
        if data is not None:
            req.add_header("content-type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=120) as resp:
                raw, status, headers = resp.read(), resp.status, dict(resp.headers)
        except urllib.error.HTTPError as err:
            raw, status, headers = err.read(), err.code, dict(err.headers)
        ctype = headers.get("content-type", headers.get("Content-Type", ""))
        return status, (json.loads(raw) if raw and "json" in ctype else raw), headers

    def ok(self, method: str, path: str, user: str, body: Any = None) -> Any:
        status, out, _ = self.call(method, path, user, body)
        if status >= 300:
            check(False, f"{method} {path} → {status} {str(out)[:300]}")
        return out


def check(cond: bool, what: str) -> None:
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        sys.exit(1)


def trial(w: Walk) -> dict[str, dict[str, str]]:
    tb = w.ok("GET", f"{BASE}/ledger/trial-balance?from=2026-01&to=2026-12", ACCOUNTANT)
    check(tb["balanced"], f"trial balance balanced: debit {tb['totals']['debit']} = credit {tb['totals']['credit']}")
    return {r["account"]: r for r in tb["accounts"]}


def main(url: str) -> int:
    w = Walk(url)
    before = trial(w)
    check(
        "1500" in before and "2400" in before, "the seeded invoices (1500) and booked voucher (2400) are in the ledger"
    )

    draft = w.ok(
        "POST",
        f"{BASE}/invoices",
        SALES,
        {"customer_number": 1, "lines": [{"product_number": "KAFFE-1", "quantity": "2"}]},
    )
    issued = w.ok("POST", f"{BASE}/invoices/{draft['id']}/issue", SALES)
    payable = Decimal(issued["totals"]["payable"])
    entry = w.ok("GET", f"{BASE}/ledger/sources/invoice/{draft['id']}", ACCOUNTANT)
    check(entry["series"] == "faktura", f"invoice {issued['number']} booked as {entry['voucher_number']}")

    booked_voucher = None
    for waiting in w.ok("GET", f"{BASE}/attestations", ATTESTER)["items"]:  # the seeded one: attest, then book
        decision = {"decision": "approve", "comment": "OK"}
        w.ok("POST", f"{BASE}/attestations/{waiting['task_id']}/decision", ATTESTER, decision)
    approved: list[dict[str, Any]] = []
    for _ in range(30):  # the attestation workflow moves the voucher on (Step Functions, asynchronously)
        approved = w.ok("GET", f"{BASE}/vouchers?queue=approved", ACCOUNTANT)["items"]
        if approved:
            break
        time.sleep(1)
    for v in approved:
        if (v.get("details") or {}).get("supplier_number") is not None:
            booked_voucher = w.ok(
                "POST", f"{BASE}/vouchers/{v['voucher_id']}/booking", ACCOUNTANT, {"version": v["version"]}
            )
            break
    after = trial(w)
    grew = Decimal(after["1500"]["debit"]) - Decimal(before["1500"]["debit"])
    check(grew == payable, f"1500 debit grew by the invoice's payable {payable}")
    if booked_voucher:
        number = booked_voucher["booking"]["voucher_number"]
        total = Decimal(booked_voucher["details"]["total"])
        grown = Decimal(after["2400"]["credit"]) - Decimal(before["2400"]["credit"])
        check(grown == total, f"voucher booked as {number}: 2400 credit grew by its total {total}")
        source = w.ok("GET", f"{BASE}/ledger/sources/voucher/{booked_voucher['voucher_id']}", ACCOUNTANT)
        check(source["voucher_number"] == number, "the voucher's entry is found by its source")

    status, problem, _ = w.call("POST", f"{BASE}/ledger/periods/2026-01/close", ADMIN)
    check(status == 403, "a client admin cannot close a period (403)")
    closed = w.ok("POST", f"{BASE}/ledger/periods/2026-01/close", ACCOUNTANT)
    check(closed["status"] == "closed", "the bureau closed 2026-01")
    w.ok("POST", f"{BASE}/ledger/periods/2026-01/reopen", ACCOUNTANT)

    status, problem, _ = w.call("GET", f"{BASE}/saft?from=2026-01-01&to=2026-12-31", ACCOUNTANT)
    if status == 409:
        print(f"ok   SAF-T refused until mapped: {[u['account'] for u in problem['unmapped']]}")
    for row in problem["unmapped"] if status == 409 else []:
        code = "2740" if row["account"].startswith("27") else None
        if code is None:
            check(False, f"no demo mapping for {row['account']} {row['name']}")
        w.ok(
            "PUT",
            f"{BASE}/ledger/account-mapping/{row['account']}",
            ACCOUNTANT,
            {"grouping_category": "kortsiktigGjeld", "grouping_code": code},
        )
    status, xml, headers = w.call("GET", f"{BASE}/saft?from=2026-01-01&to=2026-12-31", ACCOUNTANT)
    check(status == 200, f"SAF-T exported: {headers.get('content-disposition') or headers.get('Content-Disposition')}")
    if XSD.is_file():
        from lxml import etree

        schema = etree.XMLSchema(etree.parse(str(XSD)))
        valid = schema.validate(etree.fromstring(xml))
        check(valid, f"valid against SAF-T Financial 1.30 ({len(xml)} bytes) {'' if valid else schema.error_log}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8160"))
