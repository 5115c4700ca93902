"""The billing walk-through on the local stack (`klientportal local`, real HTTP): in November the
demo clients send EHF, e-mail and print and receive EHF → usage visible as it happens → on
1 December the run of November → the statement per client and type (JSON, CSV, PDF) → a re-run
identical → draft re-invoices in the bureau's own company, once. Bank and payroll events come from
routines on other branches; their metering is tested with synthetic events (tests/functions/billing)."""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.local_stack import local_stack
from tests.e2e.test_local_stack import _cli, _http


@pytest.fixture(scope="module")
def november(tmp_path_factory):
    """The stack started with its clock on 20 November 2026 (the seed's invoices are sent then)."""
    with local_stack(tmp_path_factory.mktemp("local"), env={"KP_CLOCK": "2026-11-20T10:00"}) as stack:
        yield stack


def _json(stack, method: str, path: str, token: str | None = None, body: dict | None = None) -> tuple[int, dict]:
    status, _, raw = _http(method, stack["url"] + path, token, body)
    return status, json.loads(raw) if raw else {}


def _usage_until(stack, token: str, path: str, wanted: dict[str, int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for _ in range(240):  # the stack's pumps deliver in the background (the seed's events first)
        counts = _json(stack, "GET", path, token)[1]["counts"]
        if all(counts.get(k, 0) >= n for k, n in wanted.items()):
            return counts
        time.sleep(0.5)
    pytest.fail(f"usage did not arrive: {counts}, wanted {wanted}")


def test_the_billing_walk_through(november):
    stack = november
    admin = _cli(stack, "token", "--user", "admin@byraet.no").stdout.strip()
    fjord = _cli(stack, "token", "--user", "daglig@fjordkaffe.no").stdout.strip()
    # Fjordkaffe sends its issued invoice to customer 3 by print (OnlinePrint)
    status, page = _json(stack, "GET", "/clients/c-fjordkaffe/invoices", fjord)
    issued = next(i for i in page["items"] if i["status"] == "issued")
    assert _json(stack, "POST", f"/clients/c-fjordkaffe/invoices/{issued['id']}/send", fjord)[0] == 200
    wanted = {"ehf_sent": 1, "email_invoice": 1, "print_letter": 1}
    counts = _usage_until(stack, fjord, "/clients/c-fjordkaffe/usage?month=2026-11", wanted)
    assert counts["ehf_sent"] == 1 and counts["print_letter"] == 1 and counts["email_invoice"] == 1
    assert counts.get("ehf_received", 0) in (0, 1)  # 1 when the conformance artefacts are beside the repo
    status, bureau = _json(stack, "GET", "/bureau/usage?month=2026-11", admin)
    assert status == 200 and {c["client_id"] for c in bureau["clients"]} >= {"c-fjordkaffe", "c-hansenbygg"}
    # in November the run is a preview; December is refused
    status, preview = _json(stack, "POST", "/bureau/billing/runs", admin, {"month": "2026-11"})
    assert status == 200 and preview["statement"]["status"] == "preview"
    assert _json(stack, "POST", "/bureau/billing/runs", admin, {"month": "2026-12"})[0] == 422
    # 1 December: the run of November
    assert _http("POST", stack["url"] + "/_local/clock/2026-12-01T05:00")[0] == 200
    status, run = _json(stack, "POST", "/bureau/billing/runs", admin, {"month": "2026-11"})
    assert status == 200, run
    statement = run["statement"]
    assert statement["status"] == "final"
    lines = {(line["client_id"], line["item"]): line for line in statement["lines"]}
    assert lines[("c-fjordkaffe", "ehf_sent")]["amount"] == "0.90"
    assert lines[("c-fjordkaffe", "print_letter")]["amount"] == "9.50"
    assert lines[("c-fjordkaffe", "portal_client_month")]["amount"] == "79.00"
    assert lines[("c-hansenbygg", "byraklient_company_month")]["amount"] == "120.00"
    assert {d["client_id"]: d["result"] for d in run["drafts"]} == {
        "c-fjordkaffe": "created",
        "c-hansenbygg": "created",
    }
    # a re-run: identical, the drafts exist already
    status, again = _json(stack, "POST", "/bureau/billing/runs", admin, {"month": "2026-11"})
    assert again["statement"] == statement
    assert {d["result"] for d in again["drafts"]} == {"exists"}
    status, _, csv = _http("GET", stack["url"] + "/bureau/billing/statements/2026-11/csv", admin)
    assert status == 200 and b"c-fjordkaffe;Fjordkaffe AS;transaction;ehf_sent;2026-11;no;1;0.90;0.90" in csv
    status, _, pdf = _http("GET", stack["url"] + "/bureau/billing/statements/2026-11/pdf", admin)
    assert status == 200 and pdf.startswith(b"%PDF")
    # the schedule on 1 December makes the same statement (already final) for the bureau
    status, fired = _json(stack, "POST", "/_local/schedules/billing-monthly")
    assert status == 200 and fired["result"]["bureaus"]["b-demo"]["net"] == statement["totals"]["net"]
    status, drafts = _json(stack, "GET", "/clients/c-tallbalanse/invoices", admin)
    assert status == 200 and len([i for i in drafts["items"] if i["status"] == "draft"]) == 2
