"""The ledger through the API on moto: invoices booked at issue, a bank payment booked through
journal_changes (as the bank routine does), trial balance, statements, open items, periods, and
what is refused (closed period, unbalanced entry, foreign tenant, a cursor of another list)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from klientportal.bootstrap import store
from klientportal.errors import RuleViolation
from klientportal.ledger.journal import JournalDraft, Posting, journal_changes
from klientportal.repository import keys
from klientportal.repository.store import SYSTEM
from tests.functions.invoicing.conftest import BASE, CLIENT, SALES, draft, issued, key

ACCOUNTANT = "regnskap@byraet.no"
ADMIN = "daglig@fjordkaffe.no"
LEDGER = f"{BASE}/ledger"


def _pay(amount: str, ref: str, day: date = date(2026, 3, 20)) -> None:
    """A customer payment as the bank routine books it: bank debited, customer 1 credited."""
    st = store()
    pk = keys.client_pk(CLIENT)
    draft_ = JournalDraft(
        "bank",
        day,
        "Innbetaling",
        "bank_entry",
        ref,
        (
            Posting("1920", Decimal(amount), "Innbetaling"),
            Posting("1500", -Decimal(amount), "Innbetaling", customer_number=1),
        ),
    )
    st.write(pk, journal_changes(st, pk, draft_, SYSTEM), SYSTEM)


def _rows(tb: dict) -> dict[str, dict]:
    return {r["account"]: r for r in tb["accounts"]}


def test_issued_invoices_and_a_payment_in_the_ledger(inv):
    first = issued(inv)  # 3 x 249.00 at 15 % + freight 150.00 at 25 %
    payable = Decimal(first["totals"]["payable"])
    assert payable == Decimal("1046.55")  # 747.00 + 112.05 + 150.00 + 37.50
    entry = inv.get(f"{LEDGER}/sources/invoice/{first['id']}", user=ACCOUNTANT)
    assert entry.status == 200, entry
    assert entry.json["voucher_number"] == "F2026-1" and entry.json["date"] == "2026-03-02"
    by_account = {x["account"]: x for x in entry.json["lines"]}
    assert by_account["1500"] == {
        "account": "1500",
        "debit": "1046.55",
        "credit": "0.00",
        "text": f"Faktura {first['number']} Epost Kunde AS",
        "customer_number": 1,
    }
    revenue = {(x["account"], x.get("vat_code")): x["credit"] for x in entry.json["lines"]}
    assert revenue[("3000", "31")] == "747.00"  # the product's income account, with its VAT code
    assert revenue[("3000", "3")] == "150.00"  # a free-text line: code 3's revenue account
    assert revenue[("2701", "31")] == "112.05" and revenue[("2700", "3")] == "37.50"

    second = issued(inv)
    _pay("1046.55", "ocr-1")
    _pay("100.00", "ocr-2")

    tb = inv.get(f"{LEDGER}/trial-balance?from=2026-01&to=2026-03", user=ADMIN)
    assert tb.status == 200, tb
    rows = _rows(tb.json)
    assert tb.json["balanced"] is True and tb.json["totals"]["debit"] == tb.json["totals"]["credit"]
    assert rows["1500"]["closing"] == "946.55"  # two invoices less two payments
    assert rows["1920"]["debit"] == "1146.55" and rows["1500"]["name"] == "Kundefordringer"
    assert _rows(inv.get(f"{LEDGER}/trial-balance?from=2026-01&to=2026-02", user=ADMIN).json) == {}

    items = inv.get(f"{LEDGER}/customers/1/open-items", user=ADMIN).json
    assert items["balance"] == "946.55" and items["unallocated"] == "0.00"
    assert [(i["voucher_number"], i["amount"], i["open"]) for i in items["items"]] == [("F2026-2", "1046.55", "946.55")]
    assert items["items"][0]["source"] == {"kind": "invoice", "id": second["id"]}

    pl = inv.get(f"{LEDGER}/profit-and-loss?from=2026-01&to=2026-03", user=ADMIN).json
    assert pl["result"] == "1794.00" and pl["result_last_year"] == "0.00"  # 2 x (747.00 + 150.00)
    bs = inv.get(f"{LEDGER}/balance-sheet?at=2026-03", user=ADMIN).json
    assert bs["balanced"] is True and bs["total_assets"] == "2093.10"  # bank 1146.55 + customers 946.55

    # postings on 1500: paginated with a signed cursor bound to this list
    page = inv.get(f"{LEDGER}/accounts/1500/postings?period=2026-03&limit=3", user=ADMIN).json
    assert [p["voucher_number"] for p in page["items"]] == ["F2026-1", "F2026-2", "B2026-1"]
    rest = inv.get(f"{LEDGER}/accounts/1500/postings?period=2026-03&limit=3&cursor={page['next_cursor']}", user=ADMIN)
    assert [p["voucher_number"] for p in rest.json["items"]] == ["B2026-2"]
    other = inv.get(f"{LEDGER}/accounts/1920/postings?limit=3&cursor={page['next_cursor']}", user=ADMIN)
    assert other.status == 422 and other.json["errors"][0]["field"] == "cursor"
    customer = inv.get(f"{LEDGER}/customers/1/postings", user=ADMIN).json
    assert len(customer["items"]) == 4
    entries = inv.get(f"{LEDGER}/entries?period=2026-03-20", user=ADMIN).json
    assert [e["voucher_number"] for e in entries["items"]] == ["B2026-1", "B2026-2"]


def test_a_closed_period_refuses_postings_and_writes_nothing(inv):
    issued(inv)
    assert inv.post(f"{LEDGER}/periods/2026-03/close", user=ADMIN).status == 403  # the bureau closes
    closed = inv.post(f"{LEDGER}/periods/2026-03/close", user=ACCOUNTANT)
    assert closed.status == 200 and closed.json["status"] == "closed" and closed.json["entries"] == 1
    d = draft(inv)
    refused = inv.post(f"{BASE}/invoices/{d['id']}/issue", user=SALES, headers=key())
    assert refused.status == 409 and refused.json["period"] == "2026-03", refused
    assert inv.get(f"{BASE}/invoices/{d['id']}", user=SALES).json["status"] == "draft"
    with pytest.raises(RuleViolation):
        _pay("10.00", "ocr-closed", date(2026, 3, 31))
    assert inv.get(f"{LEDGER}/sources/bank_entry/ocr-closed", user=ADMIN).status == 404

    assert inv.post(f"{LEDGER}/periods/2026-04/close", user=ACCOUNTANT).status == 200
    later = inv.post(f"{LEDGER}/periods/2026-03/reopen", user=ACCOUNTANT)
    assert later.status == 409 and later.json["closed_after"] == ["2026-04"]
    assert inv.post(f"{LEDGER}/periods/2026-04/reopen", user=ACCOUNTANT).status == 200
    assert inv.post(f"{LEDGER}/periods/2026-03/reopen", user=ACCOUNTANT).json["status"] == "open"
    again = inv.post(f"{BASE}/invoices/{d['id']}/issue", user=SALES, headers=key())
    assert again.status == 200 and again.json["number"] == 10002  # the refused issue took no number
    assert inv.get(f"{LEDGER}/sources/invoice/{d['id']}", user=ADMIN).json["voucher_number"] == "F2026-2"
    months = inv.get(f"{LEDGER}/periods?year=2026", user=ADMIN).json["items"]
    assert [m["status"] for m in months][:4] == ["open"] * 4 and months[2]["entries"] == 2
    assert inv.post(f"{LEDGER}/periods/2026-13/close", user=ACCOUNTANT).status == 422


def test_unbalanced_and_unknown_account_write_nothing(inv):
    st = store()
    pk = keys.client_pk(CLIENT)
    before = st.get(pk, keys.AUDIT_HEAD_SK)
    bad = JournalDraft(
        "bank",
        date(2026, 3, 5),
        "x",
        "bank_entry",
        "r-1",
        (Posting("1920", Decimal("10.00"), "x"), Posting("3000", Decimal("-9.99"), "x")),
    )
    with pytest.raises(RuleViolation, match="does not balance"):
        journal_changes(st, pk, bad, SYSTEM)
    assert st.get(pk, keys.AUDIT_HEAD_SK) == before
    assert inv.get(f"{LEDGER}/trial-balance", user=ADMIN).json["accounts"] == []


def test_another_clients_ledger_is_not_found(inv):
    issued(inv)
    assert inv.get("/clients/c-hansenbygg/ledger/trial-balance", user=ADMIN).status == 404
    assert inv.get("/clients/c-other/ledger/entries", user=ACCOUNTANT).status in (403, 404)
    assert inv.get(f"{LEDGER}/trial-balance", user=SALES).status == 403  # a client user without the ledger
    assert inv.get(f"{LEDGER}/trial-balance?from=2026-04&to=2026-02", user=ADMIN).status == 422
    assert inv.get(f"{LEDGER}/accounts/15x0/postings", user=ADMIN).status == 422


@pytest.mark.parametrize("period", ["2026-02-30", "2026-02-29", "2026-04-31", "2026-00-10"])
def test_an_impossible_day_is_a_422_not_an_empty_list(inv, period):
    for path in ("entries", "accounts/1500/postings", "customers/1/postings"):
        r = inv.get(f"{LEDGER}/{path}?period={period}", user=ADMIN)
        assert r.status == 422 and r.json["errors"][0]["field"] == "period", (path, r)


def test_a_leap_day_is_a_day(inv):
    assert inv.get(f"{LEDGER}/entries?period=2024-02-29", user=ADMIN).status == 200


def test_statements_never_show_negative_zero(inv):
    """An account with movements this year and none last year (or the other way round) shows 0.00,
    not -0.00, on the side that is zero."""
    issued(inv)
    for path in ("profit-and-loss?from=2026-01&to=2026-12", "balance-sheet?at=2026-12", "trial-balance"):
        r = inv.get(f"{LEDGER}/{path}", user=ADMIN)
        assert r.status == 200, r
        assert b'"-0.00"' not in r.raw and b'"-0"' not in r.raw, (path, r.raw[:600])
    report = inv.post(
        f"/clients/{CLIENT}/reports",
        {"title": "Resultat", "statement": "profit-and-loss", "period_from": "2026-01", "period_to": "2026-12"},
        user=ACCOUNTANT,
    )
    assert report.status == 201, report
    assert b'"-0.00"' not in report.raw
