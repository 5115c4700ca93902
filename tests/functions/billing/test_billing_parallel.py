"""Metering with real parallel workers: several processes deliver the same events at once (the
queue's at-least-once delivery to several Lambda instances); each event is counted exactly once."""

from __future__ import annotations

import time

import pytest

from tests.functions.billing.conftest import ADMIN, sqs_event, write_event
from tests.functions.billing.parallel_meter import meter_in_worker
from tests.functions.parallel import Context, Workers

FJORD = "c-fjordkaffe"
N = 4


@pytest.fixture(scope="module")
def workers():
    pool = Workers(N)
    yield pool
    pool.close()


def test_the_same_events_delivered_by_parallel_workers_are_counted_once(billing_api, workers, issuer, tmp_path, at):
    at("2026-11-10T09:00")
    events = [write_event(FJORD, "payslip.issued", {"n": i}) for i in range(12)]
    events += [write_event(FJORD, "bank_import.booked", {"counts": {"transactions": 5}}) for _ in range(3)]
    context = Context.of_this_process(tmp_path / "dev-issuer.pem")
    start_at = time.time() + 3
    # every worker gets every event, in a different order
    futures = [
        workers.pool.submit(meter_in_worker, context, sqs_event(events[i:] + events[:i]), start_at) for i in range(N)
    ]
    results = [f.result(timeout=300) for f in futures]
    assert len({pid for pid, _ in results}) == N
    assert all(r == {"batchItemFailures": []} for _, r in results)
    counts = billing_api.get(f"/clients/{FJORD}/usage?month=2026-11", user=ADMIN).json["counts"]
    assert counts == {"bank_file": 3, "bank_transaction": 15, "payslip": 12}
