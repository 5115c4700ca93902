"""Price list versions on moto: ending an open-ended version (at the end of the month in progress or
later, never cutting a month billed in a final statement), no gaps between versions, and the
platform's own list written by platform operators only (decisions 0711, 0713). Every refusal is a
precise problem+json and changes nothing."""

from __future__ import annotations

from infra.local.seed_billing import PLATFORM_OPERATOR
from tests.functions.billing.conftest import ACCOUNTANT, ADMIN, FJORD_ADMIN

OPERATOR = PLATFORM_OPERATOR[0]
BUREAU_END = "/bureau/price-lists/2026-01-01/end"
PLATFORM_END = "/platform/price-lists/2026-01-01/end"


def lists(api) -> dict:
    reply = api.get("/bureau/price-lists", user=ADMIN)
    assert reply.status == 200
    return reply.json


def refused(reply, status: int, slug: str) -> dict:
    assert reply.status == status, reply
    assert reply.headers["content-type"].startswith("application/problem+json")
    assert reply.json["type"].endswith(slug), reply.json
    return reply.json


def test_the_bureau_ends_its_open_ended_version_and_the_next_follows_without_a_gap(billing_api, at):
    at("2026-11-20T10:00")
    before = lists(billing_api)
    # each refusal precise, nothing changed
    refused(billing_api.post(BUREAU_END, {"valid_to": "2026-12-15"}, user=ADMIN), 422, "validation-error")
    refused(billing_api.post(BUREAU_END, {"valid_to": "2026-12-31", "x": 1}, user=ADMIN), 422, "validation-error")
    refused(billing_api.post(BUREAU_END, {}, user=ADMIN), 422, "validation-error")
    bad_day = billing_api.post("/bureau/price-lists/2026-13-01/end", {"valid_to": "2026-12-31"}, user=ADMIN)
    assert refused(bad_day, 422, "validation-error")["errors"][0]["field"] == "valid_from"
    refused(billing_api.post("/bureau/price-lists/2025-01-01/end", {"valid_to": "2026-12-31"}, user=ADMIN), 404, "")
    gap = refused(billing_api.post(BUREAU_END, {"valid_to": "2026-10-31"}, user=ADMIN), 409, "price-list-gap")
    assert gap["earliest_valid_to"] == "2026-11-30" and "2026-11" in gap["detail"]
    assert billing_api.post(BUREAU_END, {"valid_to": "2026-12-31"}, user=ACCOUNTANT).status == 403
    assert lists(billing_api) == before

    # ended at the end of the month in progress or later; then the next version, without a gap
    done = billing_api.post(BUREAU_END, {"valid_to": "2026-12-31"}, user=ADMIN)
    assert done.status == 200 and done.json["valid_to"] == "2026-12-31", done
    assert [v["valid_to"] for v in lists(billing_api)["bureau"]] == ["2026-12-31"]
    again = refused(
        billing_api.post(BUREAU_END, {"valid_to": "2027-01-31"}, user=ADMIN), 409, "price-list-version-ended"
    )
    assert again["valid_to"] == "2026-12-31"
    after_end = lists(billing_api)
    later = {"valid_from": "2027-03-01", "prices": {"portal_client_month": "139.00"}}
    hole = refused(billing_api.post("/bureau/price-lists", later, user=ADMIN), 409, "price-list-gap")
    assert hole["gaps"] == [{"from": "2027-01-01", "to": "2027-02-28"}]
    assert lists(billing_api) == after_end
    nxt = {"valid_from": "2027-01-01", "prices": {"portal_client_month": "139.00"}}
    assert billing_api.post("/bureau/price-lists", nxt, user=ADMIN).status == 201
    assert [v["valid_from"] for v in lists(billing_api)["bureau"]] == ["2026-01-01", "2027-01-01"]


def test_a_version_cannot_end_before_a_month_billed_in_a_final_statement(billing_api, at):
    at("2026-11-03T10:00")
    assert billing_api.post("/bureau/billing/runs", {"month": "2026-10"}, user=ADMIN).json["statement"]["status"] == (
        "final"
    )
    before = lists(billing_api)
    for path in (BUREAU_END, PLATFORM_END):
        user = ADMIN if path == BUREAU_END else OPERATOR
        cut = refused(billing_api.post(path, {"valid_to": "2026-09-30"}, user=user), 409, "price-list-months-billed")
        assert cut["billed_months"] == ["2026-10"], cut
    assert lists(billing_api) == before


def test_the_platform_list_is_written_by_platform_operators_only(billing_api, at):
    at("2026-11-20T10:00")
    version = {"valid_from": "2027-01-01", "prices": {"portal_client_month": "89.00"}}
    before = lists(billing_api)
    for user in (ADMIN, ACCOUNTANT, FJORD_ADMIN, "nobody@example.no"):
        assert billing_api.get("/platform/price-lists", user=user).status == 403, user
        assert billing_api.post("/platform/price-lists", version, user=user).status == 403, user
        assert billing_api.post(PLATFORM_END, {"valid_to": "2026-12-31"}, user=user).status == 403, user
    assert billing_api.get("/platform/price-lists").status == 401
    assert lists(billing_api) == before

    assert billing_api.get("/platform/price-lists", user=OPERATOR).json == {"platform": before["platform"]}
    overlap = refused(billing_api.post("/platform/price-lists", version, user=OPERATOR), 409, "price-list-overlap")
    assert overlap["overlaps"] == ["2026-01-01"]
    per_client = {**version, "clients": {"c-fjordkaffe": {"portal_client_month": "1.00"}}}
    refused(billing_api.post("/platform/price-lists", per_client, user=OPERATOR), 422, "validation-error")
    negative = {**version, "prices": {"transactions": {"payslip": "-0.01"}}}
    refused(billing_api.post("/platform/price-lists", negative, user=OPERATOR), 422, "validation-error")
    assert lists(billing_api) == before

    assert billing_api.post(PLATFORM_END, {"valid_to": "2026-12-31"}, user=OPERATOR).status == 200
    assert billing_api.post("/platform/price-lists", version, user=OPERATOR).status == 201
    seen = lists(billing_api)  # the bureau reads the platform's list with its own
    assert [(v["valid_from"], v.get("valid_to")) for v in seen["platform"]] == [
        ("2026-01-01", "2026-12-31"),
        ("2027-01-01", None),
    ]
    assert seen["bureau"] == before["bureau"]
    # January 2027 is billed at the new version
    at("2027-01-10T10:00")
    preview = billing_api.post("/bureau/billing/runs", {"month": "2027-01"}, user=ADMIN).json["statement"]
    portal = next(x for x in preview["lines"] if (x["client_id"], x["item"]) == ("c-fjordkaffe", "portal_client_month"))
    assert portal["unit_price"] == "89.00" and preview["price_list_valid_from"] == "2027-01-01"
