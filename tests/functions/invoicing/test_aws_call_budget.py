"""AWS calls per operation (issue 8 §4): create + issue + send by e-mail of one invoice within 13
calls (12, and one BatchGetItem since issuing books the ledger entry: decision 0802), and no count
that grows with what the request or the client holds. Counted with the same botocore hook as
`make bench` (bench/aws_calls.py); requests without an Idempotency-Key (with one, powertools'
idempotency adds its PutItem + UpdateItem per request)."""

from __future__ import annotations

from bench.aws_calls import AwsCalls
from tests.functions.invoicing.conftest import BASE, SALES, draft

BUDGET = 13
LINES = [{"product_number": "KAFFE-1", "quantity": "3"}, {"product_number": "RAAD", "quantity": "1.5"}]


def _walk(api, lines: list[dict]) -> tuple[AwsCalls, AwsCalls, AwsCalls]:
    with AwsCalls() as create:
        d = api.post(f"{BASE}/invoices", {"customer_number": 1, "lines": lines}, user=SALES)
    assert d.status == 201, d
    with AwsCalls() as issue:
        assert api.post(f"{BASE}/invoices/{d.json['id']}/issue", user=SALES).status == 200
    with AwsCalls() as send:
        sent = api.post(f"{BASE}/invoices/{d.json['id']}/send", user=SALES)
    assert sent.status == 200 and sent.json["status"] == "sent", sent
    return create, issue, send


def test_create_issue_send_by_email_within_the_budget(inv):
    _walk(inv, LINES)  # the first e-mail verifies the sender domain on a fresh moto (local simulator only)
    create, issue, send = _walk(inv, LINES)
    total = create.total + issue.total + send.total
    assert total <= BUDGET, f"create {create.summary()}; issue {issue.summary()}; send {send.summary()}"
    assert create.of("GetItem") + issue.of("GetItem") + send.of("GetItem") <= 1


def test_calls_do_not_grow_with_lines_or_invoices(inv):
    _walk(inv, LINES)
    for _ in range(3):
        draft(inv)
    few = _walk(inv, LINES[:1])
    many = _walk(inv, LINES * 10)
    assert [c.total for c in many] == [c.total for c in few]


def test_a_read_is_one_call(inv):
    d = draft(inv)
    with AwsCalls() as calls:
        assert inv.get(f"{BASE}/invoices/{d['id']}", user=SALES).status == 200
    assert calls.total == 1, calls.summary()
