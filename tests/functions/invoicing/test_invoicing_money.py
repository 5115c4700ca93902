"""Concurrent numbering, credit notes, payments, payment requests, reminders, collection (Svea)."""

from __future__ import annotations

import threading
from datetime import date

from klientportal.adapters import outbox
from klientportal.bootstrap import store
from klientportal.invoicing.delivery import adapters
from klientportal.invoicing.service import InvoiceService
from klientportal.repository.store import SYSTEM
from tests.functions.invoicing.conftest import ADMIN, BASE, CLIENT, SALES, draft, issued, key


def test_concurrent_issuing_has_no_holes_or_duplicates(inv):
    drafts = [draft(inv)["id"] for _ in range(6)]
    numbers, errors = [], []

    def issue(invoice_id: str) -> None:
        try:
            service = InvoiceService(store(), CLIENT, adapters())
            numbers.append(service.issue(invoice_id, SYSTEM).data["number"])
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=issue, args=(i,)) for i in drafts + drafts[:2]]  # 2 double issues
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    listed = [i for i in inv.get(f"{BASE}/invoices?limit=200", user=SALES).json["items"] if i["number"]]
    assert sorted(i["number"] for i in listed) == list(range(10001, 10007))
    assert inv.get(f"{BASE}/invoice-settings", user=SALES).json["next_number"] == 10007


def test_full_and_partial_credit_notes(inv):
    i = issued(inv)
    r = inv.post(
        f"{BASE}/invoices/{i['id']}/credit-notes",
        {"lines": [{"description": "Frakt", "quantity": 1, "unit_price": "150", "vat_code": "3"}]},
        user=SALES,
        headers=key(),
    )
    assert r.status == 201 and r.json["kind"] == "credit_note"
    c = inv.post(f"{BASE}/invoices/{r.json['id']}/issue", user=SALES, headers=key()).json
    assert c["number"] == 10002 and c["totals"]["payable"] == "187.50" and c["kid"] is None
    assert inv.get(f"{BASE}/invoices/{i['id']}", user=SALES).json["credited_amount"] == "187.50"
    r = inv.post(f"{BASE}/invoices/{i['id']}/credit-notes", {}, user=SALES, headers=key())
    full = inv.post(f"{BASE}/invoices/{r.json['id']}/issue", user=SALES, headers=key())
    assert full.status == 409 and "exceeds" in full.json["detail"]  # 1046.55 > 859.05 left
    pdf = inv.get(f"{BASE}/invoices/{c['id']}/pdf", user=SALES)
    assert pdf.status == 200
    sent = inv.post(f"{BASE}/invoices/{c['id']}/send", user=SALES, headers=key())
    assert sent.json["status"] == "sent"
    assert outbox.messages("email")[-1]["subject"].startswith("Kreditnota 10002")


def test_full_credit_closes_invoice(inv, conformance_dir):
    from klientportal.formats.ehf.validation import validate_ehf

    i = issued(inv)
    r = inv.post(f"{BASE}/invoices/{i['id']}/credit-notes", {}, user=SALES, headers=key())
    c = inv.post(f"{BASE}/invoices/{r.json['id']}/issue", user=SALES, headers=key()).json
    assert inv.get(f"{BASE}/invoices/{i['id']}", user=SALES).json["status"] == "credited"
    ehf = inv.get(f"{BASE}/invoices/{c['id']}/ehf", user=SALES)
    report = validate_ehf(ehf.raw, conformance_dir=conformance_dir)
    assert report.document_type == "CreditNote" and report.valid, report


def test_payments_partial_then_full_and_replay(inv):
    i = issued(inv)
    inv.post(f"{BASE}/invoices/{i['id']}/send", user=SALES, headers=key())
    pay = {"payment_id": "bank-1", "amount": "500.00", "paid_on": "2026-03-02"}
    r = inv.post(f"{BASE}/invoices/{i['id']}/payments", pay, user=ADMIN)
    assert r.json["status"] == "partly_paid" and r.json["paid_amount"] == "500.00"
    r = inv.post(f"{BASE}/invoices/{i['id']}/payments", pay, user=ADMIN)  # the bank file replayed
    assert r.json["paid_amount"] == "500.00"
    r = inv.post(f"{BASE}/invoices/{i['id']}/payments", {**pay, "payment_id": "bank-2", "amount": 546.55}, user=ADMIN)
    assert r.json["status"] == "paid"
    assert inv.post(f"{BASE}/invoices/{i['id']}/payments", pay, user=SALES).status == 403


def test_payment_request_by_email(inv):
    i = issued(inv, customer=3)  # a print customer can still get a payment request by e-mail? no e-mail:
    r = inv.post(f"{BASE}/invoices/{i['id']}/payment-request", user=SALES, headers=key())
    assert r.status == 422
    i = issued(inv, customer=1)
    r = inv.post(f"{BASE}/invoices/{i['id']}/payment-request", user=SALES, headers=key())
    assert r.status == 200 and len(r.json["payment_requests"]) == 1
    assert outbox.messages("email")[-1]["subject"] == "Betalingsanmodning: faktura 10002"


def _at(monkeypatch, day: date) -> None:
    monkeypatch.setattr("klientportal.clock.today_oslo", lambda at=None: day)


def test_reminders_collection_and_close_on_payment(inv, monkeypatch, drain):
    i = issued(inv)  # due 2026-03-16
    inv.post(f"{BASE}/invoices/{i['id']}/send", user=SALES, headers=key())
    r = inv.post(f"{BASE}/invoices/{i['id']}/reminders", user=SALES, headers=key())
    assert r.status == 409 and "not yet overdue" in r.json["detail"]
    _at(monkeypatch, date(2026, 3, 20))  # 4 days overdue: on demand allowed, but no fee yet
    r = inv.post(f"{BASE}/invoices/{i['id']}/reminders", user=SALES, headers=key())
    assert r.status == 200, r
    first = r.json["reminders"][0]
    assert (first["kind"], first["fee"], first["new_due_date"]) == ("purring", "0.00", "2026-04-03")
    assert first["interest"] == "1.43"  # 1046.55 × 12.5 % × 4/365
    r = inv.post(f"{BASE}/invoices/{i['id']}/collection", user=ADMIN, headers=key())
    assert r.status == 409 and "inkassovarsel" in r.json["detail"]
    # the schedule sends the inkassovarsel once the first deadline has passed
    fired = inv.gateway.invoker.invoke(
        __import__("functions.catalogue", fromlist=["function"]).function("invoicing-reminders"),
        {"detail": {"today": "2026-04-04"}},
    )
    assert fired["sent"] == 1, fired
    inv_now = inv.get(f"{BASE}/invoices/{i['id']}", user=SALES).json
    second = inv_now["reminders"][1]
    assert inv_now["status"] == "reminded" and second["kind"] == "inkassovarsel" and second["fee"] == "70.00"
    assert "inkasso" in outbox.messages("email")[-1]["body"]
    _at(monkeypatch, date(2026, 4, 19))
    r = inv.post(f"{BASE}/invoices/{i['id']}/collection", user=ADMIN, headers=key())
    assert r.status == 200 and r.json["status"] == "in_collection", r
    assert r.json["collection"]["case_id"].startswith("sim-svea-")
    drain()
    c = inv.get(f"{BASE}/invoices/{i['id']}", user=SALES).json["collection"]
    assert [h["status"] for h in c["history"]] == ["registered", "debtor_notified"]
    r = inv.post(
        f"{BASE}/invoices/{i['id']}/payments",
        {"payment_id": "b-9", "amount": "1046.55", "paid_on": "2026-04-19"},
        user=ADMIN,
    )
    assert r.json["status"] == "paid"
    drain()
    c = inv.get(f"{BASE}/invoices/{i['id']}", user=SALES).json["collection"]
    assert c["status"] == "closed"
    assert [m["action"] for m in outbox.messages("collection")] == ["create_case", "close_case"]
    actions = {e["action"] for e in inv.get(f"{BASE}/audit-events?limit=200", user=ADMIN).json["items"]}
    assert {
        "invoice.issued",
        "invoice.sent",
        "invoice.reminded",
        "invoice.collection_started",
        "invoice.collection_closed",
        "invoice.paid",
    } <= actions


def test_schedule_is_fired_from_the_catalogue(inv):
    from functions import catalogue

    assert [s.name for s in catalogue.function("invoicing-reminders").schedules] == ["invoice-reminders"]
    assert catalogue.function("invoicing-receipts").queues[0].queue == "invoice-receipts"
