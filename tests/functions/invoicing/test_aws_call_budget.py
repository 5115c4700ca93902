"""AWS calls per operation (issue 8 §4): create + issue + send by e-mail of one invoice within 12
calls (issuing reads the customer with what its ledger booking reads: decisions 0802, 0958), and no
count that grows with what the request or the client holds. Counted with the same botocore hook as
`make bench` (bench/aws_calls.py); requests without an Idempotency-Key (with one, powertools'
idempotency adds its PutItem + UpdateItem per request)."""

from __future__ import annotations

from bench.aws_calls import AwsCalls
from tests.functions.invoicing.conftest import BASE, SALES, draft

BUDGET = 12
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


def test_issuing_reads_the_customer_and_the_booking_in_one_batch(inv):
    """Prepaid, rounding, foreign currency, an exempt line and allowances post to more accounts; the
    issue still reads the customer and every ledger item its booking needs in one BatchGetItem."""
    from tests.functions.invoicing.test_invoicing_shapes import SHAPES

    _walk(inv, LINES)
    shaped = {k: v for k, v in SHAPES.items() if k != "attachments"}
    for body in ({"customer_number": 1, "lines": LINES}, shaped):
        d = inv.post(f"{BASE}/invoices", body, user=SALES)
        assert d.status == 201, d
        with AwsCalls() as issue:
            assert inv.post(f"{BASE}/invoices/{d.json['id']}/issue", user=SALES).status == 200
        assert (issue.total, issue.of("GetItem"), issue.of("BatchGetItem")) == (4, 0, 2), issue.summary()
