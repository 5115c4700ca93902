"""The ledger's rules without a table: what a draft must meet and the changes that book it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, cast

import pytest

from klientportal.errors import InvalidInput, RuleViolation
from klientportal.ledger.journal import JournalDraft, Posting, check_draft, journal_changes
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Store

PK = keys.client_pk("c-test")
ACTOR = Actor("u-1")


class FakeStore(Store):
    """What journal_changes reads: a dict of records (get_many as the Store answers it)."""

    def __init__(self, *records: Record) -> None:  # no table behind it
        self.items = {(r.pk, r.sk): r for r in records}
        self.batches = 0

    def get_many(self, keys: Any) -> dict[tuple[str, str], Record | None]:
        self.batches += 1
        return {k: self.items.get(k) for k in keys}


def _draft(*amounts: str, series: str = "faktura", day: date = date(2026, 3, 14), **kw: Any) -> JournalDraft:
    accounts = ["1500", "3000", "2700", "3020"]
    postings = tuple(
        Posting(accounts[i], Decimal(a), "t", customer_number=10001 if accounts[i] == "1500" else None)
        for i, a in enumerate(amounts)
    )
    return JournalDraft(series, day, "Faktura 1", kw.get("kind", "invoice"), kw.get("source", "inv-1"), postings)


def test_balanced_draft_becomes_counter_entry_source_period_balances_and_indexes() -> None:
    store = FakeStore()
    changes = journal_changes(store, PK, _draft("1250.00", "-1000.00", "-250.00"), ACTOR)
    by_entity = {c.record.entity: c for c in changes}
    entry = by_entity["journal_entry"].record
    assert entry.sk == "JOURNAL#faktura#2026#00000001" and entry.data["voucher_number"] == "F2026-1"
    assert entry.gsi1pk == keys.ledger_entries_gsi("c-test") and entry.gsi1sk == "2026-03-14#faktura#2026#00000001"
    assert [x["debit"] for x in entry.data["lines"]] == ["1250.00", "0.00", "0.00"]
    assert entry.data["lines"][0]["customer_number"] == 10001 and "vat_code" not in entry.data["lines"][0]
    balances = {c.record.sk: c.record.data for c in changes if c.record.entity == "ledger_balance"}
    assert balances["LEDGERBAL#2026#3000"]["months"] == {"03": {"debit": "0.00", "credit": "1000.00"}}
    assert sum(c.record.entity == "ledger_posting" for c in changes) == 3
    assert by_entity["ledger_party_balance"].record.sk == "LEDGERPBAL#2026#C#000010001"
    assert by_entity["ledger_period"].record.data == {
        "period": "2026-03",
        "status": "open",
        "entries": 1,
        "total": "1250.00",
    }
    assert all(c.before is None for c in changes) and store.batches == 1
    partitions = {c.record.entity: c.record.pk for c in changes}
    assert partitions["ledger_balance"] == partitions["ledger_party_balance"] == "T#c-test#LEDGERBAL"
    assert partitions["ledger_posting"] == partitions["ledger_source"] == "T#c-test#LEDGER"
    assert partitions["journal_entry"] == partitions["ledger_period"] == PK


def test_the_next_number_follows_the_counter_and_balances_add_up() -> None:
    counter = Record(PK, "COUNTER#JOURNAL#faktura#2026", "journal_series", {"year": 2026, "next": 7}, version=6)
    balance = Record(
        keys.ledger_balances_pk("c-test"),
        "LEDGERBAL#2026#3000",
        "ledger_balance",
        {"account": "3000", "year": 2026, "months": {"03": {"debit": "10.00", "credit": "1000.00"}}},
        version=2,
    )
    changes = journal_changes(FakeStore(counter, balance), PK, _draft("1250.00", "-1000.00", "-250.00"), ACTOR)
    [c] = [c for c in changes if c.record.sk == "COUNTER#JOURNAL#faktura#2026"]
    assert c.before is counter and c.record.data["next"] == 8
    [b] = [c for c in changes if c.record.sk == "LEDGERBAL#2026#3000"]
    assert b.before is balance and b.record.data["months"]["03"] == {"debit": "10.00", "credit": "2000.00"}
    assert any(c.record.sk == "JOURNAL#faktura#2026#00000007" for c in changes)


def test_bilag_keeps_the_voucher_keys() -> None:
    draft = JournalDraft(
        "bilag",
        date(2026, 1, 2),
        "x",
        "voucher",
        "v-1",
        (Posting("6300", Decimal("100.00"), "x"), Posting("2400", Decimal("-100.00"), "x", supplier_number=3)),
    )
    sks = {c.record.sk for c in journal_changes(FakeStore(), PK, draft, ACTOR)}
    assert {"COUNTER#VOUCHERNO#2026", "JOURNAL#2026#00000001", "LEDGERPBAL#2026#S#000000003"} <= sks


def test_unbalanced_is_a_rule_violation_with_the_difference() -> None:
    with pytest.raises(RuleViolation) as err:
        check_draft(_draft("1250.00", "-1000.00", "-249.99"))
    assert err.value.extra == {"debit": "1250.00", "credit": "1249.99", "difference": "0.01"}


@pytest.mark.parametrize(
    ("draft", "field"),
    [
        (_draft("1250.001", "-1250.001"), "postings.0.amount"),
        (_draft("0.00", "0.00"), "postings.0.amount"),
        (_draft("1.00"), "postings"),
        (_draft("1.00", "-1.00", series="kasse"), "series"),
        (_draft("1.00", "-1.00", source="a b"), "source_id"),
    ],
)
def test_malformed_drafts_are_refused_by_field(draft: JournalDraft, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        check_draft(draft)
    assert field in {e.field for e in err.value.errors}


def test_sub_ledger_accounts_need_their_party() -> None:
    draft = JournalDraft(
        "bank",
        date(2026, 1, 2),
        "x",
        "bank",
        "r1",
        (Posting("1920", Decimal("5.00"), "x"), Posting("1500", Decimal("-5.00"), "x")),
    )
    with pytest.raises(InvalidInput) as err:
        check_draft(draft)
    assert [e.field for e in err.value.errors] == ["postings.1.customer_number"]


def test_float_amounts_are_refused_not_rounded() -> None:
    draft = JournalDraft(
        "bank",
        date(2026, 1, 2),
        "x",
        "bank",
        "r1",
        (Posting("1920", cast(Decimal, 5.0), "x"), Posting("3000", Decimal("-5.00"), "x")),
    )
    with pytest.raises(InvalidInput):
        check_draft(draft)


def test_closed_period_unknown_account_and_a_second_booking_are_refused() -> None:
    closed = Record(PK, "LEDGERPERIOD#2026-03", "ledger_period", {"period": "2026-03", "status": "closed"}, version=3)
    with pytest.raises(RuleViolation) as err:
        journal_changes(FakeStore(closed), PK, _draft("1250.00", "-1000.00", "-250.00"), ACTOR)
    assert err.value.extra == {"period": "2026-03"}
    odd = JournalDraft(
        "bank",
        date(2026, 3, 2),
        "x",
        "bank",
        "r1",
        (Posting("1920", Decimal("5.00"), "x"), Posting("3999", Decimal("-5.00"), "x")),
    )
    with pytest.raises(InvalidInput) as bad:
        journal_changes(FakeStore(), PK, odd, ACTOR)
    assert [e.field for e in bad.value.errors] == ["postings.1.account"]
    own = Record(PK, "ACCOUNT#3999", "account", {"number": "3999", "name": "Annet salg"}, version=1)
    assert journal_changes(FakeStore(own), PK, odd, ACTOR)
    [source] = [c for c in journal_changes(FakeStore(own), PK, odd, ACTOR) if c.record.entity == "ledger_source"]
    assert source.before is None and source.record.sk == "LEDGERSRC#bank#r1"  # created: a second one fails


def test_an_entry_too_large_for_one_transaction_is_refused() -> None:
    postings = tuple(Posting(f"{6000 + i * 10}", Decimal("1.00"), "x") for i in range(20))
    draft = JournalDraft(
        "lonn", date(2026, 1, 31), "x", "payroll", "p1", (*postings, Posting("1920", Decimal("-20.00"), "x"))
    )
    with pytest.raises(RuleViolation, match="split it"):
        journal_changes(FakeStore(), PK, draft, ACTOR)
