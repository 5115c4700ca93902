"""The input rules at the HTTP boundary, through the gateway: hostile bodies are a 4xx problem
(never a 500) and write nothing; numbers, amounts and texts follow the boundary types."""

from __future__ import annotations

import json

import pytest

from infra.local import seed
from klientportal.api.body import MAX_BODY_BYTES
from klientportal.bootstrap import store
from klientportal.repository import keys

U = "daglig@fjordkaffe.no"
BASE = f"/clients/{seed.FJORD}"
CUSTOMER = {"customer_number": 5001, "name": "Kaffebrenneriet AS", "email": "faktura@kaffebrenneriet.no"}
LINE = {"description": "Rådgivning", "quantity": "2", "unit_price": "1250", "vat_code": "3"}


def _audit_seq() -> int:
    head = store().get(keys.client_pk(seed.FJORD), keys.AUDIT_HEAD_SK)
    return int(head.extra["seq"]) if head else 0


def _refused(reply, status: int = 422, field: str | None = None, fragment: str = "") -> dict:
    assert reply.status == status, reply
    assert reply.headers["content-type"] == "application/problem+json"
    body = reply.json
    assert body["status"] == status
    if field is not None:
        assert any(e["field"] == field and fragment in e["message"] for e in body["errors"]), body
    return body


@pytest.fixture
def ready(api):
    """c-fjordkaffe with invoice settings and customer 1, so that an invoice body is otherwise valid."""
    from tests.functions.invoicing.conftest import CUSTOMERS, SETTINGS

    assert api.put(f"{BASE}/invoice-settings", SETTINGS, user=U).status == 200
    assert api.post(f"{BASE}/customers", CUSTOMERS[0], user=U).status == 201
    return api


def _raw(api, method: str, path: str, raw: bytes, **kw):
    before = _audit_seq()
    reply = api.call(method, path, raw=raw, user=U, **kw)
    assert _audit_seq() == before, "a refused request wrote to the audit trail"
    return reply


def test_deeply_nested_json_is_422_not_a_recursion_error(api):
    raw = b'{"customer_number": 1, "name": "A", "email": "a@b.no", "address": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    _refused(_raw(api, "POST", f"{BASE}/customers", raw), field="body", fragment="nested deeper")


def test_nesting_inside_strings_does_not_count(api):
    name = "[" * 100
    reply = api.post(f"{BASE}/customers", {**CUSTOMER, "name": name}, user=U)
    assert reply.status == 201 and reply.json["name"] == name, reply


@pytest.mark.parametrize("raw", [b"[CUSTOMER]", b"[CUSTOMER, {}]", b"[]"])
def test_a_json_array_is_422_not_taken_for_its_first_element(api, raw):
    raw = raw.replace(b"CUSTOMER", json.dumps(CUSTOMER).encode())
    _refused(_raw(api, "POST", f"{BASE}/customers", raw), field="body", fragment="not an array")
    assert api.get(f"{BASE}/customers/{CUSTOMER['customer_number']}", user=U).status == 404


def test_integer_of_5000_digits_is_422(api):
    raw = b'{"customer_number": ' + b"9" * 5000 + b', "name": "A", "email": "a@b.no"}'
    _refused(_raw(api, "POST", f"{BASE}/customers", raw), field="body", fragment="more than 40 digits")


@pytest.mark.parametrize("raw_price", [b"1e308", b"NaN", b"Infinity", b"-Infinity"])
def test_exponent_and_non_numbers_as_json_numbers_are_422(ready, raw_price):
    api = ready
    raw = b'{"customer_number": 1, "lines": [{"description": "X", "quantity": 1, "unit_price": ' + raw_price + b"}]}"
    _refused(_raw(api, "POST", f"{BASE}/invoices", raw), field="body")


@pytest.mark.parametrize(
    "field, value, fragment",
    [
        ("quantity", "1" + "0" * 30, "digits before the decimal point"),
        ("unit_price", "1" + "0" * 30, "digits before the decimal point"),
        ("unit_price", "1e308", "no exponent"),
        ("quantity", "1e5", "no exponent"),
        ("quantity", "١٠٠", "ASCII digits"),
        ("unit_price", "١٠٠", "ASCII digits"),
        ("quantity", " 2", "ASCII digits"),
        ("quantity", "1.00005", "at most 4 decimals"),
        ("unit_price", "-5", "may not be negative"),
        ("quantity", True, "not true/false"),
    ],
)
def test_invoice_line_numbers_follow_the_pattern(ready, field, value, fragment):
    api = ready
    body = {"customer_number": 1, "lines": [{**LINE, field: value}]}
    _refused(
        _raw(api, "POST", f"{BASE}/invoices", json.dumps(body).encode()), field=f"lines.0.{field}", fragment=fragment
    )


@pytest.mark.parametrize("amount", ["1.005", "1e5", "١٠٠", 1.005, "0.001"])
def test_payment_amount_with_more_than_2_decimals_or_not_ascii_is_422_not_rounded(api, amount):
    body = {"payment_id": "bank-1", "amount": amount, "paid_on": "2026-03-01"}
    _refused(_raw(api, "POST", f"{BASE}/invoices/{'0' * 24}/payments", json.dumps(body).encode()), field="amount")


def test_boolean_is_not_a_customer_number(api):
    reply = _raw(api, "POST", f"{BASE}/customers", json.dumps({**CUSTOMER, "customer_number": True}).encode())
    _refused(reply, field="customer_number", fragment="true/false")


def test_boolean_is_not_an_invoice_customer_number(ready):
    api = ready
    body = {"customer_number": True, "lines": [LINE]}
    _refused(_raw(api, "POST", f"{BASE}/invoices", json.dumps(body).encode()), field="customer_number")


@pytest.mark.parametrize(
    "path, body, field",
    [
        (f"{BASE}/customers", {**CUSTOMER, "name": "Kaffe\u0000AS"}, "name"),
        (f"{BASE}/customers", {**CUSTOMER, "name": "Kaffe\u202eSA"}, "name"),
        (f"{BASE}/departments", {"department_number": "D1", "name": "Salg\u0007"}, "name"),
        (
            f"{BASE}/invoices",
            {"customer_number": 1, "lines": [{**LINE, "description": "a\u0000b"}]},
            "lines.0.description",
        ),
        (
            f"{BASE}/invoices",
            {"customer_number": 1, "lines": [LINE], "buyer_reference": "ref\u001b[31m"},
            "buyer_reference",
        ),
    ],
)
def test_control_characters_in_texts_are_422(ready, path, body, field):
    api = ready
    reply = _raw(api, "POST", path, json.dumps(body).encode())
    _refused(reply, field=field, fragment="control characters")


def test_client_name_with_nul_is_422(api):
    body = {"name": "Ny\u0000klient AS", "orgnr": "923456708", "tier": "portal"}
    reply = api.post("/clients", body, user="admin@byraet.no")
    _refused(reply, field="name", fragment="control characters")


def test_lone_surrogate_is_422_not_an_encoding_error(api):
    raw = b'{"customer_number": 5002, "name": "A\\ud800", "email": "a@b.no"}'
    _refused(_raw(api, "POST", f"{BASE}/customers", raw), field="name")


def test_multiline_note_keeps_line_breaks(ready):
    reply = ready.post(f"{BASE}/invoices", {"customer_number": 1, "lines": [LINE], "note": "Takk!\nHilsen oss"}, user=U)
    assert reply.status == 201, reply
    assert reply.json["note"] == "Takk!\nHilsen oss"


@pytest.mark.parametrize(
    "lines",
    [
        [{"account": "6800", "net_amount": "1e2"}],
        [{"account": "6800", "net_amount": "١٠٠"}],
        [{"account": "6800", "net_amount": "100.001"}],
        [{"account": "6800", "net_amount": "1" + "0" * 30}],
        [{"account": "6800", "net_amount": "100", "description": "x\u0000"}],
    ],
)
def test_voucher_coding_follows_the_boundary_types(api, lines):
    reply = _raw(api, "PUT", f"{BASE}/vouchers/{'0' * 24}/coding", json.dumps({"version": 1, "lines": lines}).encode())
    _refused(reply)
    assert reply.json["errors"][0]["field"].startswith("lines.0.")


def test_version_may_not_be_a_boolean(api):
    reply = _raw(api, "PATCH", f"{BASE}/vouchers/{'0' * 24}", json.dumps({"version": True}).encode())
    _refused(reply, field="version")


def test_body_larger_than_the_limit_is_413(api):
    raw = json.dumps({**CUSTOMER, "name": "x" * (MAX_BODY_BYTES + 1)}).encode()
    _refused(_raw(api, "POST", f"{BASE}/customers", raw), status=413)


def test_form_body_is_415_not_parsed_around_the_json_limits(api):
    reply = _raw(
        api,
        "POST",
        f"{BASE}/customers",
        b"customer_number=5003&name=A&email=a%40b.no",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    _refused(reply, status=415)


def test_exact_decimals_still_accepted(ready):
    raw = (
        b'{"customer_number": 1, "lines": [{"description": "Kaffe", "quantity": 2.5, "unit_price": 99.9,'
        b' "vat_code": "3"}, {"description": "Frakt", "quantity": "1", "unit_price": "0.1234", "vat_code": "3"}]}'
    )
    reply = ready.call("POST", f"{BASE}/invoices", raw=raw, user=U)
    assert reply.status == 201, reply
    assert [line["quantity"] for line in reply.json["lines"]] == ["2.5", "1"], reply.json["lines"]
