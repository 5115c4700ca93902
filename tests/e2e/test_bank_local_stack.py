"""Incoming payments on the local stack, as a person walks through them over HTTP:
invoices issued and an open item imported → the bank simulator delivers an OCR file (the demo
seed's) and a camt.054 → paid, partly paid and unmatched visible → the same files again → nothing
changes → a corrupt file rejected."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from decimal import Decimal

import pytest

from infra.local.bank_files import Paid, camt054
from tests.e2e.local_stack import free_port, local_stack, token

PORT = int(os.environ.get("KP_BANK_E2E_PORT") or free_port())
URL = f"http://127.0.0.1:{PORT}"
BASE = f"{URL}/clients/c-fjordkaffe"
CUSTOMER = "fjordkaffe-dnb"
ACCOUNT = "86011117947"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    local_dir = tmp_path_factory.mktemp("local")
    with local_stack(local_dir, port=PORT, env={"KP_SIM_BANK_DIR": str(local_dir / "bank")}) as running:
        yield {"token": token(running, "daglig@fjordkaffe.no"), "dir": local_dir}


def _http(method: str, url: str, token: str | None = None, body: object = None, raw: bytes | None = None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(url, method=method, data=data)
    req.add_header("content-type", "application/octet-stream" if raw is not None else "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def _until(what, check, seconds: float = 120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(1)
    pytest.fail(f"waited {seconds} s for {what}")


def _imports(token: str) -> list[dict]:
    return _http("GET", f"{BASE}/bank/imports", token)[1]["items"]


def _settled(token: str, n: int) -> list[dict]:
    found = _imports(token)
    return found if len(found) >= n and all(i["state"] != "received" for i in found) else []


def _ledger(token: str) -> dict[str, dict]:
    return {i["invoice_number"]: i for i in _http("GET", f"{BASE}/receivables", token)[1]["items"]}


def test_a_bank_walk_through_on_the_local_stack(stack):
    token = stack["token"]
    # issue an invoice and import an open item from the bureau's ledger
    status, draft = _http(
        "POST",
        f"{BASE}/invoices",
        token,
        {"customer_number": 1, "lines": [{"product_number": "KAFFE-1", "quantity": "2"}]},
    )
    assert status == 201, draft
    status, issued = _http("POST", f"{BASE}/invoices/{draft['id']}/issue", token)
    assert status == 200, issued
    item = {
        "invoice_number": "H-2042",
        "customer_number": 3,
        "kid": "20420",
        "amount": "300.00",
        "issue_date": "2026-01-05",
        "due_date": "2026-01-19",
    }
    assert _http("POST", f"{BASE}/receivables", token, item)[0] == 201
    before = _ledger(token)
    first_sent = min(
        (i for i in before.values() if i["source"] == "portal" and i["status"] == "open"),
        key=lambda i: int(i["invoice_number"]),
    )

    # the bank offers a camt.054 beside the seed's OCR file; the schedule fetches both
    camt = camt054(
        "DNB-CN-E2E-1",
        ACCOUNT,
        [
            ("E2E-1", Paid(Decimal("100.00"), kid=issued["kid"])),  # partly pays the new invoice
            ("E2E-2", Paid(Decimal("300.00"), kid="20420")),  # pays H-2042 in full
            ("E2E-3", Paid(Decimal("12.00"), text=f"Faktura {issued['number']}", payer="Epost Kunde")),  # no KID
        ],
    )
    assert _http("POST", f"{URL}/_local/bank/{CUSTOMER}/CAMT054.E2E.1.xml", raw=camt)[0] == 201
    status, fired = _http("POST", f"{URL}/_local/schedules/bank-retrieval")
    assert status == 200 and fired["result"]["received"] == 2, fired
    imports = _until("both imports booked", lambda: _settled(token, 2))
    assert {i["format"]: i["state"] for i in imports} == {"nets-ocr": "booked", "camt.054": "booked"}

    after = _ledger(token)
    assert after[first_sent["invoice_number"]]["status"] == "paid"  # the seed's OCR file paid it in full
    assert after["H-2041"]["status"] == "partly_paid" and after["H-2041"]["remaining"] == "1400.00"
    assert after[str(issued["number"])]["status"] == "partly_paid" and after["H-2042"]["status"] == "paid"
    status, queue = _http("GET", f"{BASE}/bank/payments?status=unmatched", token)
    rules = sorted(p["explanation"]["rule"] for p in queue["items"])
    assert rules == ["no-kid", "unknown-kid"], queue
    no_kid = next(p for p in queue["items"] if p["explanation"]["rule"] == "no-kid")
    assert no_kid["suggestions"] and no_kid["suggestions"][0]["number"] == str(issued["number"])

    # the same files again: through the channel and as an upload — nothing changes
    done = stack["dir"] / "bank" / CUSTOMER / "outbound" / "acknowledged"
    ocr_name = next(p.name for p in done.iterdir() if p.name.startswith("OCR"))
    ocr = (done / ocr_name).read_bytes()
    assert _http("POST", f"{URL}/_local/bank/{CUSTOMER}/{ocr_name}", raw=ocr)[0] == 201
    assert _http("POST", f"{URL}/_local/bank/{CUSTOMER}/CAMT054.E2E.1.xml", raw=camt)[0] == 201
    status, fired = _http("POST", f"{URL}/_local/schedules/bank-retrieval")
    assert fired["result"]["received"] == 0 and fired["result"]["known"] == 2, fired
    status, again = _http("POST", f"{BASE}/bank/imports", token, raw=ocr)
    assert status == 200 and again["state"] == "booked"
    time.sleep(3)
    assert _ledger(token) == after and len(_imports(token)) == 2
    assert len(_http("GET", f"{BASE}/bank/payments?status=unmatched", token)[1]["items"]) == 2

    # a corrupt file: rejected whole with the line, kept, nothing booked
    corrupt = ocr.replace(b"NY000089", b"NY000088", 1)  # the end record's type damaged
    status, received = _http("POST", f"{BASE}/bank/imports", token, raw=corrupt)
    assert status == 202, received
    rejected = _until(
        "the corrupt file rejected",
        lambda: (
            (r := _http("GET", f"{BASE}/bank/imports/{received['import_id']}", token)[1])["state"] != "received" and r
        ),
    )
    assert rejected["state"] == "rejected" and rejected["rejection"]["line"] is not None, rejected
    assert _ledger(token) == after
