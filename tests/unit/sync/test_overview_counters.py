"""Counter changes from audit events: order-independent deltas, open invoices by due date."""

from __future__ import annotations

import itertools
from datetime import date

from klientportal.sync.counters import counter_change
from klientportal.sync.overview import a_melding_deadline, backlog_of


def ev(action, entity, before, after, at="2026-12-01T10:00:00Z"):
    return {"action": action, "entity": entity, "before": before, "after": after, "at": at}


def total(events):
    counts: dict[str, int] = {}
    for e in events:
        for k, v in counter_change(e).add.items():
            counts[k] = counts.get(k, 0) + v
    return {k: v for k, v in counts.items() if v}


def test_a_voucher_moves_between_queues():
    change = counter_change(ev("voucher.coded", "voucher", {"status": "new"}, {"status": "to_approve"}))
    assert change.add == {"n:voucher:new": -1, "n:voucher:to_approve": 1}
    assert counter_change(ev("voucher.updated", "voucher", {"status": "new"}, {"status": "new"})).add == {}


def test_any_order_gives_the_same_counts():
    events = [
        ev("voucher.received", "voucher", None, {"status": "received"}),
        ev("voucher.read", "voucher", {"status": "received"}, {"status": "new"}),
        ev("voucher.coded", "voucher", {"status": "new"}, {"status": "to_approve"}),
        ev("voucher.approved", "voucher", {"status": "to_approve"}, {"status": "approved"}),
    ]
    for perm in itertools.permutations(events):
        assert total(perm) == {"n:voucher:approved": 1}


def test_open_invoices_by_due_date_and_overdue():
    issued = {"kind": "invoice", "status": "issued", "due_date": "2026-11-20"}
    events = [
        ev("invoice.draft_created", "invoice", None, {"kind": "invoice", "status": "draft"}),
        ev("invoice.issued", "invoice", {"kind": "invoice", "status": "draft"}, issued),
        ev("invoice.sent", "invoice", issued, {**issued, "status": "sent"}),
    ]
    counts = total(events)
    assert counts == {"n:invoice:sent": 1, "due:2026-11-20": 1}
    paid = ev("invoice.paid", "invoice", {**issued, "status": "sent"}, {**issued, "status": "paid"})
    assert total([*events, paid]) == {"n:invoice:paid": 1}
    row = backlog_of({"client_id": "c-1", "name": "X"}, counts, date(2026, 12, 1))
    assert (row.open_invoices, row.overdue_invoices) == (1, 1)
    row = backlog_of({"client_id": "c-1", "name": "X"}, counts, date(2026, 11, 20))
    assert row.overdue_invoices == 0  # due today is not overdue


def test_routine_actions_count_and_remember_the_last():
    change = counter_change(ev("a_melding.submitted", "a_melding", None, {"period": "2026-11"}))
    assert change.add == {"n:a_melding.submitted": 1}
    assert change.put == {"last:a_melding.submitted": "2026-12-01T10:00:00Z"}


def test_headline_figures():
    counts = {
        "n:voucher:in_attestation": 2,
        "n:voucher:approved": 3,
        "n:payment_batch:awaiting_approval": 1,
        "n:payment_batch:paid": 4,
        "n:question:open": 2,
        "n:question:closed": 9,
        "n:bank_payment:unmatched": 3,
        "n:bank_payment:matched": 7,
    }
    row = backlog_of({"client_id": "c-1", "name": "X"}, counts, date(2026, 12, 1))
    assert row.vouchers["approved"] == 3
    assert (row.attestations_waiting, row.payment_batches_waiting, row.open_questions) == (2, 1, 2)
    assert row.unmatched_payments == 3
    assert row.backlog == 3 + 2 + 1 + 2 + 3


def test_a_melding_deadline_is_the_fifth():
    assert a_melding_deadline(date(2026, 12, 5)) == date(2026, 12, 5)
    assert a_melding_deadline(date(2026, 12, 6)) == date(2027, 1, 5)
