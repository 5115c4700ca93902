"""The overview's payroll counters (decision 0931): runs by status, each run's latest a-melding message
by status, every message's answer kept once, the next deadline — the same in any order of events."""

from __future__ import annotations

import itertools
import json
from datetime import date

from klientportal.sync.counters import counter_change
from klientportal.sync.overview import backlog_of, payroll_status

RUN = {"run_id": "pr-2026-03-a", "period": "2026-03"}


def ev(action, before, after, at="2026-04-02T10:00:00Z"):
    return {"action": action, "entity": "payroll_run", "before": before, "after": after, "at": at}


def run(status, *messages):
    return {**RUN, "status": status, "submissions": [dict(m) for m in messages]}


def msg(n, status, feedback=()):
    return {"message_id": f"pr-2026-03-a-{n}", "status": status, "feedback": list(feedback), "answered_at": f"t{n}"}


REJECTION = [{"code": "A-SUM", "severity": "error", "message": "sumForskuddstrekk stemmer ikke" * 10, "where": None}]
EVENTS = [
    ev("payroll.run_computed", None, run("awaiting_approval")),
    ev("payroll.run_approved", run("awaiting_approval"), run("approved")),
    ev("a_melding.sending", run("approved"), run("approved", msg(1, "sending"))),
    ev("a_melding.submitted", run("approved", msg(1, "sending")), run("approved", msg(1, "submitted"))),
    ev("a_melding.rejected", run("approved", msg(1, "submitted")), run("approved", msg(1, "rejected", REJECTION))),
    ev(
        "a_melding.sending",
        run("approved", msg(1, "rejected", REJECTION)),
        run("approved", msg(1, "rejected", REJECTION), msg(2, "sending")),
    ),
    ev(
        "a_melding.submitted",
        run("approved", msg(1, "rejected", REJECTION), msg(2, "sending")),
        run("approved", msg(1, "rejected", REJECTION), msg(2, "submitted")),
    ),
    ev(
        "a_melding.accepted",
        run("approved", msg(1, "rejected", REJECTION), msg(2, "submitted")),
        run("approved", msg(1, "rejected", REJECTION), msg(2, "accepted")),
    ),
]


def counts_of(events):
    counts: dict = {}
    for e in events:
        change = counter_change(e)
        for k, v in change.add.items():
            counts[k] = counts.get(k, 0) + v
        for k, v in change.put.items():
            assert k not in counts or counts[k] == v, "a message's answer is written once, the same"
            counts[k] = v
    return {k: v for k, v in counts.items() if v}


def test_runs_and_a_meldinger_by_status_in_any_order():
    expected = counts_of(EVENTS)
    assert {k: v for k, v in expected.items() if k.startswith("n:")} == {
        "n:payroll_run:approved": 1,
        "n:a_melding:accepted": 1,
        "n:a_melding.submitted": 2,  # the contract-5 action, counted as before
    }
    assert sorted(k for k in expected if k.startswith("afb:")) == [
        "afb:2026-03#pr-2026-03-a-1",
        "afb:2026-03#pr-2026-03-a-2",
    ]
    for perm in itertools.islice(itertools.permutations(EVENTS), 0, None, 997):  # ~40 of the 40,320 orders
        assert counts_of(perm) == expected


def test_the_status_shows_the_latest_answer_and_the_deadline():
    half = counts_of(EVENTS[:5])  # rejected, not yet replaced
    status = payroll_status(half, date(2026, 4, 2))
    assert status is not None
    assert (status.runs_approved, status.a_meldinger_rejected, status.a_meldinger_accepted) == (1, 1, 0)
    latest = status.latest_a_melding
    assert latest is not None and latest.status == "rejected" and latest.findings_total == 1
    assert latest.findings[0]["code"] == "A-SUM" and len(latest.findings[0]["message"]) == 120
    assert status.next_a_melding_deadline == "2026-04-07"  # 5 April 2026 is Easter Sunday, 6 April Easter Monday
    row = backlog_of({"client_id": "c-1", "name": "X"}, half, date(2026, 4, 2))
    assert row.payroll == status and row.backlog == 1  # the rejected a-melding needs work

    done = payroll_status(counts_of(EVENTS), date(2026, 4, 2))
    assert done is not None and done.latest_a_melding is not None and done.latest_a_melding.status == "accepted"
    assert done.next_a_melding_deadline == "2026-05-05"  # March is accepted: April's is next
    assert json.loads(json.dumps(done.latest_a_melding.__dict__))["message_id"] == "pr-2026-03-a-2"


def test_a_run_awaiting_approval_is_waiting_and_a_client_without_payroll_has_none():
    counts = counts_of(EVENTS[:1])
    status = payroll_status(counts, date(2026, 3, 20))
    assert status is not None and (status.runs_awaiting_approval, status.waiting) == (1, 1)
    assert status.next_a_melding_deadline == "2026-04-07"  # February's (5 March) is past: March's
    accepted = counts_of(EVENTS)
    later = payroll_status(accepted, date(2026, 3, 28))  # March accepted early, February's past
    assert later is not None and later.next_a_melding_deadline == "2026-05-05"
    assert payroll_status({"n:voucher:new": 2}, date(2026, 3, 20)) is None
