"""The backfill on moto (decisions 0812, 0813): a client with data from before the ledger — invoices
and a credit note issued with no entries, a supplier voucher booked as the code before the ledger
booked it (its numbered `JOURNAL#<year>#<n>`, nothing else), no overview counters — is brought into
the ledger: trial balance right, rerun identical, two backfills at once book each source once, a
closed period blocks what falls in it until reopened; the overview recount equals the counts of the
audit trail and the consumer does not count an event twice after it."""

from __future__ import annotations

import json
import threading
from datetime import date
from decimal import Decimal

from bench.aws_calls import AwsCalls
from klientportal import aws
from klientportal.bootstrap import store
from klientportal.events import DomainEvent, domain_event_detail
from klientportal.ledger.backfill import backfill
from klientportal.repository import keys
from klientportal.repository.operational import OperationalStore
from klientportal.repository.records import Record
from klientportal.repository.store import SYSTEM, Change, Store
from klientportal.settings import settings
from klientportal.sync import overview
from klientportal.sync.overview_recount import counts_up_to, recount
from tests.functions.invoicing.conftest import BASE, CLIENT, SALES, issued, key

ACCOUNTANT = "regnskap@byraet.no"
LEDGER = f"{BASE}/ledger"
PK = keys.client_pk(CLIENT)
OLD_VOUCHER = [  # the lines of `vouchers.ledger.journal_lines` as the pre-ledger booking stored them
    {"account": "6800", "debit": "800.00", "credit": "0.00", "vat_code": "1", "text": "Papir", "project": None},
    {"account": "2710", "debit": "200.00", "credit": "0.00", "vat_code": "1", "text": "Papir", "department": None},
    {"account": "2400", "debit": "0.00", "credit": "1000.00", "supplier_number": 1, "text": "Kontorland AS"},
]


def _issue_on(inv, monkeypatch, day: date, **extra) -> dict:
    monkeypatch.setattr("klientportal.clock.today_oslo", lambda at=None: day)
    return issued(inv, **extra)


def _pre_ledger_client(inv, monkeypatch) -> dict[str, dict]:
    """Invoices in January, February and March and a credit note, booked by issuing; then a voucher
    booked the pre-ledger way; returns the trial balance the ledger had for the invoices."""
    _issue_on(inv, monkeypatch, date(2026, 1, 15))
    feb = _issue_on(inv, monkeypatch, date(2026, 2, 10))
    note = inv.post(
        f"{BASE}/invoices/{feb['id']}/credit-notes",
        {"lines": [{"description": "Frakt", "quantity": 1, "unit_price": "150", "vat_code": "3"}]},
        user=SALES,
        headers=key(),
    )
    assert note.status == 201, note
    assert inv.post(f"{BASE}/invoices/{note.json['id']}/issue", user=SALES, headers=key()).status == 200
    _issue_on(inv, monkeypatch, date(2026, 3, 2))
    booked = _trial_balance(inv)
    _strip_ledger()
    st = store()
    entry = {
        "year": 2026,
        "number": 1,
        "voucher_number": "2026-1",
        "date": "2026-02-05",
        "voucher_id": "v-old-1",
        "lines": OLD_VOUCHER,
        "booked_by": "old-code",
    }
    st.write(
        PK,
        [
            Change(None, Record(PK, keys.voucher_counter_sk(2026), "voucher_series", {"year": 2026, "next": 2}), "x"),
            Change(None, Record(PK, keys.journal_sk(2026, 1), "journal_entry", entry), "journal_entry.created"),
        ],
        SYSTEM,
    )
    assert _trial_balance(inv) == {}
    return booked


def _strip_ledger() -> None:
    """Remove what the ledger wrote (entries of faktura, counters, periods, pointers, balances,
    indexes): the state of a deployment from before the ledger."""
    ddb, table = aws.client("dynamodb"), settings().main_table
    doomed = []
    for pk, prefixes in (
        (keys.ledger_pk(CLIENT), ("",)),
        (keys.ledger_balances_pk(CLIENT), ("",)),
        (PK, ("LEDGERPERIOD#", "JOURNAL#faktura#", "COUNTER#JOURNAL#")),
    ):
        for prefix in prefixes:
            doomed += [(r.pk, r.sk) for r in store().query_all(pk, prefix)]
    for pk, sk in doomed:
        ddb.delete_item(TableName=table, Key={"PK": {"S": pk}, "SK": {"S": sk}})


def _trial_balance(inv) -> dict[str, dict]:
    r = inv.get(f"{LEDGER}/trial-balance?from=2026-01&to=2026-12", user=ACCOUNTANT)
    assert r.status == 200, r
    assert r.json["balanced"], r.json
    return {row["account"]: row for row in r.json["accounts"]}


def _with_voucher(booked: dict[str, dict]) -> dict[str, tuple[str, str]]:
    """(debit, credit) per account: the invoices' as the ledger booked them, plus the old voucher."""
    out = {a: (Decimal(r["debit"]), Decimal(r["credit"])) for a, r in booked.items()}
    for line in OLD_VOUCHER:
        d, c = out.get(line["account"], (Decimal("0.00"), Decimal("0.00")))
        out[line["account"]] = (d + Decimal(line["debit"]), c + Decimal(line["credit"]))
    return {a: (str(d), str(c)) for a, (d, c) in out.items()}


def _moves(tb: dict[str, dict]) -> dict[str, tuple[str, str]]:
    return {a: (r["debit"], r["credit"]) for a, r in tb.items()}


def _ledger_items() -> list[tuple[str, str, int]]:
    st = store()
    return sorted(
        (r.pk, r.sk, r.version)
        for pk, prefix in ((keys.ledger_pk(CLIENT), ""), (keys.ledger_balances_pk(CLIENT), ""), (PK, "LEDGER"))
        for r in st.query_all(pk, prefix)
    ) + sorted((r.pk, r.sk, r.version) for r in st.query_all(PK, "JOURNAL#"))


def test_backfill_books_the_old_data_once_and_a_rerun_changes_nothing(inv, monkeypatch):
    booked = _pre_ledger_client(inv, monkeypatch)

    with AwsCalls() as calls:  # a store made inside: its client reports to the recorder
        done = backfill(Store(aws.client("dynamodb"), settings().main_table), CLIENT, SYSTEM)
    assert done.adopted == ["2026-1"]
    assert done.booked == ["F2026-1", "F2026-2", "F2026-3", "F2026-4"]  # by issue date, then number
    # two listings and a batch of the invoices' pointers, then per source: its fresh read, one batch
    # of the counter, period and balances, the audit head, one transaction
    assert calls.calls == {
        "dynamodb.Query": 2,
        "dynamodb.BatchGetItem": 6,
        "dynamodb.GetItem": 10,
        "dynamodb.TransactWriteItems": 5,
    }, calls.calls
    assert (done.already, done.blocked, done.nothing_to_book) == (0, [], [])
    tb = _trial_balance(inv)
    assert _moves(tb) == _with_voucher(booked)
    assert tb["2400"]["closing"] == "-1000.00" and tb["1500"]["closing"] == booked["1500"]["closing"]

    entry = inv.get(f"{LEDGER}/sources/voucher/v-old-1", user=ACCOUNTANT).json
    assert (entry["voucher_number"], entry["date"], entry["series"]) == ("2026-1", "2026-02-05", "bilag")
    postings = inv.get(f"{LEDGER}/accounts/2400/postings?period=2026-02", user=ACCOUNTANT).json
    assert [p["voucher_number"] for p in postings["items"]] == ["2026-1"]
    periods = {p["period"]: p["entries"] for p in inv.get(f"{LEDGER}/periods", user=ACCOUNTANT).json["items"]}
    assert periods == {"2026-01": 1, "2026-02": 3, "2026-03": 1}  # the credit note is dated in February

    items = _ledger_items()
    with AwsCalls() as calls:
        again = backfill(Store(aws.client("dynamodb"), settings().main_table), CLIENT, SYSTEM)
    assert "dynamodb.TransactWriteItems" not in calls.calls  # nothing written
    assert (again.adopted, again.booked, again.already, again.blocked) == ([], [], 5, [])
    assert _ledger_items() == items
    assert _trial_balance(inv) == tb


def test_two_backfills_at_once_book_each_source_once(inv, monkeypatch):
    booked = _pre_ledger_client(inv, monkeypatch)
    results, errors = [], []

    def run() -> None:
        try:
            results.append(backfill(store(), CLIENT, SYSTEM))
        except BaseException as exc:  # the test fails with it below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(n for r in results for n in r.booked) == ["F2026-1", "F2026-2", "F2026-3", "F2026-4"]
    assert [n for r in results for n in r.adopted] == ["2026-1"]
    assert sum(r.already for r in results) == 5
    assert _moves(_trial_balance(inv)) == _with_voucher(booked)


def test_a_closed_period_blocks_its_sources_until_reopened(inv, monkeypatch):
    booked = _pre_ledger_client(inv, monkeypatch)
    assert inv.post(f"{LEDGER}/periods/2026-01/close", user=ACCOUNTANT).status == 200

    done = backfill(store(), CLIENT, SYSTEM)
    [blocked] = done.blocked
    assert (blocked["kind"], blocked["period"]) == ("invoice", "2026-01") and "closed" in blocked["reason"]
    assert done.booked == ["F2026-1", "F2026-2", "F2026-3"] and done.adopted == ["2026-1"]
    assert "1500" in _trial_balance(inv) and _moves(_trial_balance(inv)) != _with_voucher(booked)

    assert inv.post(f"{LEDGER}/periods/2026-01/reopen", user=ACCOUNTANT).status == 200
    rest = backfill(store(), CLIENT, SYSTEM)
    assert (rest.booked, rest.blocked, rest.already) == (["F2026-4"], [], 4)  # the next number of the series
    assert _moves(_trial_balance(inv)) == _with_voucher(booked)


def _ops() -> OperationalStore:
    s = settings()
    return OperationalStore(aws.client("dynamodb"), s.main_table, s.idempotency_table)


def _counter() -> dict:
    client = store().get(PK, keys.CLIENT_SK)
    assert client is not None
    rec = store().get(keys.bureau_pk(str(client.data["bureau_id"])), keys.overview_sk(CLIENT))
    assert rec is not None
    return {k: (int(v) if isinstance(v, Decimal) else v) for k, v in rec.extra.items()}


def _domain_event(event: dict) -> DomainEvent:
    return DomainEvent(**domain_event_detail(PK, event))


def test_the_overview_recount_equals_the_audit_trail_and_the_consumer_counts_on_after_it(inv, monkeypatch):
    first = _issue_on(inv, monkeypatch, date(2026, 1, 15))
    st, ops = store(), _ops()
    events, head = st.audit_events(PK)
    half = events[: len(events) // 2]
    for event in half:  # the consumer had counted some events when the recount starts
        overview.apply(st, ops, _domain_event(event))

    written = recount(st, ops, CLIENT)
    expected = counts_up_to(events, head["seq"] if head else 0)
    assert expected["n:invoice:issued"] == 1 and expected[f"due:{first['due_date']}"] == 1
    counter = _counter()
    assert {k: v for k, v in counter.items() if k.startswith(("n:", "due:", "last:"))} == expected
    assert counter[overview.AS_OF_SEQ] == written[overview.AS_OF_SEQ] == (head["seq"] if head else 0)

    for event in events:  # late deliveries of events the recount included: not counted again
        assert overview.apply(st, ops, _domain_event(event)) is False
    assert {k: v for k, v in _counter().items() if k.startswith(("n:", "due:"))} == {
        k: v for k, v in expected.items() if k.startswith(("n:", "due:"))
    }

    again = recount(st, ops, CLIENT)
    assert {k: v for k, v in again.items() if k != "rev"} == {k: v for k, v in written.items() if k != "rev"}

    _issue_on(inv, monkeypatch, date(2026, 1, 20))
    newer, _ = st.audit_events(PK)
    counted = [overview.apply(st, ops, _domain_event(e)) for e in newer if e["seq"] > written[overview.AS_OF_SEQ]]
    assert any(counted)
    assert _counter()["n:invoice:issued"] == 2


def test_the_cli_backfills_every_client_and_a_rerun_books_nothing(inv, monkeypatch, capsys):
    from infra.cli import main

    booked = _pre_ledger_client(inv, monkeypatch)
    assert main(["ledger", "backfill", "--all", "--target", "aws"]) == 0
    # one JSON line per client and nothing else: the handlers' logs go to stderr
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert all("booked" in x for x in lines), lines
    mine = next(x for x in lines if x["client_id"] == CLIENT)
    assert mine["booked"] == ["F2026-1", "F2026-2", "F2026-3", "F2026-4"] and mine["adopted"] == ["2026-1"]
    assert mine["overview"]["counters"] > 0
    assert {x["client_id"] for x in lines} >= {"c-fjordkaffe", "c-hansenbygg"}
    assert _moves(_trial_balance(inv)) == _with_voucher(booked)

    assert main(["ledger", "backfill", "--client", CLIENT, "--target", "aws"]) == 0
    [again] = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert (again["booked"], again["adopted"], again["already"]) == ([], [], 5)
    assert main(["ledger", "backfill", "--client", "c-nobody", "--target", "aws"]) == 1
