"""The issue-12 walk-through on `klientportal local`, over HTTP as the bureau's system and the people
would do it: an invoice issued, a voucher booked and a payment booked from a bank file with the KID
→ ledger entries and the trial balance → the change feed followed from a cursor, per client and for
the bureau → a webhook received by a listener on loopback with its signature verified → a PDF report
uploaded and a generated one published, read by the client, seen read by the bureau → a question
asked and answered, each side notified → the overview."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from datetime import date
from decimal import Decimal
from urllib.parse import quote

import pytest
from fpdf import FPDF

from infra.local.bank_files import Paid, camt054
from klientportal.sync.webhooks import signing
from tests.e2e.local_stack import local_stack, token
from tests.functions.sync.listener import Listener

CLIENT = "c-fjordkaffe"
ACCOUNT = "86011117947"  # the demo client's bank account (its bank agreement)
CODING = [  # the demo EHF voucher (1801.78)
    {"account": "4300", "vat_code": "1", "net_amount": "1460.50", "vat_amount": "365.13"},
    {"account": "4300", "vat_code": "11", "net_amount": "1.00"},
    {"account": "4300", "vat_code": "0", "net_amount": "-25.00", "description": "rabatt"},
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    port = int(os.environ.get("KP_WALK_STACK_PORT") or 0) or None
    with local_stack(tmp_path_factory.mktemp("local"), port=port) as running:
        running["tokens"] = {
            who: token(running, email)
            for who, email in (
                ("admin", "admin@byraet.no"),
                ("accountant", "regnskap@byraet.no"),
                ("client", "daglig@fjordkaffe.no"),
            )
        }
        yield running


def _lower(headers) -> dict:
    return {k.lower(): v for k, v in headers.items()}


def _http(
    method: str, url: str, tok: str | None, body: object = None, raw: bytes | None = None, media: str = ""
) -> tuple[int, object, dict]:
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(url, method=method, data=data)
    req.add_header("content-type", media or "application/json")
    if tok:
        req.add_header("authorization", f"Bearer {tok}")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            payload = resp.read()
            kind = resp.headers.get("content-type", "")
            return resp.status, (json.loads(payload or b"null") if "json" in kind else payload), _lower(resp.headers)
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null"), _lower(err.headers)


def _until(what: str, check, seconds: float = 180):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    pytest.fail(f"waited {seconds} s for {what}")


def _follow(url: str, tok: str, cursor: str | None) -> tuple[list[dict], str | None]:
    items: list[dict] = []
    while True:
        status, page, _ = _http("GET", f"{url}?limit=200" + (f"&cursor={cursor}" if cursor else ""), tok)
        assert status == 200, page
        assert isinstance(page, dict)
        items += page["items"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return items, cursor


def _pdf() -> bytes:
    doc = FPDF()
    doc.set_font("helvetica", size=14)
    doc.add_page()
    doc.cell(text="Arsrapport 2026 Fjordkaffe AS")
    return bytes(doc.output())


def test_the_issue_12_walk_through(stack):
    url, tok = stack["url"], stack["tokens"]
    base = f"{url}/clients/{CLIENT}"
    acc, cli, adm = tok["accountant"], tok["client"], tok["admin"]

    # the bureau's system starts following: the client's feed, the bureau's feed, a bureau webhook
    seeded, client_cursor = _follow(f"{base}/changes", cli, None)
    _until(  # the seed's events reach the bureau feed through the bus
        "the seed in the bureau feed",
        lambda: seeded[-1]["id"] in {e["id"] for e in _follow(f"{url}/bureau/changes", acc, None)[0]},
        seconds=240,
    )
    _, bureau_cursor = _follow(f"{url}/bureau/changes", acc, None)
    assert client_cursor and bureau_cursor
    listener = Listener().start()
    try:
        status, hook, _ = _http(
            "POST",
            f"{url}/bureau/webhooks",
            adm,
            {
                "url": listener.url,
                "event_types": ["invoice.*", "voucher.booked", "report.*", "question.*", "notification.*"],
            },
        )
        assert status == 201, hook
        assert isinstance(hook, dict)

        # an invoice issued
        status, draft, _ = _http(
            "POST",
            f"{base}/invoices",
            cli,
            {"customer_number": 1, "lines": [{"product_number": "KAFFE-1", "quantity": "2"}]},
        )
        assert status == 201, draft
        assert isinstance(draft, dict)
        status, invoice, _ = _http("POST", f"{base}/invoices/{draft['id']}/issue", cli)
        assert status == 200 and isinstance(invoice, dict), invoice
        payable = Decimal(invoice["totals"]["payable"])

        # a voucher booked: the demo EHF in the inbox, coded and approved by the client, booked by the bureau
        status, new, _ = _http("GET", f"{base}/vouchers?queue=new", cli)
        assert isinstance(new, dict)
        [voucher] = [v for v in new["items"] if v["details"]["invoice_number"] == "TOSL108"]
        vbase = f"{base}/vouchers/{voucher['voucher_id']}"
        status, coded, _ = _http("PUT", vbase + "/coding", cli, {"version": voucher["version"], "lines": CODING})
        assert status == 200 and isinstance(coded, dict) and coded["status"] == "to_approve", coded
        status, approved, _ = _http("POST", vbase + "/approval", cli, {"version": coded["version"]})
        assert status == 200 and isinstance(approved, dict), approved
        status, booked, _ = _http("POST", vbase + "/booking", acc, {"version": approved["version"]})
        assert status == 200 and isinstance(booked, dict) and booked["status"] == "booked", booked

        # a payment booked: the bank's camt.054 with the invoice's KID
        camt = camt054(
            "WALK-12-1",
            ACCOUNT,
            [("WALK-12-REF-1", Paid(payable, kid=invoice["kid"], on=date.fromisoformat(invoice["issue_date"])))],
        )
        status, received, _ = _http("POST", f"{base}/bank/imports", cli, raw=camt, media="application/octet-stream")
        assert status == 202, received
        assert isinstance(received, dict)

        def imported():
            found = _http("GET", f"{base}/bank/imports/{received['import_id']}", cli)[1]
            return found if isinstance(found, dict) and found["state"] != "received" else None

        done = _until("the bank file booked", imported)
        assert done["state"] == "booked" and done["counts"]["matched"] == 1, done
        assert _http("GET", f"{base}/invoices/{draft['id']}", cli)[1]["status"] == "paid"  # type: ignore[index]

        # the ledger: the three entries and the trial balance
        year, month = invoice["issue_date"][:4], invoice["issue_date"][:7]
        entries = {}
        for kind, source in (("invoice", draft["id"]), ("voucher", voucher["voucher_id"])):
            status, entry, _ = _http("GET", f"{base}/ledger/sources/{kind}/{source}", acc)
            assert status == 200, entry
            entries[kind] = entry
        assert entries["invoice"]["series"] == "faktura" and entries["voucher"]["series"] == "bilag"
        status, bank_1500, _ = _http("GET", f"{base}/ledger/accounts/1500/postings?period={month}", acc)
        assert isinstance(bank_1500, dict)
        paid_lines = [p for p in bank_1500["items"] if p["series"] == "bank" and p["credit"] == str(payable)]
        assert len(paid_lines) == 1, bank_1500  # the payment credits the receivable once
        status, trial, _ = _http("GET", f"{base}/ledger/trial-balance?from={month}&to={month}", acc)
        assert status == 200 and isinstance(trial, dict), trial
        assert trial["totals"]["debit"] == trial["totals"]["credit"]  # the month's movements balance
        rows = {r["account"]: r for r in trial["accounts"]}
        assert Decimal(rows["1920"]["debit"]) >= payable and Decimal(rows["1500"]["credit"]) >= payable

        # the change feed followed from the cursors: the client's, then the bureau's (the same ids)
        news, _ = _follow(f"{base}/changes", cli, client_cursor)
        actions = [e["action"] for e in news]
        for wanted in (
            "invoice.issued",
            "voucher.booked",
            "bank_import.booked",
            "invoice.paid",
            "journal_entry.created",
        ):
            assert wanted in actions, wanted
        assert [e["seq"] for e in news] == list(range(news[0]["seq"], news[0]["seq"] + len(news)))
        client_ids = [e["id"] for e in news]

        def in_bureau_feed():
            everything, _ = _follow(f"{url}/bureau/changes", adm, None)  # the admin: every client
            return everything if set(client_ids) <= {e["id"] for e in everything} else None

        everything = _until("the client's events in the bureau feed", in_bureau_feed)
        assert [e["position"] for e in everything] == list(range(1, len(everything) + 1))  # one order, no gaps
        mine, _ = _follow(f"{url}/bureau/changes", acc, None)
        assert {e["client_id"] for e in mine} <= {CLIENT, "c-hansenbygg"}  # an accountant: the assigned clients
        ours = [e for e in everything if e["client_id"] == CLIENT]
        assert [e["seq"] for e in ours] == list(range(1, len(ours) + 1))  # the client's history once, in order
        after, _ = _follow(f"{url}/bureau/changes", acc, bureau_cursor)  # resumed from the stored cursor
        assert {"invoice.issued", "voucher.booked", "invoice.paid"} <= {e["action"] for e in after}
        assert after and after[0]["position"] > 1

        # a webhook received on loopback, signature verified with the secret answered once
        _until(
            "the invoice.paid webhook",
            lambda: any(json.loads(r.body)["type"] == "invoice.paid" for r in listener.received),
        )
        for got in listener.received:
            signing.verify(got.headers["klientportal-signature"], got.body, hook["secret"], now=int(time.time()))
        hooked = {json.loads(r.body)["id"] for r in listener.received}
        assert {e["id"] for e in news if e["action"] in ("invoice.issued", "voucher.booked", "invoice.paid")} <= hooked

        # reports: a PDF uploaded and a generated one published; the client is notified and reads them
        pdf = _pdf()
        query = f"?title={quote('Årsrapport 2026')}&period_from={year}-01&period_to={month}&filename=arsrapport.pdf"
        status, uploaded, _ = _http("POST", f"{base}/reports/pdf{query}", acc, raw=pdf, media="application/pdf")
        assert status == 201 and isinstance(uploaded, dict), uploaded
        status, refused, _ = _http("POST", f"{base}/reports/pdf{query}", acc, raw=camt, media="application/pdf")
        assert status == 422 and isinstance(refused, dict) and refused["reason"] == "not-pdf"
        body = {
            "title": "Resultat hittil i år",
            "statement": "profit-and-loss",
            "period_from": f"{year}-01",
            "period_to": month,
        }
        status, generated, _ = _http("POST", f"{base}/reports", acc, body)
        assert status == 201 and isinstance(generated, dict), generated
        status, notes, _ = _http("GET", f"{base}/notifications", cli)
        assert isinstance(notes, dict)
        told = {n["subject_id"]: n for n in notes["items"] if n["kind"] == "report.published"}
        assert {uploaded["report_id"], generated["report_id"]} <= set(told)
        assert told[uploaded["report_id"]]["recipients"] == ["daglig@fjordkaffe.no"]
        mails = [json.loads(p.read_text()) for p in (stack["dir"] / "outbox" / "email").glob("*.json")]
        assert any(told[uploaded["report_id"]]["id"] in (m.get("reference") or "") for m in mails)
        status, file, headers = _http("GET", f"{base}/reports/{uploaded['report_id']}/pdf", cli)
        assert status == 200 and file == pdf and headers["content-type"] == "application/pdf"
        assert _http("GET", f"{base}/reports/{generated['report_id']}", cli)[0] == 200
        status, listed, _ = _http("GET", f"{base}/reports", acc)
        assert isinstance(listed, dict)
        seen = {r["report_id"]: r for r in listed["items"]}
        for rid in (uploaded["report_id"], generated["report_id"]):
            assert seen[rid]["read_by"] == "daglig@fjordkaffe.no" and seen[rid]["read_at"], seen[rid]
        _until(
            "report.read on the webhook",
            lambda: any(json.loads(r.body)["type"] == "report.read" for r in listener.received),
        )

        # a question on the payment's entry, asked by the bureau and answered by the client
        status, entry, _ = _http("GET", f"{base}/ledger/sources/voucher/{voucher['voucher_id']}", acc)
        assert isinstance(entry, dict)
        ask = {
            "subject_type": "journal_entry",
            "subject_id": entry["voucher_number"],
            "title": "Hva er dette?",
            "text": "Hvilken avdeling?",
        }
        status, question, _ = _http("POST", f"{base}/questions", acc, ask)
        assert status == 201 and isinstance(question, dict), question
        status, notes, _ = _http("GET", f"{base}/notifications", cli)
        assert isinstance(notes, dict)
        assert any(n["kind"] == "question.opened" and n["subject_id"] == question["id"] for n in notes["items"])
        status, answered, _ = _http(
            "POST",
            f"{base}/questions/{question['id']}/messages",
            cli,
            {"version": question["version"], "text": "Kontoret."},
        )
        assert status == 200 and isinstance(answered, dict) and answered["status"] == "answered", answered
        status, notes, _ = _http("GET", f"{base}/notifications", acc)
        assert isinstance(notes, dict)
        answer_note = next(n for n in notes["items"] if n["kind"] == "question.answered")
        assert "regnskap@byraet.no" in answer_note["recipients"]
        other = {**ask, "subject_id": "B1999-1"}
        assert _http("POST", f"{base}/questions", acc, other)[0] == 422

        # the overview, from counters kept on write
        def counted():
            rows = {r["client_id"]: r for r in _http("GET", f"{url}/bureau/overview", acc)[1]["items"]}  # type: ignore[index]
            row = rows[CLIENT]
            return row if row["answered_questions"] >= 1 else None

        row = _until("the answered question in the overview", counted)
        assert row["vouchers"]["booked"] >= 1 and row["unmatched_payments"] == 0
    finally:
        listener.stop()
