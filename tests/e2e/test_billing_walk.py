"""The billing walk-through on the local stack (`klientportal local`, real HTTP), with the clock on
20 November 2026: the demo clients send EHF, e-mail and print; Fjordkaffe receives an EHF from the
access point, the bank channel delivers an OCR giro file and Fjordkaffe imports a camt.054 that repeats
one of its payments; Byggmester Hansen gets a second user, runs payroll (approved with BankID: payslips
issued, the salary batch approved by two people and sent to the bank) and submits the a-melding →
usage visible per client and type as it happens → on 1 December the run of November → the statement
per client and type (JSON, CSV, PDF) → a re-run identical → draft re-invoices in the bureau's own
company, once. The payroll approval is driven through its HTTP API only (approve, then poll the run),
whatever runs behind it."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import boto3
import pytest

from infra.local.bank_files import Paid, camt054
from klientportal.formats.ehf.validation import default_conformance_dir
from tests.e2e.local_stack import free_port, local_stack, token

FJORD, BYGG, OWN = "c-fjordkaffe", "c-hansenbygg", "c-tallbalanse"
ACCOUNT = "86011117947"  # Fjordkaffe's account in the bank agreement of the demo
EHF_EXAMPLE = ("peppol", "examples", "ehf-norway", "ehf-3-faktura-1.xml")


@pytest.fixture(scope="module")
def november(tmp_path_factory):
    """The stack started with its clock on 20 November 2026 (the seed's invoices are sent then)."""
    local_dir = tmp_path_factory.mktemp("local")
    env = {"KP_CLOCK": "2026-11-20T10:00", "KP_SIM_BANK_DIR": str(local_dir / "bank")}
    port = int(os.environ.get("KP_BILLING_E2E_PORT") or free_port())
    with local_stack(local_dir, port=port, env=env) as stack:
        yield stack


def call(
    stack: dict,
    method: str,
    path: str,
    tok: str | None = None,
    body: object = None,
    raw: bytes | None = None,
) -> tuple[int, dict, bytes]:
    """(status, JSON answer or {}, raw answer) of one request; every POST carries an Idempotency-Key."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(stack["url"] + path, method=method, data=data)
    req.add_header("content-type", "application/octet-stream" if raw is not None else "application/json")
    if method == "POST":
        req.add_header("idempotency-key", uuid.uuid4().hex)
    if tok:
        req.add_header("authorization", f"Bearer {tok}")
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            status, content, kind = resp.status, resp.read(), resp.headers.get("content-type", "")
    except urllib.error.HTTPError as err:
        status, content, kind = err.code, err.read(), err.headers.get("content-type", "")
    parsed = json.loads(content) if content and "json" in kind else {}
    return status, parsed, content


def until(what: str, check, seconds: float = 180):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    pytest.fail(f"waited {seconds} s for {what}")


def usage_reaches(stack: dict, tok: str, path: str, wanted: dict[str, int]) -> dict[str, int]:
    """The counts once they reached `wanted` (the stack's pumps deliver in the background); then
    checked equal, so a type counted twice fails."""

    def reached():
        counts = call(stack, "GET", path, tok)[1]["counts"]
        return counts if all(counts.get(k, 0) >= n for k, n in wanted.items()) else None

    counts = until(f"usage {wanted} at {path}", reached)
    time.sleep(2)  # anything counted twice would arrive by now
    counts = call(stack, "GET", path, tok)[1]["counts"]
    assert {k: counts.get(k, 0) for k in wanted} == wanted, counts
    return counts


def bankid(stack: dict, email: str) -> str:
    status, answer, _ = call(stack, "POST", f"/_local/tokens/{email}/bankid")
    assert status == 200 and answer["step_up"] is True
    return str(answer["token"])


def access_point_delivers(stack: dict, client_id: str, name: str, xml: bytes) -> None:
    """What the PEPPOL access point does with an EHF for the client: the object in the inbound bucket
    under ehf/<client>/ (S3 → SQS → the ingest function, as in AWS)."""
    state = json.loads((Path(stack["dir"]) / "stack.json").read_text())
    s3 = boto3.client(
        "s3",
        endpoint_url=state["endpoint"],
        region_name="eu-north-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    bucket = state["env"].get("KP_BUCKET_INBOUND", "klientportal-inbound")
    s3.put_object(Bucket=bucket, Key=f"ehf/{client_id}/{name}", Body=xml, ContentType="application/xml")


def send_print_and_receive_ehf(stack: dict, fjord: str) -> int:
    """Fjordkaffe sends its issued invoice by print and receives an EHF; the EHFs it has received."""
    page = call(stack, "GET", f"/clients/{FJORD}/invoices", fjord)[1]
    issued = next(i for i in page["items"] if i["status"] == "issued")
    assert call(stack, "POST", f"/clients/{FJORD}/invoices/{issued['id']}/send", fjord)[0] == 200
    example = default_conformance_dir().joinpath(*EHF_EXAMPLE)
    if not example.is_file():
        return 0  # without the conformance artefacts the seed has no EHF either (README)
    orgnr = call(stack, "GET", f"/clients/{FJORD}", fjord)[1]["orgnr"]
    xml = (
        example.read_bytes()
        .replace(b"<cbc:ID>TOSL108</cbc:ID>", b"<cbc:ID>WALK-2026-11</cbc:ID>", 1)
        .replace(
            b'<cbc:EndpointID schemeID="0192">987654325</cbc:EndpointID>',
            f'<cbc:EndpointID schemeID="0192">{orgnr}</cbc:EndpointID>'.encode(),
        )
    )
    access_point_delivers(stack, FJORD, "walk-ehf-2026-11.xml", xml)
    return 2  # the seed's and this one


def bank_files_in(stack: dict, fjord: str) -> None:
    """The bank channel delivers the seed's OCR file (three payments); Fjordkaffe uploads a camt.054
    that repeats one of them (by fingerprint) and adds one: two files, four transactions."""
    status, fired, _ = call(stack, "POST", "/_local/schedules/bank-retrieval")
    assert status == 200 and fired["result"]["received"] == 1, fired
    camt = camt054(
        "DNB-CN-WALK-1",
        ACCOUNT,
        [
            ("WALK-1", Paid(Decimal("75.00"), kid="0000000018", on=date(2026, 11, 20))),  # the OCR file's
            ("WALK-2", Paid(Decimal("480.00"), text="Faktura 12345", payer="Kafé Bryggen", on=date(2026, 11, 20))),
        ],
        created="2026-11-20T09:30:00",
    )
    status, received, _ = call(stack, "POST", f"/clients/{FJORD}/bank/imports", fjord, raw=camt)
    assert status == 202, received

    def booked():
        items = call(stack, "GET", f"/clients/{FJORD}/bank/imports", fjord)[1]["items"]
        return items if len(items) == 2 and all(i["state"] == "booked" for i in items) else None

    imports = {i["format"]: i["counts"] for i in until("both bank files booked", booked)}
    assert imports["nets-ocr"]["transactions"] == 3 and imports["nets-ocr"]["duplicates"] == 0, imports
    assert imports["camt.054"]["transactions"] == 2 and imports["camt.054"]["duplicates"] == 1, imports


def second_user(stack: dict, bygg: str) -> None:
    """Byggmester Hansen invites a user, who signs in (the invitation becomes an active membership)."""
    body = {"email": "lonn@hansenbygg.no", "name": "Lise Lønn", "role": "client_user", "modules": ["payroll"]}
    status, invited, _ = call(stack, "POST", f"/clients/{BYGG}/invitations", bygg, body)
    assert status == 201, invited
    status, me, _ = call(stack, "GET", "/me", token(stack, "lonn@hansenbygg.no"))
    assert status == 200 and any(m["scope_id"] == BYGG and m["status"] == "active" for m in me["memberships"]), me


def payroll_month(stack: dict, admin: str, bygg: str) -> dict:
    """The November payroll of Byggmester Hansen: computed, approved with BankID (payslips issued, the
    salary batch made), the batch approved by two people and sent, the a-melding submitted."""
    client = call(stack, "GET", f"/clients/{BYGG}", admin)[1]
    modules = sorted({*client["modules"], "bank"})  # salaries are paid through the bank module
    status, _, raw = call(stack, "PATCH", f"/clients/{BYGG}", admin, {"version": client["version"], "modules": modules})
    assert status == 200, raw
    base = f"/clients/{BYGG}/payroll-runs"
    run_body = {"period": "2026-11", "pay_date": "2026-11-25", "employees": {"2": {"hours": "120"}}}
    status, run, raw = call(stack, "POST", base, bygg, run_body)
    assert status in (200, 201) and run["status"] in ("computed", "awaiting_approval"), raw
    assert len(run["payslips"]) == 2
    status, _, raw = call(stack, "POST", f"{base}/{run['run_id']}/approval", bankid(stack, "post@hansenbygg.no"))
    assert status in (200, 202), raw

    def approved():
        got = call(stack, "GET", f"{base}/{run['run_id']}", bygg)[1]
        done = got.get("status") == "approved" and got.get("payment_batch_id")
        return got if done and all(s.get("issued_at") for s in got["payslips"]) else None

    run = until("the payroll run approved and its payslips issued", approved)
    batch_path = f"/clients/{BYGG}/payment-batches/{run['payment_batch_id']}"
    batch = call(stack, "GET", batch_path, bygg)[1]
    assert len(batch["lines"]) == 4  # net pay × 2, forskuddstrekk, arbeidsgiveravgift
    for email in ("post@hansenbygg.no", "admin@byraet.no"):  # above the threshold: two people
        body = {"content_hash": batch["content_hash"]}
        status, _, raw = call(stack, "POST", f"{batch_path}/approvals", bankid(stack, email), body)
        assert status == 200, raw
    until("the salary batch sent to the bank", lambda: call(stack, "GET", batch_path, bygg)[1]["status"] == "sent")
    status, submitted, raw = call(stack, "POST", f"{base}/{run['run_id']}/a-melding/submissions", bygg)
    assert status in (200, 201) and submitted["status"] == "submitted", raw
    return run


def test_the_billing_walk_through(november):
    stack = november
    admin = token(stack, "admin@byraet.no")
    fjord = token(stack, "daglig@fjordkaffe.no")
    bygg = token(stack, "post@hansenbygg.no")

    ehf_received = send_print_and_receive_ehf(stack, fjord)
    bank_files_in(stack, fjord)
    second_user(stack, bygg)
    payroll_month(stack, admin, bygg)

    # usage as it happens, per client and type
    fjord_wanted = {"ehf_sent": 1, "email_invoice": 1, "print_letter": 1, "bank_file": 2, "bank_transaction": 4}
    if ehf_received:
        fjord_wanted["ehf_received"] = ehf_received
    usage_reaches(stack, fjord, f"/clients/{FJORD}/usage?month=2026-11", fjord_wanted)
    bygg_wanted = {"payslip": 2, "a_melding": 1, "payment_batch": 1, "payment_line": 4}
    usage_reaches(stack, bygg, f"/clients/{BYGG}/usage?month=2026-11", bygg_wanted)
    status, bureau, _ = call(stack, "GET", "/bureau/usage?month=2026-11", admin)
    assert status == 200
    per_client = {c["client_id"]: c["counts"] for c in bureau["clients"]}
    assert {k: per_client[FJORD].get(k) for k in fjord_wanted} == fjord_wanted
    assert {k: per_client[BYGG].get(k) for k in bygg_wanted} == bygg_wanted

    # in November the run is a preview; December is refused
    status, preview, _ = call(stack, "POST", "/bureau/billing/runs", admin, {"month": "2026-11"})
    assert status == 200 and preview["statement"]["status"] == "preview"
    assert call(stack, "POST", "/bureau/billing/runs", admin, {"month": "2026-12"})[0] == 422

    # 1 December: the run of November
    assert call(stack, "POST", "/_local/clock/2026-12-01T05:00")[0] == 200
    status, run, raw = call(stack, "POST", "/bureau/billing/runs", admin, {"month": "2026-11"})
    assert status == 200, raw
    statement = run["statement"]
    assert statement["status"] == "final" and set(statement["unpriced"]) == {"email_invoice"}  # not in the net list
    lines = {(line["client_id"], line["item"]): line for line in statement["lines"]}
    amounts = {key: (line["quantity"], line["amount"]) for key, line in lines.items()}
    assert amounts[(FJORD, "ehf_sent")] == (1, "0.90")
    assert amounts[(FJORD, "print_letter")] == (1, "9.50")
    assert amounts[(FJORD, "bank_file")] == (2, "4.00")
    assert amounts[(FJORD, "bank_transaction")] == (4, "0.60")
    assert amounts[(FJORD, "portal_client_month")] == (1, "79.00")
    if ehf_received:
        assert amounts[(FJORD, "ehf_received")] == (2, "1.20")
    assert amounts[(BYGG, "payslip")] == (2, "12.00")
    assert amounts[(BYGG, "a_melding")] == (1, "15.00")
    assert amounts[(BYGG, "payment_batch")] == (1, "1.50")
    assert amounts[(BYGG, "payment_line")] == (4, "1.60")
    assert amounts[(BYGG, "byraklient_company_month")] == (1, "120.00")
    assert amounts[(BYGG, "byraklient_user_month")] == (2, "70.00")  # post@ and lonn@, from the memberships
    net = sum((Decimal(line["amount"]) for line in statement["lines"]), Decimal("0.00"))
    assert statement["totals"]["net"] == str(net)
    assert {d["client_id"]: d["result"] for d in run["drafts"]} == {FJORD: "created", BYGG: "created"}

    # a re-run: identical, the drafts exist already
    status, again, _ = call(stack, "POST", "/bureau/billing/runs", admin, {"month": "2026-11"})
    assert status == 200 and again["statement"] == statement
    assert {d["result"] for d in again["drafts"]} == {"exists"}
    status, _, csv = call(stack, "GET", "/bureau/billing/statements/2026-11/csv", admin)
    assert status == 200 and b"c-fjordkaffe;Fjordkaffe AS;transaction;ehf_sent;2026-11;no;1;0.90;0.90" in csv
    assert b"c-hansenbygg;Byggmester Hansen AS;transaction;payslip;2026-11;no;2;6.00;12.00" in csv
    status, _, pdf = call(stack, "GET", "/bureau/billing/statements/2026-11/pdf", admin)
    assert status == 200 and pdf.startswith(b"%PDF")
    # the schedule on 1 December makes the same statement (already final) for the bureau
    status, fired, _ = call(stack, "POST", "/_local/schedules/billing-monthly")
    assert status == 200 and fired["result"]["bureaus"]["b-demo"]["net"] == statement["totals"]["net"]

    # the draft re-invoices in the bureau's own company, at the bureau's gross prices
    status, drafts, _ = call(stack, "GET", f"/clients/{OWN}/invoices", admin)
    assert status == 200 and len([i for i in drafts["items"] if i["status"] == "draft"]) == 2
    bygg_draft = next(d for d in run["drafts"] if d["client_id"] == BYGG)
    invoice = call(stack, "GET", f"/clients/{OWN}/invoices/{bygg_draft['invoice_id']}", admin)[1]
    got = {line["description"]: (line["quantity"], line["unit_price"]) for line in invoice["lines"]}
    assert got["Lønnsslipp, 2026-11"] == ("2", "12.00")
    assert got["A-melding, 2026-11"] == ("1", "25.00")
    assert got["Betalingsfil sendt, 2026-11"] == ("1", "2.50")
    assert got["Betaling sendt, 2026-11"] == ("4", "0.75")
    assert got["ByråKlient, bruker per måned, 2026-11"] == ("2", "59.00")
