"""Concurrency with real parallel workers (tests/functions/parallel.py): several OS processes, each
running the real handlers through its own gateway, against the one moto server of this process.
Invoice numbers stay gapless, an invoice is sent at most once, a stale version is a 409, the audit
chain stays unbroken. Each test prints its figures (run with -s to see them)."""

from __future__ import annotations

import random

import pytest

from infra.local import seed
from klientportal.adapters import outbox
from klientportal.bootstrap import store
from klientportal.repository import keys
from tests.functions.invoicing.conftest import BASE, SALES, TODAY, draft, inv, issued  # noqa: F401 - inv: fixture
from tests.functions.parallel import Context, Workers

U = "daglig@fjordkaffe.no"


@pytest.fixture(scope="module")
def workers():
    pool = Workers()
    yield pool
    pool.close()


def _context(tmp_path) -> Context:
    return Context.of_this_process(tmp_path / "dev-issuer.pem", TODAY)


def _shuffled(items: list, seed_: int) -> list:
    items = list(items)
    random.Random(seed_).shuffle(items)
    return items


def test_parallel_issuing_keeps_the_series_gapless(inv, workers, tmp_path):  # noqa: F811 - inv: the fixture
    drafts = [draft(inv)["id"] for _ in range(12)]
    token = inv.token(SALES)
    outcome = workers.run(
        _context(tmp_path),
        [
            [
                ("POST", f"{BASE}/invoices/{d}/issue", token, None, {"Idempotency-Key": f"issue-{w}-{d}"})
                for d in _shuffled(drafts, w)
            ]
            for w in range(workers.n)
        ],
    )
    print("\nissue:", outcome.figures)
    assert set(outcome.statuses) <= {200, 409}, outcome.statuses
    numbers: dict[str, set[int]] = {}
    for worker in outcome.replies:
        for status, body in worker:
            if status == 200:
                assert body["status"] == "issued" and body["number"], body
                numbers.setdefault(body["id"], set()).add(body["number"])
    assert sorted(numbers) == sorted(drafts) and all(len(n) == 1 for n in numbers.values()), numbers
    stored = {i["id"]: i for i in inv.get(f"{BASE}/invoices?limit=200", user=SALES).json["items"]}
    assert {d: {stored[d]["number"]} for d in drafts} == numbers  # what was answered is what is stored
    assert sorted(stored[d]["number"] for d in drafts) == list(range(10001, 10001 + len(drafts)))
    assert inv.get(f"{BASE}/invoice-settings", user=SALES).json["next_number"] == 10001 + len(drafts)


def test_parallel_sending_sends_each_invoice_once(inv, workers, tmp_path):  # noqa: F811 - inv: the fixture
    invoices = [issued(inv)["id"] for _ in range(6)]
    token = inv.token(SALES)
    outcome = workers.run(
        _context(tmp_path),
        [
            [
                ("POST", f"{BASE}/invoices/{i}/send", token, None, {"Idempotency-Key": f"send-{w}-{i}"})
                for i in _shuffled(invoices, w)
                for _ in range(2)
            ]
            for w in range(workers.n)
        ],
    )
    print("\nsend:", outcome.figures)
    assert set(outcome.statuses) <= {200, 409}, outcome.statuses
    assert len(outbox.messages("email")) == len(invoices)
    for i in invoices:
        invoice = inv.get(f"{BASE}/invoices/{i}", user=SALES).json
        assert invoice["status"] == "sent" and invoice["delivery"]["attempt"] == 1, invoice


def test_parallel_stale_versions_get_409_and_exactly_one_change_wins(api, workers, tmp_path):
    customers = f"/clients/{seed.FJORD}/customers"
    created = api.post(customers, {"customer_number": 7001, "name": "Kunde AS", "email": "k@example.no"}, user=U)
    assert created.status == 201 and created.json["version"] == 1
    token = api.token(U)
    outcome = workers.run(
        Context.of_this_process(tmp_path / "dev-issuer.pem"),
        [
            [("PATCH", f"{customers}/7001", token, {"version": 1, "name": f"Kunde {w}-{n} AS"}, {}) for n in range(5)]
            for w in range(workers.n)
        ],
    )
    print("\nstale versions:", outcome.figures)
    assert outcome.statuses == {200: 1, 409: 5 * workers.n - 1}, outcome.statuses
    [winner] = [body for worker in outcome.replies for status, body in worker if status == 200]
    now = api.get(f"{customers}/7001", user=U).json
    assert now["version"] == 2 and now["name"] == winner["name"]
    events = api.get(f"/clients/{seed.FJORD}/audit-events?limit=50", user=U).json["items"]
    assert [e["action"] for e in events if e["key"] == "CUSTOMER#7001"] == ["customer.updated", "customer.created"]


def test_parallel_writers_keep_one_unbroken_audit_chain(api, workers, tmp_path):
    token = api.token(U)
    outcome = workers.run(
        Context.of_this_process(tmp_path / "dev-issuer.pem"),
        [
            [
                (
                    "POST",
                    f"/clients/{seed.FJORD}/departments",
                    token,
                    {"department_number": f"{w}{n:02}", "name": f"Avd {w}"},
                    {},
                )
                for n in range(10)
            ]
            for w in range(1, workers.n + 1)
        ],
    )
    print("\naudit chain:", outcome.figures)
    assert outcome.statuses == {201: 10 * workers.n}, outcome.statuses  # none "busy, try again"
    result = store().verify_audit(keys.client_pk(seed.FJORD))
    assert result.ok, result.problems
