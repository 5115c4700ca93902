"""The money rules of ISSUE-7 §2 for outgoing invoices: a payment_id names one payment, overpayments
become the customer's credit, no negative invoice takes a number, no payment from the future."""

from __future__ import annotations

from klientportal.bootstrap import store
from klientportal.invoicing.records import StoredInvoice
from klientportal.repository import keys
from tests.functions.invoicing.conftest import ADMIN, BASE, CLIENT, SALES, draft, issued, key

PROBLEMS = "https://klientportal.no/problems/"


def _pay(api, invoice_id: str, payment_id: str, amount: str, paid_on: str = "2026-03-02", **extra):
    return api.post(
        f"{BASE}/invoices/{invoice_id}/payments",
        {"payment_id": payment_id, "amount": amount, "paid_on": paid_on, **extra},
        user=ADMIN,
    )


def _credit(api, customer: int = 1) -> dict:
    r = api.get(f"{BASE}/customer-credits/{customer}", user=SALES)
    assert r.status == 200, r
    return r.json


def test_payment_id_reused_with_other_content_is_409_and_changes_nothing(inv):
    i = issued(inv)
    other = issued(inv)
    assert _pay(inv, i["id"], "bank-1", "500.00").json["paid_amount"] == "500.00"
    replay = _pay(inv, i["id"], "bank-1", "500")  # the same payment, the bank file read again
    assert replay.status == 200 and replay.json["paid_amount"] == "500.00" and len(replay.json["payments"]) == 1
    for changed, differs in (
        ({"amount": "600.00"}, "amount"),
        ({"paid_on": "2026-03-01"}, "paid_on"),
        ({"reference": "ny"}, "reference"),
    ):
        body = {"amount": "500.00", "paid_on": "2026-03-02", **changed}
        r = _pay(inv, i["id"], "bank-1", **body)
        assert r.status == 409, r
        assert r.json["type"] == PROBLEMS + "payment-id-reused"
        assert differs in r.json["detail"] and r.json["registered"]["amount"] == "500.00"
    r = _pay(inv, other["id"], "bank-1", "500.00")  # one payment cannot settle two invoices
    assert r.status == 409 and r.json["type"] == PROBLEMS + "payment-id-reused"
    assert inv.get(f"{BASE}/invoices/{i['id']}", user=SALES).json["paid_amount"] == "500.00"
    assert inv.get(f"{BASE}/invoices/{other['id']}", user=SALES).json["paid_amount"] == "0.00"


def test_overpayment_is_recorded_on_the_invoice_and_as_customer_credit(inv):
    i = issued(inv)  # 1046.55
    r = _pay(inv, i["id"], "bank-1", "1100.00")
    assert r.status == 200 and r.json["status"] == "paid", r
    assert r.json["overpaid_amount"] == "53.45" and r.json["payments"][0]["overpaid"] == "53.45"
    assert _pay(inv, i["id"], "bank-1", "1100.00").status == 200  # a replay credits nothing more
    credit = _credit(inv)
    assert credit["balances"] == {"NOK": "53.45"}
    assert [(e["payment_id"], e["amount"], e["invoice_number"]) for e in credit["entries"]] == [
        ("bank-1", "53.45", i["number"])
    ]
    r = _pay(inv, i["id"], "bank-2", "10.00")  # paid twice by the customer: all of it is theirs
    assert r.status == 200 and r.json["status"] == "paid" and r.json["overpaid_amount"] == "63.45"
    assert _credit(inv)["balances"] == {"NOK": "63.45"}
    assert _credit(inv, 2)["balances"] == {}  # another customer has none
    assert inv.get(f"{BASE}/customer-credits/999", user=SALES).status == 404
    actions = [e["action"] for e in inv.get(f"{BASE}/audit-events?limit=50", user=ADMIN).json["items"]]
    assert actions.count("customer_credit.added") == 2
    stored = [StoredInvoice.model_validate(r.data) for r in store().query_all(keys.client_pk(CLIENT), "INVOICE#")]
    assert [str(p.overpaid) for p in stored[0].payments] == ["53.45", "10.00"]


def test_credit_note_on_a_paid_invoice_becomes_customer_credit(inv):
    i = issued(inv)
    assert _pay(inv, i["id"], "bank-1", "1046.55").json["status"] == "paid"
    r = inv.post(
        f"{BASE}/invoices/{i['id']}/credit-notes",
        {"lines": [{"description": "Frakt", "quantity": 1, "unit_price": "150", "vat_code": "3"}]},
        user=SALES,
        headers=key(),
    )
    c = inv.post(f"{BASE}/invoices/{r.json['id']}/issue", user=SALES, headers=key())
    assert c.status == 200, c
    original = inv.get(f"{BASE}/invoices/{i['id']}", user=SALES).json
    assert original["credited_amount"] == "187.50" and original["overpaid_amount"] == "187.50"
    credit = _credit(inv)
    assert credit["balances"] == {"NOK": "187.50"} and credit["entries"][0]["credit_note_number"] == c.json["number"]


def test_negative_invoice_is_refused_without_taking_a_number(inv):
    d = draft(inv)
    body = {"version": d["version"], "lines": [{"product_number": "KAFFE-1", "quantity": "-3"}]}
    d = inv.patch(f"{BASE}/invoices/{d['id']}", body, user=SALES).json
    assert d["totals"]["payable"] == "-859.05"
    r = inv.post(f"{BASE}/invoices/{d['id']}/issue", user=SALES, headers=key())
    assert r.status == 422, r
    assert r.json["type"] == PROBLEMS + "invoice-total-not-issuable" and "credit note" in r.json["detail"]
    assert inv.get(f"{BASE}/invoices/{d['id']}", user=SALES).json["status"] == "draft"
    assert inv.get(f"{BASE}/invoice-settings", user=SALES).json["next_number"] == 10001
    allowance = draft(inv, allowances_charges=[{"is_charge": False, "amount": "2000", "reason": "Rabatt"}])
    r = inv.post(f"{BASE}/invoices/{allowance['id']}/issue", user=SALES, headers=key())
    assert r.status == 422 and r.json["type"] == PROBLEMS + "invoice-total-not-issuable"


def test_zero_invoice_is_issued_and_owes_nothing(inv):
    d = draft(inv, lines=[{"description": "Vareprøve", "quantity": "1", "unit_price": "0", "vat_code": "3"}])
    i = inv.post(f"{BASE}/invoices/{d['id']}/issue", user=SALES, headers=key())
    assert i.status == 200 and i.json["number"] == 10001 and i.json["totals"]["payable"] == "0.00", i
    sent = inv.post(f"{BASE}/invoices/{d['id']}/send", user=SALES, headers=key())
    assert sent.status == 200 and sent.json["status"] == "sent"
    r = inv.post(f"{BASE}/invoices/{d['id']}/payment-request", user=SALES, headers=key())
    assert r.status == 409 and "nothing is owed" in r.json["detail"]
    r = inv.post(f"{BASE}/invoices/{d['id']}/credit-notes", {}, user=SALES, headers=key())
    c = inv.post(f"{BASE}/invoices/{r.json['id']}/issue", user=SALES, headers=key())
    assert c.status == 422 and c.json["type"] == PROBLEMS + "invoice-total-not-issuable"


def test_payment_dated_in_the_future_is_refused(inv):
    i = issued(inv)  # business date 2026-03-02 (Europe/Oslo)
    r = _pay(inv, i["id"], "bank-1", "100.00", paid_on="2026-03-03")
    assert r.status == 422, r
    assert r.json["type"] == PROBLEMS + "validation-error" and r.json["errors"][0]["field"] == "paid_on"
    after = inv.get(f"{BASE}/invoices/{i['id']}", user=SALES).json
    assert after["paid_amount"] == "0.00" and after["payments"] == []
    assert _pay(inv, i["id"], "bank-1", "100.00", paid_on="2026-03-02").status == 200  # the id is still free


def test_payment_amount_with_more_than_two_decimals_is_422_not_rounded(inv):
    i = issued(inv)
    r = _pay(inv, i["id"], "bank-1", "100.005")
    assert r.status == 422 and r.json["errors"][0]["field"] == "amount", r
    assert inv.get(f"{BASE}/invoices/{i['id']}", user=SALES).json["paid_amount"] == "0.00"


def test_concurrent_reports_of_one_payment_record_it_once(inv):
    import threading
    from datetime import date
    from decimal import Decimal

    from klientportal.errors import DomainError
    from klientportal.invoicing.delivery import adapters
    from klientportal.invoicing.records import Payment
    from klientportal.invoicing.service import InvoiceService
    from klientportal.repository.store import SYSTEM

    first, second = issued(inv), issued(inv)
    outcomes: list[str] = []

    def pay(invoice_id: str, payment_id: str, amount: str) -> None:
        payment = Payment(payment_id=payment_id, amount=Decimal(amount), paid_on=date(2026, 3, 2))
        try:
            InvoiceService(store(), CLIENT, adapters()).register_payment(invoice_id, payment, SYSTEM)
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.slug)

    jobs = (
        [(first["id"], "bank-1", "100.00")] * 4
        + [(second["id"], "bank-1", "100.00")] * 2
        + [(first["id"], f"bank-{n}", "10.00") for n in range(2, 5)]
    )
    threads = [threading.Thread(target=pay, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    a = inv.get(f"{BASE}/invoices/{first['id']}", user=SALES).json
    b = inv.get(f"{BASE}/invoices/{second['id']}", user=SALES).json
    ids = sorted(p["payment_id"] for p in a["payments"] + b["payments"])
    assert ids == ["bank-1", "bank-2", "bank-3", "bank-4"], (ids, outcomes)
    owner = a if any(p["payment_id"] == "bank-1" for p in a["payments"]) else b
    assert outcomes.count("payment-id-reused") == (2 if owner is a else 4), outcomes
    assert Decimal(a["paid_amount"]) + Decimal(b["paid_amount"]) == Decimal("130.00")


def _settle(api, customer: int = 1, **body):
    return api.post(f"{BASE}/customer-credits/{customer}/settlements", body, user=ADMIN)


def test_the_customer_credit_settles_a_later_invoice_once(inv):
    first, later = issued(inv), issued(inv)  # 1046.55 each, customer 1
    assert _pay(inv, first["id"], "bank-1", "1146.55").json["overpaid_amount"] == "100.00"
    credit = _credit(inv)
    r = _settle(inv, settlement_id="s-1", invoice_id=later["id"], version=credit["version"])
    assert r.status == 201, r
    assert r.json["credit"]["balances"] == {"NOK": "0.00"} and r.json["credit"]["entries"][-1]["amount"] == "-100.00"
    assert r.json["invoice"]["status"] == "partly_paid" and r.json["invoice"]["paid_amount"] == "100.00"
    again = _settle(inv, settlement_id="s-1", invoice_id=later["id"], version=credit["version"])  # a retry
    assert again.status == 200 and again.json["invoice"]["paid_amount"] == "100.00"
    assert _credit(inv)["balances"] == {"NOK": "0.00"}
    refused = _settle(inv, settlement_id="s-2", invoice_id=later["id"], version=_credit(inv)["version"])
    assert refused.status == 422 and refused.json["type"] == PROBLEMS + "customer-credit-too-small"
    actions = [e["action"] for e in inv.get(f"{BASE}/audit-events?limit=50", user=ADMIN).json["items"]]
    assert actions.count("customer_credit.settled") == 1


def test_a_settlement_is_refused_whole_when_it_would_overdraw_overpay_or_cross_customers(inv):
    first, later = issued(inv), issued(inv)
    other_customer = issued(inv, 2)
    _pay(inv, first["id"], "bank-1", "3000.00")  # credit 1953.45
    credit = _credit(inv)
    assert credit["balances"] == {"NOK": "1953.45"}
    stale = _settle(inv, settlement_id="s-1", invoice_id=later["id"], version=credit["version"] - 1)
    assert stale.status == 409, stale
    over = _settle(inv, settlement_id="s-1", invoice_id=later["id"], amount="1046.56", version=credit["version"])
    assert over.status == 422 and over.json["errors"][0]["field"] == "amount", over.json
    paid = _settle(inv, settlement_id="s-1", invoice_id=first["id"], version=credit["version"])
    assert paid.status == 422  # nothing left to pay on the invoice the credit came from
    missing = _settle(inv, 999, settlement_id="s-1", invoice_id=later["id"], version=0)
    assert missing.status == 404
    bad = _settle(inv, settlement_id="s 1", invoice_id=later["id"], amount="-1", version=credit["version"])
    assert bad.status == 422 and {e["field"] for e in bad.json["errors"]} >= {"settlement_id", "amount"}
    cross = _settle(inv, settlement_id="s-1", invoice_id=other_customer["id"], version=credit["version"])
    assert cross.status == 422 and cross.json["errors"][0]["field"] == "invoice_id"
    assert _credit(inv) == credit
    assert inv.get(f"{BASE}/invoices/{later['id']}", user=SALES).json["paid_amount"] == "0.00"
    whole = _settle(inv, settlement_id="s-1", invoice_id=later["id"], version=credit["version"])
    assert whole.status == 201 and whole.json["invoice"]["status"] == "paid", whole
    assert whole.json["credit"]["balances"] == {"NOK": "906.90"}


def _bank_entries() -> list[dict]:
    return [r.data for r in store().query_all(keys.client_pk(CLIENT), keys.JOURNAL_PREFIX + "bank#")]


def test_a_payment_registered_in_the_portal_is_booked_once_against_the_customer(inv):
    i = issued(inv)
    r = _pay(inv, i["id"], "kontant-1", "500.00", ledger_account="1900")
    assert r.status == 200 and r.json["paid_amount"] == "500.00", r
    (entry,) = _bank_entries()
    assert {(x["account"], x["debit"], x["credit"], x.get("customer_number")) for x in entry["lines"]} == {
        ("1900", "500.00", "0.00", None),
        ("1500", "0.00", "500.00", 1),
    }
    assert entry["date"] == "2026-03-02" and entry["source"] == {"kind": "invoice_payment", "id": "kontant-1"}
    assert _pay(inv, i["id"], "kontant-1", "500.00", ledger_account="1900").status == 200  # a replay
    assert len(_bank_entries()) == 1
    refused = _pay(inv, i["id"], "bank-2", "100.00", ledger_account="1234")  # not an account of the chart
    assert refused.status == 422, refused
    assert inv.get(f"{BASE}/invoices/{i['id']}", user=SALES).json["paid_amount"] == "500.00"
    assert len(_bank_entries()) == 1
