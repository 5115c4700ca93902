"""AWS calls of the payment routes, counted with `make bench`'s botocore hook: making a batch reads
its vouchers and suppliers in batches (not one call per line), an approval is a handful of calls."""

from __future__ import annotations

from bench.aws_calls import AwsCalls
from tests.functions.payments.conftest import ACCOUNTANT, BASE, CLIENT_ADMIN


def _make(pay, api, lines: int) -> tuple[AwsCalls, dict]:
    for i in range(lines):
        pay.voucher(101 if i % 2 else 102, f"{100 + i}.00")
    with AwsCalls() as calls:
        r = api.post(f"{BASE}/payment-batches", {}, user=ACCOUNTANT)
    assert r.status == 201, r
    return calls, r.json


def test_making_a_batch_does_not_grow_its_calls_with_its_lines(pay, recording, api):
    small, _ = _make(pay, api, 2)
    large, batch = _make(pay, api, 20)
    print(f"\nbatch of 2: {small.total} calls ({small.summary()}); of 20: {large.total} ({large.summary()})")
    assert large.total == small.total <= 8
    with AwsCalls() as approve:
        assert pay.approve(batch, CLIENT_ADMIN).status == 200
    print(f"approval: {approve.total} calls ({approve.summary()})")
    assert approve.total <= 3  # + the human task (read, write, SendTaskSuccess) with the real workflow
