"""Adopting an entry booked before the ledger (decision 0812): the same derived items journal_changes
writes for the same lines, the entry's own number kept, and what is refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from klientportal.errors import RuleViolation
from klientportal.ledger.journal import JournalDraft, Posting, adopt_changes, journal_changes
from klientportal.repository import keys
from klientportal.repository.records import Record
from tests.unit.ledger.test_journal import ACTOR, PK, FakeStore

LINES = [
    {"account": "6800", "debit": "800.00", "credit": "0.00", "vat_code": "1", "text": "Papir", "project": None},
    {"account": "2710", "debit": "200.00", "credit": "0.00", "vat_code": "1", "text": "Papir"},
    {"account": "2400", "debit": "0.00", "credit": "1000.00", "supplier_number": 7, "text": "Kontorland AS"},
]


def _old(number: int = 17, **extra: object) -> Record:
    data = {
        "year": 2026,
        "number": number,
        "voucher_number": f"2026-{number}",
        "date": "2026-02-05",
        "voucher_id": "v-old",
        "lines": LINES,
        "booked_by": "u-0",
        **extra,
    }
    return Record(PK, keys.journal_sk(2026, number), "journal_entry", data, version=1)


def _derived(changes: list) -> dict[str, dict]:
    return {
        c.record.sk: c.record.data
        for c in changes
        if c.record.entity not in ("journal_entry", "voucher_series", "ledger_source")
    }


def test_adopting_keeps_the_number_and_writes_what_booking_would() -> None:
    changes = adopt_changes(FakeStore(), PK, _old())
    entry = changes[0]
    assert entry.action == "journal_entry.adopted" and entry.before is not None
    adopted = entry.record
    assert adopted.sk == "JOURNAL#2026#00000017"
    assert (adopted.data["series"], adopted.data["voucher_number"], adopted.data["adopted"]) == (
        "bilag",
        "2026-17",
        True,
    )
    assert adopted.data["source"] == {"kind": "voucher", "id": "v-old"} and adopted.data["total"] == "1000.00"
    assert adopted.gsi1pk == keys.ledger_entries_gsi("c-test")
    assert adopted.gsi1sk == "2026-02-05#bilag#2026#00000017"
    [source] = [c.record for c in changes if c.record.entity == "ledger_source"]
    assert source.sk == "LEDGERSRC#voucher#v-old" and source.data["voucher_number"] == "2026-17"

    postings = tuple(
        Posting(
            x["account"],
            Decimal(x["debit"]) - Decimal(x["credit"]),
            x["text"],
            vat_code=x.get("vat_code"),
            supplier_number=x.get("supplier_number"),
        )
        for x in LINES
    )
    draft = JournalDraft("bilag", date(2026, 2, 5), "", "voucher", "v-old", postings)
    counter = Record(PK, keys.voucher_counter_sk(2026), "voucher_series", {"year": 2026, "next": 17}, version=3)
    booked = journal_changes(FakeStore(counter), PK, draft, ACTOR)
    assert set(_derived(changes)) == set(_derived(booked))  # same keys: period, balances, indexes
    for sk, data in _derived(booked).items():
        if "months" in data or "entries" in data:
            assert _derived(changes)[sk] == data, sk


def test_only_a_pre_ledger_entry_is_adopted_and_never_into_a_closed_period() -> None:
    with pytest.raises(RuleViolation, match="not an entry booked before the ledger"):
        adopt_changes(FakeStore(), PK, _old(series="bilag"))
    closed = Record(PK, keys.ledger_period_sk("2026-02"), "ledger_period", {"period": "2026-02", "status": "closed"})
    with pytest.raises(RuleViolation, match="closed") as refused:
        adopt_changes(FakeStore(closed), PK, _old())
    assert refused.value.extra["period"] == "2026-02"
