"""The invoice list filtered by status: only matching items, across pages, with a cursor bound to
the filter, and a clear 422 for a status that does not exist."""

from __future__ import annotations

from infra.local import seed
from klientportal.bootstrap import tenancy_service

STAFF = "regnskap@byraet.no"
LIST = f"/clients/{seed.FJORD}/invoices"


def _all(api, query: str, limit: int) -> list[dict]:
    """Every item of a filtered list, page by page (a page may be short, or empty, before the end)."""
    items, cursor = [], None
    for _ in range(50):
        page = api.get(f"{LIST}?limit={limit}{query}" + (f"&cursor={cursor}" if cursor else ""), user=STAFF)
        assert page.status == 200, page
        items += page.json["items"]
        cursor = page.json.get("next_cursor")
        if not cursor:
            return items
    raise AssertionError("the list did not end")


def test_status_filter_returns_only_that_status_across_pages(api):
    seed.seed_invoicing(tenancy_service())
    everything = _all(api, "", 200)
    by_status: dict[str, set[str]] = {}
    for item in everything:
        by_status.setdefault(item["status"], set()).add(item["id"])
    assert {"draft", "issued", "sent"} <= set(by_status), by_status

    for status, ids in by_status.items():
        assert {i["id"] for i in _all(api, f"&status={status}", 1)} == ids
    assert _all(api, "&status=paid", 2) == []
    open_ids = {i["id"] for i in _all(api, "&status=open", 1)}
    assert open_ids == by_status["sent"]


def test_a_filtered_cursor_is_refused_by_another_filter(api):
    seed.seed_invoicing(tenancy_service())
    first = api.get(f"{LIST}?limit=1&status=sent", user=STAFF).json
    assert first["next_cursor"]
    other = api.get(f"{LIST}?limit=1&status=draft&cursor={first['next_cursor']}", user=STAFF)
    assert other.status == 422, other
    unfiltered = api.get(f"{LIST}?limit=1&cursor={first['next_cursor']}", user=STAFF)
    assert unfiltered.status == 422, unfiltered


def test_an_unknown_status_is_a_422_problem(api):
    seed.seed_invoicing(tenancy_service())
    r = api.get(f"{LIST}?status=betalt", user=STAFF)
    assert r.status == 422, r
    assert r.headers["content-type"].startswith("application/problem+json")


def test_the_filter_names_every_invoice_status_and_open():
    """The query's Literal is spelled out for the OpenAPI document; it must follow `InvoiceStatus`."""
    from typing import get_args

    from functions.invoicing.api import OPEN_STATUSES, StatusFilter
    from klientportal.invoicing.lifecycle import OPEN
    from klientportal.invoicing.records import InvoiceStatus

    assert set(get_args(StatusFilter)) == {s.value for s in InvoiceStatus} | {"open"}
    assert {s.value for s in OPEN} == OPEN_STATUSES
