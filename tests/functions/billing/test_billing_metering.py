"""Metering on moto: billable events counted once per client and month, replays and redeliveries
changing nothing, late events of a closed month going to the next one, pointers read from the audit."""

from __future__ import annotations

from klientportal.bootstrap import store
from klientportal.repository import keys
from tests.functions.billing.conftest import (
    ACCOUNTANT,
    ADMIN,
    FJORD_ADMIN,
    deliver,
    events_since,
    head_seq,
    write_event,
)

FJORD, BYGG = "c-fjordkaffe", "c-hansenbygg"


def usage(api, client_id: str, month: str, user: str = ADMIN) -> dict:
    reply = api.get(f"/clients/{client_id}/usage?month={month}", user=user)
    assert reply.status == 200, reply
    return reply.json


def test_new_routines_are_counted_from_their_record_fields_and_a_replay_changes_nothing(billing_api, at):
    at("2026-11-10T09:00")
    events = [
        write_event(FJORD, "bank_import.booked", {"counts": {"transactions": 42}}),
        write_event(FJORD, "payment_batch.sent", {"lines": [{"amount": "1"}, {"amount": "2"}, {"amount": "3"}]}),
        write_event(FJORD, "payslip.issued", {"employee_number": 1}),
        write_event(FJORD, "payslip.issued", {"employee_number": 2}),
        write_event(FJORD, "a_melding.submitted", {"period": "2026-10"}),
        write_event(FJORD, "customer.created", {"name": "not billable"}),
    ]
    assert deliver(events) == {"batchItemFailures": []}
    expected = {
        "a_melding": 1,
        "bank_file": 1,
        "bank_transaction": 42,
        "payment_batch": 1,
        "payment_line": 3,
        "payslip": 2,
    }
    assert usage(billing_api, FJORD, "2026-11")["counts"] == expected
    assert deliver(events) == {"batchItemFailures": []}  # the whole batch again (a redelivery)
    assert deliver(events[:2] + events[:2]) == {"batchItemFailures": []}  # duplicates inside one batch
    assert usage(billing_api, FJORD, "2026-11")["counts"] == expected
    assert usage(billing_api, FJORD, "2026-12")["counts"] == {}
    assert usage(billing_api, BYGG, "2026-11")["counts"] == {}


def test_invoices_sent_by_ehf_print_and_email_are_counted_by_channel_from_the_audit(billing_api, at):
    """Real sends through the invoicing service: the event names the invoice; the channel is read
    from the audit event the domain event points at."""
    from infra.local import seed

    at("2026-11-12T10:00")
    before = head_seq(FJORD)
    seed.seed_invoicing(seed_tenancy_service())
    deliver(events_since(FJORD, before))
    counts = usage(billing_api, FJORD, "2026-11")["counts"]
    assert counts == {"ehf_sent": 1, "email_invoice": 1}  # the seed sends one by e-mail, one by EHF
    assert usage(billing_api, BYGG, "2026-11")["counts"] == {}  # Bygg's events were not delivered


def seed_tenancy_service():
    from klientportal.bootstrap import tenancy_service

    return tenancy_service()


def test_a_late_event_of_a_closed_month_goes_to_the_next_statement_once(billing_api, at):
    at("2026-11-30T23:59")
    late = write_event(FJORD, "payslip.issued", {"employee_number": 7})
    at("2026-12-01T05:00")
    assert billing_api.post("/bureau/billing/runs", {"month": "2026-11"}, user=ADMIN).status == 200
    assert store().get(keys.bureau_pk("b-demo"), keys.billing_closed_sk("2026-11")) is not None
    deliver([late])
    deliver([late])
    assert usage(billing_api, FJORD, "2026-11")["counts"] == {}
    december = usage(billing_api, FJORD, "2026-12")
    assert december["counts"] == {}
    assert december["late"] == [{"month": "2026-11", "type": "payslip", "quantity": 1}]
    november = billing_api.get("/bureau/billing/statements/2026-11", user=ADMIN).json
    assert not [line for line in november["lines"] if line["item"] == "payslip"]
    at("2027-01-02T05:00")
    run = billing_api.post("/bureau/billing/runs", {"month": "2026-12"}, user=ADMIN).json["statement"]
    lines = [line for line in run["lines"] if line["item"] == "payslip"]
    assert lines == [
        {
            "client_id": FJORD,
            "kind": "transaction",
            "item": "payslip",
            "month": "2026-11",
            "late": True,
            "quantity": 1,
            "unit_price": "6.00",
            "amount": "6.00",
            "note": "late: 2026-11, after that month was closed",
        }
    ]


def test_a_message_that_is_not_a_domain_event_fails_alone(billing_api, at):
    from tests.functions.billing.conftest import invoke_meter, sqs_event

    at("2026-11-10T09:00")
    good = write_event(FJORD, "payslip.issued", {})
    event = sqs_event([good])
    event["Records"].append({**event["Records"][0], "messageId": "broken", "body": '{"detail": {"id": "x"}}'})
    assert invoke_meter(event) == {"batchItemFailures": [{"itemIdentifier": "broken"}]}
    assert usage(billing_api, FJORD, "2026-11")["counts"] == {"payslip": 1}


def test_usage_is_the_clients_own_and_the_bureaus_per_client(billing_api, at):
    at("2026-11-10T09:00")
    deliver([write_event(FJORD, "payslip.issued", {}), write_event(BYGG, "a_melding.submitted", {})])
    assert usage(billing_api, FJORD, "2026-11", user=FJORD_ADMIN)["counts"] == {"payslip": 1}
    assert billing_api.get(f"/clients/{BYGG}/usage?month=2026-11", user=FJORD_ADMIN).status == 404
    bureau = billing_api.get("/bureau/usage?month=2026-11", user=ACCOUNTANT).json
    per_client = {c["client_id"]: c["counts"] for c in bureau["clients"]}
    assert per_client[FJORD] == {"payslip": 1} and per_client[BYGG] == {"a_melding": 1}
    bad = billing_api.get("/bureau/usage?month=2026-13", user=ADMIN)
    assert bad.status == 422
    assert {k.lower(): v for k, v in bad.headers.items()}["content-type"].startswith("application/problem+json")
