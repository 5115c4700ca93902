"""Cross-cutting API behaviour: problems, bad input writes nothing, idempotency, pagination."""

from __future__ import annotations

import json

import pytest

from infra.local import seed
from klientportal.bootstrap import store
from klientportal.repository import keys

U = "daglig@fjordkaffe.no"
CUSTOMERS = f"/clients/{seed.FJORD}/customers"
CUSTOMER = {
    "customer_number": 5001,
    "name": "Kaffebrenneriet AS",
    "orgnr": "912345653",
    "is_company": True,
    "email": "faktura@kaffebrenneriet.no",
}


def _audit_seq() -> int:
    head = store().get(keys.client_pk(seed.FJORD), keys.AUDIT_HEAD_SK)
    return int(head.extra["seq"]) if head else 0


@pytest.mark.parametrize(
    "raw, field, fragment",
    [
        (b'{"customer_number": 1, "name": "A"', "body", "malformed JSON"),
        (b'{"customer_number": 1, "name": "A", "email": "a@b.no", "colour": "red"}', "colour", "unknown field"),
        (b'{"customer_number": "one", "name": "A", "email": "a@b.no"}', "customer_number", "valid integer"),
        (b'{"customer_number": 1, "name": "A", "email": "a@b.no", "orgnr": "912345654"}', "orgnr", "MOD11"),
    ],
)
def test_bad_input_is_a_precise_problem_and_writes_nothing(api, raw, field, fragment):
    before = _audit_seq()
    reply = api.call("POST", CUSTOMERS, raw=raw, user=U)
    assert reply.status == 422
    assert reply.headers["content-type"] == "application/problem+json"
    body = reply.json
    assert body["type"] == "https://klientportal.no/problems/validation-error" and body["status"] == 422
    assert any(e["field"] == field and fragment in e["message"] for e in body["errors"]), body
    assert _audit_seq() == before


@pytest.mark.parametrize(
    "register, body, field",
    [
        ("suppliers", {"supplier_number": 1, "name": "Lev AS", "bank_account": "12345678901"}, "bank_account"),
        (
            "employees",
            {
                "employee_number": 1,
                "first_name": "A",
                "last_name": "B",
                "national_id": "15076500566",
                "employment_start": "2024-01-01",
            },
            "national_id",
        ),
    ],
)
def test_invalid_norwegian_numbers_are_refused(api, register, body, field):
    reply = api.post(f"/clients/{seed.BYGG}/{register}", body, user="regnskap@byraet.no")
    assert reply.status == 422
    assert [e["field"] for e in reply.json["errors"]] == [field]
    assert "15076500566" not in reply.raw.decode()


def test_idempotency_key_replays_and_refuses_reuse(api):
    headers = {"Idempotency-Key": "create-5001"}
    first = api.post(CUSTOMERS, CUSTOMER, user=U, headers=headers)
    again = api.post(CUSTOMERS, CUSTOMER, user=U, headers=headers)
    assert first.status == again.status == 201
    assert again.json == first.json and again.headers.get("idempotent-replayed") == "true"
    assert "idempotent-replayed" not in first.headers
    other = api.post(CUSTOMERS, {**CUSTOMER, "name": "Noe annet AS"}, user=U, headers=headers)
    assert other.status == 422 and other.json["type"].endswith("/idempotency-key-reused")
    assert api.post(CUSTOMERS, CUSTOMER, user=U).status == 409  # no key: the duplicate number is refused


def test_idempotency_keys_are_scoped_per_tenant(api):
    headers = {"Idempotency-Key": "same-key"}
    a = api.post(CUSTOMERS, CUSTOMER, user=U, headers=headers)
    b = api.post(f"/clients/{seed.BYGG}/customers", CUSTOMER, user="post@hansenbygg.no", headers=headers)
    assert a.status == b.status == 201 and "idempotent-replayed" not in b.headers


def test_cursor_pagination_and_foreign_cursor(api):
    for n in range(5):
        api.post(CUSTOMERS, {**CUSTOMER, "customer_number": 100 + n}, user=U)
    seen, cursor, pages = [], None, 0
    while True:
        reply = api.get(CUSTOMERS + "?limit=2" + (f"&cursor={cursor}" if cursor else ""), user=U).json
        seen += [c["customer_number"] for c in reply["items"]]
        pages += 1
        cursor = reply["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == [100, 101, 102, 103, 104] and pages >= 3
    first = api.get(CUSTOMERS + "?limit=2", user=U).json["next_cursor"]
    foreign = api.get(f"/clients/{seed.BYGG}/customers?cursor={first}", user="post@hansenbygg.no")
    assert foreign.status == 422 and foreign.json["errors"][0]["field"] == "cursor"
    assert api.get(CUSTOMERS + "?limit=500", user=U).status == 422


def test_unknown_route_and_method_are_problems(api):
    assert api.get("/nowhere", user=U).status == 404
    assert api.call("DELETE", f"/clients/{seed.FJORD}", user=U).status == 404


def test_employee_national_id_is_never_returned_nor_audited_in_clear(api):
    nid = "15076500565"
    reply = api.post(
        f"/clients/{seed.BYGG}/employees",
        {
            "employee_number": 7,
            "first_name": "Kari",
            "last_name": "Nordmann",
            "national_id": nid,
            "employment_start": "2025-01-01",
        },
        user="regnskap@byraet.no",
    )
    assert reply.status == 201 and reply.json["national_id_masked"] == "150765*****"
    listing = api.get(f"/clients/{seed.BYGG}/employees", user="regnskap@byraet.no")
    audit = api.get(f"/clients/{seed.BYGG}/audit-events", user="regnskap@byraet.no")
    for raw in (reply.raw, listing.raw, audit.raw):
        assert nid.encode() not in raw
    patched = api.patch(
        f"/clients/{seed.BYGG}/employees/7", {"version": 1, "last_name": "Hansen"}, user="regnskap@byraet.no"
    )
    assert patched.status == 200 and patched.json["national_id_masked"] == "150765*****"


def test_logs_carry_tenant_and_correlation_id_but_no_personal_numbers(api):
    import io
    import logging

    from klientportal.observability import logger

    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    logger.setLevel("INFO")
    try:
        reply = api.post(
            f"/clients/{seed.BYGG}/employees",
            {
                "employee_number": 9,
                "first_name": "Kari",
                "last_name": "Nordmann",
                "national_id": "15076500565",
                "employment_start": "2025-01-01",
                "bank_account": "12345678903",
            },
            user="regnskap@byraet.no",
        )
        bad = api.post(
            f"/clients/{seed.BYGG}/suppliers",
            {"supplier_number": 2, "name": "Lev AS", "bank_account": "12345678901"},
            user="regnskap@byraet.no",
        )
    finally:
        logger.setLevel("WARNING")
        logger.removeHandler(handler)
    assert reply.status == 201 and bad.status == 422
    logs = sink.getvalue()
    lines = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    handled = [entry for entry in lines if entry.get("message") == "request handled"]
    assert handled and all(e["tenant"] == seed.BYGG and e.get("correlation_id") for e in handled)
    for secret in ("15076500565", "12345678903", "12345678901"):
        assert secret not in logs
