"""Reports: the bureau publishes one generated from the ledger, frozen; the client opens it and it is
marked read, which the bureau sees; the client cannot publish, a client user without the module
cannot read, a foreign client's report is not found."""

from __future__ import annotations

from tests.functions.invoicing.conftest import BASE, SALES, issued

ACCOUNTANT = "regnskap@byraet.no"
ADMIN = "daglig@fjordkaffe.no"


def test_publish_read_and_the_bureau_sees_it_read(inv):
    issued(inv)
    body = {"title": "Resultat mars", "statement": "profit-and-loss", "period_from": "2026-01", "period_to": "2026-03"}
    assert inv.post(f"{BASE}/reports", body, user=ADMIN).status == 403
    published = inv.post(f"{BASE}/reports", body, user=ACCOUNTANT)
    assert published.status == 201, published
    report = published.json
    assert report["content"]["result"] == "897.00" and report["read_at"] is None  # 747.00 + 150.00
    issued(inv)  # a later booking does not change the published report
    vat = inv.post(
        f"{BASE}/reports",
        {"title": "Mva", "statement": "vat-summary", "period_from": "2026-01", "period_to": "2026-03"},
        user=ACCOUNTANT,
    ).json
    assert vat["content"]["to_pay"] == "299.10"  # 2 x (112.05 + 37.50)

    by_bureau = inv.get(f"{BASE}/reports/{report['report_id']}", user=ACCOUNTANT).json
    assert by_bureau["read_at"] is None  # the bureau opening it is not the client reading it
    read = inv.get(f"{BASE}/reports/{report['report_id']}", user=ADMIN).json
    assert read["read_by"] == ADMIN and read["content"]["result"] == "897.00"
    listed = {r["report_id"]: r for r in inv.get(f"{BASE}/reports", user=ACCOUNTANT).json["items"]}
    assert listed[report["report_id"]]["read_at"] == read["read_at"] and listed[vat["report_id"]]["read_at"] is None
    again = inv.get(f"{BASE}/reports/{report['report_id']}", user=ADMIN).json
    assert again["read_at"] == read["read_at"]  # read once

    assert inv.get(f"{BASE}/reports", user=SALES).status == 403
    assert inv.get(f"/clients/c-hansenbygg/reports/{report['report_id']}", user=ADMIN).status == 404
    assert inv.get(f"{BASE}/reports/rep-{'0' * 16}", user=ADMIN).status == 404
    assert inv.get(f"{BASE}/reports/..%2F", user=ADMIN).status == 404
    bad = inv.post(f"{BASE}/reports", {**body, "statement": "cash-flow"}, user=ACCOUNTANT)
    assert bad.status == 422
    actions = {e["action"] for e in inv.get(f"{BASE}/audit-events?limit=200", user=ADMIN).json["items"]}
    assert {"report.published", "report.read"} <= actions
