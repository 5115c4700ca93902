"""The monthly run on moto: final statements made once (a re-run identical), previews for the month
in progress, zero statements, future months refused, CSV and PDF, draft re-invoices once per client
and month; price lists and licence events with their refusals (nothing changed)."""

from __future__ import annotations

from klientportal.bootstrap import store, tenancy_service
from klientportal.repository import keys
from klientportal.repository.store import SYSTEM
from klientportal.tenancy.models import ClientInvitation, MembershipUpdate, Role
from tests.functions.billing.conftest import ACCOUNTANT, ADMIN, deliver, write_event

FJORD, BYGG, LAKK, OWN = "c-fjordkaffe", "c-hansenbygg", "c-lakkoglim", "c-tallbalanse"


def run(api, month: str, user: str = ADMIN):
    return api.post("/bureau/billing/runs", {"month": month}, user=user)


def november_usage(at) -> None:
    at("2026-11-10T09:00")
    tenancy_service().add_member("client", BYGG, "lonn@hansenbygg.no", "Lønn", Role.CLIENT_USER, SYSTEM)
    deliver(
        [
            write_event(FJORD, "payslip.issued", {}),
            write_event(FJORD, "payslip.issued", {}),
            write_event(FJORD, "bank_import.booked", {"counts": {"transactions": 10}}),
            write_event(BYGG, "a_melding.submitted", {}),
            write_event(BYGG, "invoice.sent", {"delivery": {"channel": "print"}}),
        ]
    )


def by_client_item(statement: dict) -> dict[tuple[str, str], str]:
    return {(line["client_id"], line["item"]): line["amount"] for line in statement["lines"]}


def test_a_closed_month_is_final_and_a_rerun_gives_the_identical_statement(billing_api, at):
    november_usage(at)
    at("2026-12-01T05:00")
    first = run(billing_api, "2026-11")
    assert first.status == 200, first
    statement = first.json["statement"]
    assert statement["status"] == "final"
    lines = by_client_item(statement)
    assert lines[(FJORD, "payslip")] == "12.00"  # 2 × 6.00 (platform, net)
    assert lines[(FJORD, "bank_file")] == "2.00" and lines[(FJORD, "bank_transaction")] == "1.50"
    assert lines[(FJORD, "portal_client_month")] == "79.00"
    assert lines[(BYGG, "a_melding")] == "15.00" and lines[(BYGG, "print_letter")] == "9.50"
    assert lines[(BYGG, "byraklient_company_month")] == "120.00"
    # one user active in November (lonn@; the demo users were added in real time, after November)
    assert lines[(BYGG, "byraklient_user_month")] == "35.00"
    assert lines[(BYGG, "module:payroll")] == "25.00" and lines[(BYGG, "module:projects")] == "15.00"
    assert (LAKK, "byralisens_maintenance") not in lines  # billed in January and March, not November
    assert statement["totals"]["net"] == "%.2f" % sum(float(a) for a in lines.values())  # noqa: UP031 - a check only
    # a late event and a price change after the close change nothing in it
    deliver([write_event(FJORD, "payslip.issued", {})])
    again = run(billing_api, "2026-11")
    assert again.json["statement"] == statement
    stored = billing_api.get("/bureau/billing/statements/2026-11", user=ACCOUNTANT)
    assert stored.status == 200 and stored.json == statement
    assert stored.raw == billing_api.get("/bureau/billing/statements/2026-11", user=ADMIN).raw
    csv = billing_api.get("/bureau/billing/statements/2026-11/csv", user=ADMIN)
    assert csv.status == 200 and csv.raw.decode().count("\r\n") == len(statement["lines"]) + 2
    assert b"c-fjordkaffe;Fjordkaffe AS;transaction;payslip;2026-11;no;2;6.00;12.00" in csv.raw
    pdf = billing_api.get("/bureau/billing/statements/2026-11/pdf", user=ADMIN)
    assert pdf.status == 200 and pdf.raw.startswith(b"%PDF")


def test_the_month_in_progress_is_a_preview_and_a_future_month_is_refused(billing_api, at):
    november_usage(at)
    preview = run(billing_api, "2026-11")
    assert preview.status == 200 and preview.json["statement"]["status"] == "preview"
    assert preview.json["drafts"] == []
    assert store().get(keys.bureau_pk("b-demo"), keys.billing_closed_sk("2026-11")) is None
    assert store().get(keys.bureau_pk("b-demo"), keys.billing_statement_sk("2026-11")) is None
    got = billing_api.get("/bureau/billing/statements/2026-11", user=ADMIN).json
    assert got["status"] == "preview" and by_client_item(got)[(FJORD, "payslip")] == "12.00"
    future = run(billing_api, "2026-12")
    assert future.status == 422 and future.json["type"].endswith("billing-future-month")
    assert billing_api.get("/bureau/billing/statements/2027-01", user=ADMIN).status == 422
    assert store().get(keys.bureau_pk("b-demo"), keys.billing_closed_sk("2026-12")) is None
    assert billing_api.get("/bureau/billing/statements/2026-10", user=ADMIN).status == 404  # not run yet


def test_a_month_without_usage_gets_a_statement_at_zero(billing_api, at):
    from infra.local.seed_billing import PLATFORM_PRICES
    from klientportal.billing.prices import PriceListVersion
    from klientportal.bootstrap import invocation
    from klientportal.repository.store import SYSTEM

    earlier = PriceListVersion.model_validate({**PLATFORM_PRICES, "valid_from": "2025-01-01", "valid_to": "2025-12-31"})
    invocation().billing().add_version(keys.PLATFORM_BILLING_PK, earlier, SYSTEM)
    at("2026-12-05T10:00")
    assert run(billing_api, "2024-06").json["type"].endswith("billing-no-price-list")  # refused, nothing closed
    assert store().get(keys.bureau_pk("b-demo"), keys.billing_closed_sk("2024-06")) is None
    reply = run(billing_api, "2025-06")  # before every agreement began
    assert reply.status == 200
    statement = reply.json["statement"]
    assert statement["status"] == "final" and statement["lines"] == []
    assert statement["totals"]["net"] == "0.00" and statement["totals"]["clients"] == 4
    assert statement["price_list_valid_from"] == "2025-01-01"


def test_the_run_makes_draft_re_invoices_once_per_client_and_month(billing_api, at):
    november_usage(at)
    at("2026-12-01T05:00")
    drafts = run(billing_api, "2026-11").json["drafts"]
    assert {d["client_id"]: d["result"] for d in drafts} == {FJORD: "created", BYGG: "created"}
    again = run(billing_api, "2026-11").json["drafts"]
    assert {d["client_id"]: d["result"] for d in again} == {FJORD: "exists", BYGG: "exists"}
    invoices = billing_api.get(f"/clients/{OWN}/invoices", user=ADMIN).json["items"]
    assert len(invoices) == 2 and {i["status"] for i in invoices} == {"draft"}
    fjord = next(d for d in drafts if d["client_id"] == FJORD)
    invoice = billing_api.get(f"/clients/{OWN}/invoices/{fjord['invoice_id']}", user=ADMIN).json
    lines = {line["description"]: (line["quantity"], line["unit_price"]) for line in invoice["lines"]}
    assert lines["Lønnsslipp, 2026-11"] == ("2", "12.00")  # the bureau's gross price
    assert lines["Portal, per måned, 2026-11"] == ("1", "99.00")  # agreed with Fjordkaffe
    assert invoice["customer_number"] == 1 and all(line["vat_code"] == "3" for line in invoice["lines"])


def test_an_overlapping_or_negative_price_list_is_refused_and_nothing_changes(billing_api):
    before = billing_api.get("/bureau/price-lists", user=ADMIN).json
    overlap = billing_api.post(
        "/bureau/price-lists", {"valid_from": "2026-06-01", "prices": {"portal_client_month": "1.00"}}, user=ADMIN
    )
    assert overlap.status == 409 and overlap.json["type"].endswith("price-list-overlap")
    assert overlap.json["overlaps"] == ["2026-01-01"]
    negative = billing_api.post(
        "/bureau/price-lists",
        {"valid_from": "2020-01-01", "valid_to": "2020-12-31", "prices": {"transactions": {"payslip": "-1.00"}}},
        user=ADMIN,
    )
    assert negative.status == 422 and "negative" in str(negative.json["errors"])
    assert billing_api.get("/bureau/price-lists", user=ADMIN).json == before
    accepted = billing_api.post(
        "/bureau/price-lists",
        {"valid_from": "2025-01-01", "valid_to": "2025-12-31", "prices": {"portal_client_month": "100.00"}},
        user=ADMIN,
    )
    assert accepted.status == 201
    assert (
        billing_api.post("/bureau/price-lists", {"valid_from": "2030-01-01", "prices": {}}, user=ACCOUNTANT).status
        == 403
    )


def test_licence_events_follow_the_tier_rules_and_refusals_change_nothing(billing_api, at):
    at("2026-10-01T09:00")
    late = billing_api.post(f"/clients/{LAKK}/licence-cancellation", {}, user=ADMIN)
    assert late.status == 200 and late.json["ends"] == "2027-12-31" and late.json["for_the_year_after"] is True
    assert "renews for 2027" in late.json["note"]
    twice = billing_api.post(f"/clients/{LAKK}/licence-cancellation", {}, user=ADMIN)
    assert twice.status == 409 and twice.json["type"].endswith("agreement-already-ended")
    agreement = billing_api.get(f"/clients/{FJORD}/billing-agreement", user=ADMIN).json
    refused = billing_api.post(f"/clients/{FJORD}/licence-buyout", {"date": "2026-10-05"}, user=ADMIN)
    assert refused.status == 409 and refused.json["type"].endswith("licence-not-byralisens")
    assert billing_api.get(f"/clients/{FJORD}/billing-agreement", user=ADMIN).json == agreement
    portal = billing_api.post(f"/clients/{FJORD}/licence-cancellation", {"date": "2026-10-05"}, user=ADMIN)
    assert portal.json["ends"] == "2026-10-31" and portal.json["for_the_year_after"] is False
    bought = billing_api.post(f"/clients/{LAKK}/licence-buyout", {"date": "2026-10-06"}, user=ADMIN)
    assert bought.status == 200 and bought.json["difference_amount"] == "3100.00"  # 7900 − 4800
    assert billing_api.post(f"/clients/{LAKK}/licence-buyout", {}, user=ACCOUNTANT).status == 404  # not assigned
    assert billing_api.post(f"/clients/{FJORD}/licence-buyout", {}, user=ACCOUNTANT).status == 403


def test_the_monthly_schedule_runs_every_billed_bureau_for_the_month_before(billing_api, at):
    from functions import catalogue
    from infra.local.invoker import Invoker

    november_usage(at)
    at("2026-12-01T04:00")
    result = Invoker().invoke(catalogue.function("billing-run"), {"detail-type": "Scheduled Event", "detail": {}})
    assert result["month"] == "2026-11" and set(result["bureaus"]) == {"b-demo"}
    assert result["bureaus"]["b-demo"]["drafts"] == 2
    assert billing_api.get("/bureau/billing/statements/2026-11", user=ADMIN).json["status"] == "final"


def test_a_re_run_makes_the_drafts_the_first_run_could_not(billing_api, at):
    november_usage(at)
    settings = billing_api.get("/bureau/billing/settings", user=ADMIN).json
    cleared = billing_api.put(
        "/bureau/billing/settings", {"version": settings["version"], "own_client_id": None}, user=ADMIN
    )
    assert cleared.status == 200, cleared
    at("2026-12-01T05:00")
    first = run(billing_api, "2026-11").json
    assert {d["result"] for d in first["drafts"]} == {"skipped"}
    again = {"version": cleared.json["version"], "own_client_id": OWN}
    assert billing_api.put("/bureau/billing/settings", again, user=ADMIN).status == 200
    second = run(billing_api, "2026-11").json
    assert second["statement"] == first["statement"]
    assert {d["client_id"]: d["result"] for d in second["drafts"]} == {FJORD: "created", BYGG: "created"}


def test_byraklient_users_are_the_members_active_at_any_moment_of_the_month(billing_api, at):
    """Counted from the client's memberships: a user who left on the last evening of September counts in
    September, not in October; an invitation nobody accepted and the bureau's staff never count; the
    agreement's view shows the month's count, and a typed number is refused. (The demo users were added
    in real time, after these months.)"""
    service = tenancy_service()
    at("2026-08-20T09:00")
    service.add_member("client", BYGG, "lonn@hansenbygg.no", "Lønn", Role.CLIENT_USER, SYSTEM)
    service.add_member("client", BYGG, "verksted@hansenbygg.no", "Verksted", Role.CLIENT_USER, SYSTEM)
    bygg = service.repo.client(BYGG)
    assert bygg is not None
    invitation = ClientInvitation(email="aldri@hansenbygg.no", role=Role.CLIENT_USER)
    service.invite_to_client(bygg[0], invitation, SYSTEM)  # never accepted
    at("2026-09-30T23:30")  # Oslo: the last half hour of September
    leaving = next(m for m in service.repo.members("client", BYGG) if m.email == "lonn@hansenbygg.no")
    update = MembershipUpdate(version=leaving.version, status="disabled")
    service.update_membership("client", BYGG, leaving.sub, update, SYSTEM)
    view = billing_api.get(f"/clients/{BYGG}/billing-agreement", user=ADMIN).json
    assert view["users"] == 2 and view["users_month"] == "2026-09"
    typed = billing_api.put(f"/clients/{BYGG}/billing-agreement", {"version": view["version"], "users": 9}, user=ADMIN)
    assert typed.status == 422 and "users" in str(typed.json["errors"])
    assert billing_api.get(f"/clients/{BYGG}/billing-agreement", user=ADMIN).json == view
    at("2026-10-01T05:00")
    september = by_client_item(run(billing_api, "2026-09").json["statement"])
    assert september[(BYGG, "byraklient_user_month")] == "70.00"  # 2 × 35.00
    at("2026-11-01T05:00")
    october = by_client_item(run(billing_api, "2026-10").json["statement"])
    assert october[(BYGG, "byraklient_user_month")] == "35.00"  # verksted@ only
    # the periods are kept beside the memberships, one item per client; without it (a client whose
    # members have not changed since) the run reads the membership items themselves: the same count
    periods = store().get(keys.client_pk(BYGG), keys.MEMBER_PERIODS_SK)
    assert periods is not None and set(periods.data["members"]) == {m.sub for m in service.repo.members("client", BYGG)}
    from klientportal import aws
    from klientportal.settings import settings

    aws.client("dynamodb").delete_item(
        TableName=settings().main_table,
        Key={"PK": {"S": keys.client_pk(BYGG)}, "SK": {"S": keys.MEMBER_PERIODS_SK}},
    )
    at("2026-10-15T05:00")
    assert billing_api.get(f"/clients/{BYGG}/billing-agreement", user=ADMIN).json["users"] == 1
