"""The payroll walk-through on the local stack (`klientportal local`, real HTTP), as a person does it:
Byggmester Hansen (fixed Knut, hourly Ola) registers November's hours, submits and approves them →
the payroll run for November → approved with a BankID step-up through the payroll-approval workflow
→ payslips on /me/payslips, payment lines in the run's payment batch, the "lonn" entry in the ledger
→ the a-melding valid, submitted and accepted by the simulator → billable hours invoiced once → the
bureau overview shows the client's payroll status."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from decimal import Decimal

import pytest

from klientportal.formats.amelding.validation import xsd_errors
from tests.e2e.local_stack import local_stack, token

CLIENT = "c-hansenbygg"
ADMIN, BUREAU, OLA = "post@hansenbygg.no", "admin@byraet.no", "ola@hansenbygg.no"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """The stack with its clock on 20 November 2026 (November's run before its pay date)."""
    with local_stack(tmp_path_factory.mktemp("local"), env={"KP_CLOCK": "2026-11-20T09:00"}) as running:
        yield running


def _http(method: str, url: str, tok: str | None = None, body: object = None) -> tuple[int, object, bytes]:
    req = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("content-type", "application/json")
    if tok:
        req.add_header("authorization", f"Bearer {tok}")
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            raw = resp.read()
            status, ctype = resp.status, resp.headers.get("content-type", "")
    except urllib.error.HTTPError as err:
        raw, status, ctype = err.read(), err.code, err.headers.get("content-type", "")
    return status, (json.loads(raw) if raw and "json" in ctype else None), raw


def _until(what: str, probe, seconds: float = 180, last=lambda: None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.5)
    pytest.fail(f"waited {seconds} s for {what}; last seen: {last()}")


def _week(days: list[str], *, customer: int, project: str, overtime_day: str | None = None) -> list[dict]:
    entries = [
        {"date": d, "hours": "7.5", "project": project, "customer_number": customer, "billable": True} for d in days
    ]
    if overtime_day:
        entries.append({"date": overtime_day, "hours": "2", "overtime": True, "project": project, "billable": False})
    return entries


def test_the_payroll_walk_through(stack, conformance_dir):
    url, base = stack["url"], stack["url"] + f"/clients/{CLIENT}"
    admin, bureau = token(stack, ADMIN), token(stack, BUREAU)

    def call(method: str, path: str, body: object = None, tok: str = admin) -> tuple[int, object, bytes]:
        return _http(method, base + path, tok, body)

    def step_up(email: str) -> str:
        status, body, _ = _http("POST", f"{url}/_local/tokens/{email}/bankid")
        assert status == 200 and isinstance(body, dict)
        return str(body["token"])

    # the bureau gives the client the bank module (the salary batch is paid through it)
    status, client, _ = _http("GET", f"{url}/clients/{CLIENT}", bureau)
    assert status == 200 and isinstance(client, dict), client
    if "bank" not in client["modules"]:
        status, client, _ = _http(
            "PATCH",
            f"{url}/clients/{CLIENT}",
            bureau,
            {"version": client["version"], "modules": [*client["modules"], "bank"]},
        )
        assert status == 200, client
    # Ola, the hourly employee, gets a portal user; the register links him by e-mail
    status, body, _ = call("POST", "/invitations", {"email": OLA, "name": "Ola Lærling", "role": "client_user"})
    assert status in (200, 201), body
    ola = token(stack, OLA)
    assert _http("GET", f"{url}/me", ola)[0] == 200  # the first signed-in request activates the invitation
    status, emp, _ = call("GET", "/employees/2")
    assert status == 200 and isinstance(emp, dict), emp
    status, emp, _ = call("PATCH", "/employees/2", {"version": emp["version"], "email": OLA})
    assert status == 200, emp

    # hours: Ola (hourly) 5 × 7.5 h + 2 h overtime in week 46; Knut (fixed) 2 × 7.5 billable hours
    ola_week = _week([f"2026-11-{d:02d}" for d in range(9, 14)], customer=1, project="P-100", overtime_day="2026-11-12")
    knut_week = _week(["2026-11-10", "2026-11-11"], customer=1, project="P-100")
    for number, entries in ((2, ola_week), (1, knut_week)):
        week = f"/timesheets/{number}/2026-W46"
        status, body, raw = call("PUT", week, {"version": 0, "entries": entries})
        assert status == 200 and isinstance(body, dict) and body["status"] == "open", (body, raw)
        assert call("POST", week + "/submission")[0] == 200
        status, body, _ = call("POST", week + "/approval")
        assert status == 200 and isinstance(body, dict) and body["status"] == "approved", body
    status, body, _ = call("PUT", "/timesheets/2/2026-W46", {"version": 3, "entries": ola_week})
    assert status == 409 and isinstance(body, dict) and body["type"].endswith("/week-locked"), body

    # the run for November: Ola's approved hours are its basis
    status, run, _ = call("POST", "/payroll-runs", {"period": "2026-11", "pay_date": "2026-11-25"})
    assert status == 201 and isinstance(run, dict), run
    rid = run["run_id"]
    assert run["status"] == "awaiting_approval" and run["hours_from_timesheets"] == [2]
    slips = {p["employee_number"]: p for p in run["payslips"]}
    assert set(slips) == {1, 2}  # Per left in January
    assert [(i["description"], i["quantity"], i["amount"]) for i in slips[2]["incomes"]] == [
        ("timeloenn", "37.5", "8812.50"),  # 37.5 h × 235
        ("overtidsgodtgjoerelse", "2", "658.00"),  # 2 h × 235 × 1.4
    ]

    def shown() -> dict:
        status, body, _ = call("GET", f"/payroll-runs/{rid}")
        assert status == 200 and isinstance(body, dict), body
        return body

    _until("the approval task", lambda: shown()["workflow"]["task_status"] == "open")
    status, body, _ = call("POST", f"/payroll-runs/{rid}/approval")
    assert status == 401 and isinstance(body, dict) and body["type"].endswith("/step-up-required"), body
    status, body, _ = call("POST", f"/payroll-runs/{rid}/approval", tok=step_up(ADMIN))
    assert status == 200 and isinstance(body, dict) and body["decision"]["decision"] == "approve", body
    done = _until(
        "the workflow to finish",
        lambda: (r := shown())["workflow"]["execution"]["status"] == "SUCCEEDED" and r,
    )
    entered = [e["state"] for e in done["workflow"]["history"] if e["type"].endswith("StateEntered")]
    assert done["status"] == "approved" and entered[-1] == "Approved", entered
    assert {"AwaitApproval", "Book", "IssuePayslips", "BatchPayments"} <= set(entered)
    assert all(p["issued_at"] for p in done["payslips"])
    replay = call("POST", f"/payroll-runs/{rid}/approval", tok=step_up(ADMIN))
    assert replay[0] == 409, replay  # a replayed approval books and pays nothing more

    # Ola's payslip in his portal, with its PDF
    status, mine, _ = _http("GET", f"{url}/me/payslips", ola)
    assert status == 200 and isinstance(mine, dict), mine
    assert [(p["employee_number"], p["period"], p["net"]) for p in mine["items"]] == [(2, "2026-11", slips[2]["net"])]
    status, one, _ = _http("GET", f"{url}/me/payslips/{mine['items'][0]['payslip_id']}", ola)
    assert status == 200 and isinstance(one, dict)
    with urllib.request.urlopen(one["pdf_url"], timeout=30) as pdf:
        assert pdf.read().startswith(b"%PDF")

    # the payment lines in the run's payment batch: net pay each, withholding and contribution apart
    status, batch, _ = call("GET", f"/payment-batches/{done['payment_batch_id']}")
    assert status == 200 and isinstance(batch, dict), batch
    lines = {(x["supplier_name"], x["amount"]) for x in batch["lines"]}
    totals = done["totals"]
    assert lines == {
        ("Knut Hansen", slips[1]["net"]),
        ("Ola Lærling", slips[2]["net"]),
        ("Skatteetaten", f"{totals['withholding']}.00"),
        ("Skatteetaten", f"{totals['contribution']}.00"),
    }
    assert batch["status"] == "awaiting_approval" and len(batch["lines"]) == 4

    # the journal entry in the ledger, series lonn, balanced
    status, entry, _ = call("GET", f"/ledger/sources/payroll_run/{rid}")
    assert status == 200 and isinstance(entry, dict), entry
    assert entry["series"] == "lonn" and entry["source"]["id"] == rid, entry
    debit = sum(Decimal(p["debit"]) for p in entry["lines"])
    assert debit == sum(Decimal(p["credit"]) for p in entry["lines"]) > 0
    by_account = {p["account"]: p for p in entry["lines"]}
    assert by_account["2600"]["credit"] == f"{totals['withholding']}.00"

    # the a-melding: valid, submitted, accepted by the simulator
    status, _, xml = call("GET", f"/payroll-runs/{rid}/a-melding")
    assert status == 200 and xsd_errors(xml, conformance_dir=conformance_dir) == ()
    status, sub, _ = call("POST", f"/payroll-runs/{rid}/a-melding/submissions")
    assert status == 201 and isinstance(sub, dict) and sub["status"] == "submitted", sub
    status, answer, _ = call("POST", f"/payroll-runs/{rid}/a-melding/status")
    assert status == 200 and isinstance(answer, dict) and answer["status"] == "accepted", answer

    # billable hours to an invoice draft, once
    hours = {"customer_number": 1, "date_from": "2026-11-01", "date_to": "2026-11-30", "product_number": "TIME"}
    status, invoice, _ = call("POST", "/hours-invoices", hours)
    assert status == 201 and isinstance(invoice, dict) and invoice["hours"] == "52.5", invoice  # 37.5 + 15
    status, again, _ = call("POST", "/hours-invoices", hours)
    assert status == 409 and isinstance(again, dict) and again["already_invoiced"] == 7, again

    # the bureau's overview: Hansen's payroll status from the counters
    seen: list[dict] = []

    def hansen() -> dict | None:
        status, body, _ = _http("GET", f"{url}/bureau/overview", bureau)
        assert status == 200 and isinstance(body, dict), body
        row = next(r for r in body["items"] if r["client_id"] == CLIENT)
        seen[:] = [row]
        payroll = row["payroll"] or {}
        latest = payroll.get("latest_a_melding") or {}
        settled = payroll.get("a_meldinger_accepted") == 1 and payroll.get("a_meldinger_awaiting_answer") == 0
        return row if payroll.get("runs_approved") == 1 and latest.get("status") == "accepted" and settled else None

    row = _until("the overview's payroll status", hansen, last=lambda: seen)
    payroll = row["payroll"]
    assert (payroll["runs_awaiting_approval"], payroll["runs_draft"]) == (0, 0)
    assert (payroll["a_meldinger_awaiting_answer"], payroll["a_meldinger_accepted"]) == (0, 1)
    assert payroll["a_meldinger_rejected"] == 0 and payroll["waiting"] == 0
    assert payroll["latest_a_melding"]["period"] == "2026-11"
    assert payroll["next_a_melding_deadline"] == "2027-01-05"  # November's is accepted: December's is next
    assert row["payslips_issued"] == 2
