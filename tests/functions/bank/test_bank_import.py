"""Incoming bank payments on moto, through the API and the import queue: matching by KID into the
invoices and the open items, the manual queue, idempotency (the same file, an overlapping file, the
same payments by camt.054 after OCR, a crash halfway), rejected files, the retrieval schedule."""

from __future__ import annotations

from decimal import Decimal

import pytest

from functions import catalogue
from infra.local.bank_files import Paid, camt054, ocr_file
from infra.local.invoker import Invoker
from klientportal.adapters.bank_channel import SimulatedBankChannel
from klientportal.bank import payments as bank_payments
from klientportal.bootstrap import invocation, store
from klientportal.repository import keys
from tests.functions.bank.conftest import ACCOUNT, AGREEMENT, CHANNEL_CUSTOMER
from tests.functions.invoicing.conftest import ADMIN, BASE, CLIENT, SALES, issued

PROBLEMS = "https://klientportal.no/problems/"
OCTET = {"content-type": "application/octet-stream"}
TOTAL = Decimal("1046.55")  # what conftest.issued() invoices


def _import(api, data: bytes) -> tuple[int, dict]:
    r = api.call("POST", f"{BASE}/bank/imports", user=ADMIN, raw=data, headers=OCTET)
    assert r.status in (200, 202), r
    return r.status, r.json


def _state(api, import_id: str) -> dict:
    r = api.get(f"{BASE}/bank/imports/{import_id}", user=ADMIN)
    assert r.status == 200, r
    return r.json


def _receivables(api) -> dict[str, dict]:
    r = api.get(f"{BASE}/receivables", user=ADMIN)
    assert r.status == 200, r
    return {i["invoice_number"]: i for i in r.json["items"]}


def _unmatched(api) -> list[dict]:
    r = api.get(f"{BASE}/bank/payments?status=unmatched", user=ADMIN)
    assert r.status == 200, r
    return r.json["items"]


def _journal_entries() -> list[dict]:
    """The client's entries of the "bank" series."""
    return [r.data for r in store().query_all(keys.client_pk(CLIENT), keys.JOURNAL_PREFIX + "bank#")]


def _external(api, number: str, kid: str, amount: str, customer: int = 2) -> dict:
    body = {
        "invoice_number": number,
        "customer_number": customer,
        "kid": kid,
        "amount": amount,
        "issue_date": "2026-02-01",
        "due_date": "2026-02-15",
        "customer_name": "Gammel Kunde AS",
    }
    r = api.post(f"{BASE}/receivables", body, user=ADMIN)
    assert r.status in (200, 201), r
    return r.json


@pytest.fixture
def ledger(bank):
    """Three portal invoices and one open item from the bureau's ledger."""
    a, b, c = issued(bank), issued(bank), issued(bank)
    _external(bank, "7001", "70011", "800.00")  # 70011: a MOD10 (Luhn) KID
    return bank, a, b, c


def _first_file(a: dict, b: dict) -> bytes:
    return ocr_file(
        101,
        ACCOUNT,
        [
            Paid(TOTAL, kid=a["kid"]),  # a: paid in full
            Paid(Decimal("500.00"), kid=b["kid"]),  # b: partly
            Paid(Decimal("850.00"), kid="70011"),  # external 7001: overpaid by 50
            Paid(Decimal("99.00"), kid="0000000018"),  # a valid KID nobody issued
            Paid(Decimal("42.00"), kid=a["kid"][:-1] + str((int(a["kid"][-1]) + 1) % 10)),  # bad check digit
        ],
    )


def test_an_ocr_file_pays_invoices_and_open_items_and_leaves_the_rest_for_a_person(ledger, drain):
    api, a, b, c = ledger
    status, received = _import(api, _first_file(a, b))
    assert status == 202 and received["state"] == "received"
    drain()
    done = _state(api, received["import_id"])
    assert done["state"] == "booked" and done["format"] == "nets-ocr", done
    assert done["counts"] == {
        "transactions": 5,
        "matched": 3,
        "unmatched": 2,
        "duplicates": 0,
        "ignored": 0,
        "amounts": {"total": "2537.55", "matched": "2396.55", "unmatched": "141.00"},
    }
    items = _receivables(api)
    assert (items[str(a["number"])]["status"], items[str(a["number"])]["remaining"]) == ("paid", "0.00")
    assert (items[str(b["number"])]["status"], items[str(b["number"])]["remaining"]) == ("partly_paid", "546.55")
    assert (items[str(c["number"])]["status"], items[str(c["number"])]["remaining"]) == ("open", "1046.55")
    assert (items["7001"]["status"], items["7001"]["overpaid"]) == ("overpaid", "50.00")
    invoice_a = api.get(f"{BASE}/invoices/{a['id']}", user=SALES).json
    assert invoice_a["status"] == "paid" and invoice_a["payments"][0]["amount"] == "1046.55"
    credit = api.get(f"{BASE}/customer-credits/2", user=SALES).json
    assert credit["balances"] == {"NOK": "50.00"}  # decision 0163: the overpayment is the customer's credit
    unmatched = {p["explanation"]["rule"]: p for p in _unmatched(api)}
    assert set(unmatched) == {"unknown-kid", "bad-check-digit"}
    assert "not matched to a similar KID" in unmatched["bad-check-digit"]["explanation"]["text"]
    matched = api.get(f"{BASE}/bank/payments?status=matched", user=ADMIN).json["items"]
    assert sorted(p["explanation"]["rule"] for p in matched) == ["full", "overpaid", "partial"]
    entries = _journal_entries()
    assert len(entries) == 5  # three matched, two to suspense: 1920 follows the bank (0626)
    credited = {"1500": Decimal(0), "2990": Decimal(0)}
    for e in entries:
        lines = {(x["account"], x["debit"], x["credit"]) for x in e["lines"]}
        assert any(acc == "1920" and Decimal(d) > 0 for acc, d, _ in lines)
        for acc, _, c in lines:
            if acc in credited:
                credited[acc] += Decimal(c)
    assert sum(Decimal(x["debit"]) for e in entries for x in e["lines"] if x["account"] == "1920") == Decimal("2537.55")
    assert credited == {"1500": Decimal("2396.55"), "2990": Decimal("141.00")}
    events = [ev for ev in store().audit_events(keys.client_pk(CLIENT))[0] if ev["action"] == "bank_import.booked"]
    assert len(events) == 1 and events[0]["after"]["counts"]["transactions"] == 5


def test_the_same_file_again_an_overlapping_file_and_camt_of_the_same_payments_book_nothing_twice(ledger, drain):
    api, a, b, c = ledger
    first = _first_file(a, b)
    _, received = _import(api, first)
    drain()
    before = (_receivables(api), len(_journal_entries()), len(_unmatched(api)))

    status, again = _import(api, first)  # the same file: the same import
    assert status == 200 and again["import_id"] == received["import_id"] and again["state"] == "booked"
    drain()

    # the same payments reported by camt.054 (other references), and one new payment for c
    camt = camt054(
        "DNB-CN-0001",
        ACCOUNT,
        [
            ("C-1", Paid(TOTAL, kid=a["kid"])),
            ("C-2", Paid(Decimal("500.00"), kid=b["kid"])),
            ("C-3", Paid(Decimal("850.00"), kid="70011")),
            ("C-4", Paid(Decimal("1046.55"), kid=c["kid"])),
        ],
    )
    _, second = _import(api, camt)
    drain()
    counts = _state(api, second["import_id"])["counts"]
    assert (counts["duplicates"], counts["matched"], counts["unmatched"]) == (3, 1, 0), counts

    # an overlapping OCR transmission: the first file's transactions again with one more, a new number
    overlap = ocr_file(101, ACCOUNT, [Paid(TOTAL, kid=a["kid"]), Paid(Decimal("500.00"), kid=b["kid"])])
    _, third = _import(api, overlap)
    drain()
    assert _state(api, third["import_id"])["state"] == "rejected"  # the transmission number was imported

    items = _receivables(api)
    assert items[str(b["number"])]["remaining"] == before[0][str(b["number"])]["remaining"]
    assert items[str(c["number"])]["status"] == "paid"
    assert len(_journal_entries()) == before[1] + 1 and len(_unmatched(api)) == before[2]
    assert len(api.get(f"{BASE}/invoices/{a['id']}", user=SALES).json["payments"]) == 1


def test_two_equal_payments_in_two_files_of_one_format_are_two_payments(ledger, drain):
    api, _a, b, _c = ledger
    for n in (201, 202):  # the customer pays 300 twice with the same KID on the same day
        _import(api, ocr_file(n, ACCOUNT, [Paid(Decimal("300.00"), kid=b["kid"])]))
        drain()
    assert _receivables(api)[str(b["number"])]["paid"] == "600.00"


def test_a_crash_halfway_resumes_without_duplicates(ledger, drain, monkeypatch):
    api, a, b, _c = ledger
    real = bank_payments.Booking.book
    calls = []

    def crashing(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the Lambda was killed")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(bank_payments.Booking, "book", crashing)
    data = _first_file(a, b)
    bank = invocation().bank(CLIENT)
    rec, _ = bank.imports.receive(data, "upload", bank_payments.Actor(sub="test"))
    with pytest.raises(RuntimeError):
        invocation().bank(CLIENT).imports.process(rec.data["import_id"])
    assert _state(api, rec.data["import_id"])["state"] == "received"
    assert _receivables(api)[str(a["number"])]["status"] == "paid"  # the first payment was booked
    monkeypatch.setattr(bank_payments.Booking, "book", real)
    drain()  # the queue redelivers: the import resumes
    done = _state(api, rec.data["import_id"])
    assert done["state"] == "booked"
    assert (done["counts"]["matched"], done["counts"]["unmatched"], done["counts"]["duplicates"]) == (3, 2, 0)
    assert len(_journal_entries()) == 5  # three matched, two to suspense, none twice
    assert len(api.get(f"{BASE}/invoices/{a['id']}", user=SALES).json["payments"]) == 1


def _end_total_plus_one(data: bytes) -> bytes:
    """The transmission's end record claims 0.01 more than its transactions add up to."""
    lines = data.rstrip(b"\r\n").split(b"\n")
    end = lines[-1]
    amount = int(end[24:41]) + 1
    lines[-1] = end[:24] + f"{amount:017d}".encode() + end[41:]
    return b"\n".join(lines) + b"\n"


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda d: d.replace(b"NY000089", b"NY000088", 1),  # a record the format does not have
        _end_total_plus_one,  # the end record's total disagrees with the transactions
        lambda d: d.replace(b"\nNY0910", b"\nNY09103", 1),  # a record of the wrong length
    ],
)
def test_a_corrupt_file_is_rejected_whole_kept_and_visible(ledger, drain, corrupt):
    api, a, b, _c = ledger
    data = corrupt(_first_file(a, b))
    _, received = _import(api, data)
    drain()
    done = _state(api, received["import_id"])
    assert done["state"] == "rejected" and done["counts"] is None
    assert done["rejection"]["reason"] and done["rejection"]["line"] is not None, done
    assert (
        api.get(f"{BASE}/bank/imports/{received['import_id']}", user="regnskap@byraet.no").json["state"] == "rejected"
    )
    s3 = invocation().s3
    kept = s3.get_object(Bucket=invocation().settings.vouchers_bucket, Key=f"bank/{CLIENT}/{received['import_id']}")
    assert kept["Body"].read() == data
    assert _receivables(api)[str(a["number"])]["status"] == "open" and _journal_entries() == []


def test_a_message_is_a_suggestion_and_a_person_matches(ledger, drain):
    api, _a, _b, c = ledger
    camt = camt054("DNB-CN-0002", ACCOUNT, [("M-1", Paid(TOTAL, text=f"Faktura {c['number']}", payer="Epost Kunde"))])
    _import(api, camt)
    drain()
    (waiting,) = _unmatched(api)
    assert waiting["explanation"]["rule"] == "no-kid"
    best = waiting["suggestions"][0]
    assert best["ref"] == c["id"] and any("mentions" in r for r in best["reasons"]), waiting["suggestions"]
    assert _receivables(api)[str(c["number"])]["status"] == "open"  # never matched on the message
    url = f"{BASE}/bank/payments/{waiting['payment_id']}/match"
    r = api.post(url, {"version": waiting["version"], "items": [{"invoice_id": c["id"]}]}, user=ADMIN)
    assert r.status == 200 and r.json["status"] == "matched" and r.json["explanation"]["rule"] == "manual", r
    assert _receivables(api)[str(c["number"])]["status"] == "paid" and _unmatched(api) == []
    suspense, cleared = _journal_entries()  # 1920 against 2990 on import, 2990 against 1500 on the match (0626)
    assert {(x["account"], x["debit"], x["credit"]) for x in suspense["lines"]} == {
        ("1920", "1046.55", "0.00"),
        ("2990", "0.00", "1046.55"),
    }
    assert {(x["account"], x["debit"], x["credit"]) for x in cleared["lines"]} == {
        ("2990", "1046.55", "0.00"),
        ("1500", "0.00", "1046.55"),
    }
    assert r.json["journal"]["voucher_number"] == cleared["voucher_number"]
    again = api.post(url, {"version": r.json["version"], "items": [{"invoice_id": c["id"]}]}, user=ADMIN)
    assert again.status == 409 and again.json["type"] == PROBLEMS + "bank-payment-not-unmatched"


@pytest.mark.parametrize("target", ["invoice_id", "invoice_number"])
def test_a_match_naming_one_item_twice_is_a_422_and_books_nothing(ledger, drain, target):
    api, _a, _b, c = ledger
    _import(api, camt054("DNB-CN-0003", ACCOUNT, [("M-2", Paid(TOTAL, text="to split", payer="Epost Kunde"))]))
    drain()
    (waiting,) = _unmatched(api)
    item = {"invoice_id": c["id"]} if target == "invoice_id" else {"invoice_number": "7001"}
    items = [{**item, "amount": "523.27"}, {**item, "amount": "523.28"}]
    url = f"{BASE}/bank/payments/{waiting['payment_id']}/match"
    r = api.post(url, {"version": waiting["version"], "items": items}, user=ADMIN)
    assert r.status == 422 and r.json["type"] == PROBLEMS + "validation-error", r  # was a 500 from the transaction
    assert "named twice" in r.json["detail"] and r.json["errors"][0]["field"] == "items.1"
    assert [p["payment_id"] for p in _unmatched(api)] == [waiting["payment_id"]]
    assert len(_journal_entries()) == 1  # the suspense entry of the import only


def test_a_kid_shared_by_several_items_is_matched_only_when_the_amounts_say_so(bank, drain):
    for n, (number, amount) in enumerate((("8001", "100.00"), ("8002", "200.00"), ("8003", "300.00"))):
        body = {
            "invoice_number": number,
            "customer_number": 3,
            "kid": "30007",  # the customer number as KID (MOD10): shared by the customer's items
            "amount": amount,
            "issue_date": "2026-01-01",
            "due_date": f"2026-01-1{n}",
        }
        assert bank.post(f"{BASE}/receivables", body, user=ADMIN).status == 201
    _import(
        bank,
        ocr_file(
            301,
            ACCOUNT,
            [Paid(Decimal("300.00"), kid="30007"), Paid(Decimal("250.00"), kid="30007")],
        ),
    )
    drain()
    items = _receivables(bank)
    assert (items["8001"]["status"], items["8002"]["status"], items["8003"]["status"]) == ("paid", "paid", "open")
    (waiting,) = _unmatched(bank)
    assert waiting["explanation"]["rule"] == "ambiguous" and waiting["candidates"] == ["8001", "8002", "8003"]


@pytest.mark.parametrize("retrieval", ["yes", 1, "true"])
def test_agreement_retrieval_is_true_or_false_only(bank, retrieval):
    r = bank.put(f"{BASE}/bank/agreement", {**AGREEMENT, "retrieval": retrieval}, user=ADMIN)
    assert r.status == 422 and any(e["field"] == "retrieval" for e in r.json["errors"]), r


def test_agreement_and_open_items_are_validated_at_the_boundary(bank):
    bad = {"accounts": [{"account": "86011117948"}], "channel_customer_id": "x"}
    r = bank.put(f"{BASE}/bank/agreement", bad, user=ADMIN)
    assert r.status == 422, r
    item = {
        "invoice_number": "9001",
        "customer_number": 2,
        "kid": "70013",
        "amount": "10.00",
        "issue_date": "2026-02-01",
        "due_date": "2026-02-15",
    }
    assert bank.post(f"{BASE}/receivables", item, user=ADMIN).status == 422  # bad check digit
    item["kid"] = "70011"
    assert bank.post(f"{BASE}/receivables", item, user=ADMIN).status == 201
    assert bank.post(f"{BASE}/receivables", item, user=ADMIN).status == 200  # a replay
    r = bank.post(f"{BASE}/receivables", {**item, "amount": "11.00"}, user=ADMIN)
    assert r.status == 409 and r.json["type"] == PROBLEMS + "receivable-number-reused"
    assert bank.post(f"{BASE}/receivables", {**item, "amount": "1.005"}, user=ADMIN).status == 422
    r = bank.call("POST", f"{BASE}/bank/imports", user=ADMIN, raw=b"", headers=OCTET)
    assert r.status == 422, r
    r = bank.call("POST", f"{BASE}/bank/imports", user=SALES, raw=b"NY00", headers=OCTET)
    assert r.status == 403, r  # the client_user has no bank module


def _retrieve() -> dict:
    return Invoker().invoke(catalogue.function("bank-retrieval"), {"detail-type": "Scheduled Event", "detail": {}})


def test_the_schedule_polls_the_channel_and_acknowledges_after_storing(ledger, drain):
    api, a, b, _c = ledger
    channel = SimulatedBankChannel()
    channel.offer(CHANNEL_CUSTOMER, "OCR.D020326.0101.txt", _first_file(a, b))
    result = _retrieve()
    assert (result["clients"], result["received"]) == (1, 1), result
    assert channel.list_new(CHANNEL_CUSTOMER) == []  # acknowledged once stored
    drain()
    imports = api.get(f"{BASE}/bank/imports", user=ADMIN).json["items"]
    assert [(i["source"], i["state"]) for i in imports] == [("channel", "booked")]
    channel.offer(CHANNEL_CUSTOMER, "OCR.D020326.0101.txt", _first_file(a, b))  # the bank sends it again
    again = _retrieve()
    assert (again["received"], again["known"]) == (0, 1)
    assert channel.list_new(CHANNEL_CUSTOMER) == []


def test_the_sub_ledger_pages_through_external_items_then_invoices_each_once(ledger):
    api, a, b, c = ledger
    _external(api, "7002", "70029", "100.00")
    _external(api, "7003", "70037", "100.00")
    everything = set(_receivables(api))
    assert everything == {"7001", "7002", "7003", str(a["number"]), str(b["number"]), str(c["number"])}
    seen, cursor, pages = [], None, 0
    while True:
        r = api.get(f"{BASE}/receivables?limit=2" + (f"&cursor={cursor}" if cursor else ""), user=ADMIN)
        assert r.status == 200 and len(r.json["items"]) <= 2, r
        seen += [i["invoice_number"] for i in r.json["items"]]
        pages += 1
        cursor = r.json.get("next_cursor")
        if not cursor:
            break
    assert sorted(seen) == sorted(everything) and seen[:3] == ["7001", "7002", "7003"] and pages >= 3
    first = api.get(f"{BASE}/receivables?limit=1", user=ADMIN).json["next_cursor"]
    for bad in ("x~" + first[2:], "i~" + first[2:], first + "0"):
        refused = api.get(f"{BASE}/receivables?limit=1&cursor={bad}", user=ADMIN)
        assert refused.status == 422 and refused.headers["content-type"].startswith("application/problem+json")
