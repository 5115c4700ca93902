"""Access and tenancy hardening (ISSUE-7 §3): re-invitations, signed cursors bound to their list."""

from __future__ import annotations

import base64
import json

import pytest

from infra.local import seed
from klientportal.adapters import outbox

U = "daglig@fjordkaffe.no"
ACC = "regnskap@byraet.no"
FJORD = f"/clients/{seed.FJORD}"


def test_a_refused_reinvitation_sends_no_email(api):
    before = len(outbox.messages("invitations"))
    again = api.post(f"{FJORD}/invitations", {"email": "Salg@Fjordkaffe.no", "role": "client_user"}, user=U)
    assert again.status == 409 and again.json["errors"] == [{"field": "email", "message": "already a member"}]
    staff = api.post("/bureau/users", {"email": ACC, "role": "bureau_accountant"}, user="admin@byraet.no")
    assert staff.status == 409
    assert len(outbox.messages("invitations")) == before


def _customers(api, n: int) -> None:
    for i in range(1, n + 1):
        assert (
            api.post(
                f"{FJORD}/customers",
                {"customer_number": 7000 + i, "name": f"Kunde {i} AS", "email": f"k{i}@kunde.no"},
                user=U,
            ).status
            == 201
        )


def test_a_cursor_of_one_list_is_refused_by_another_list_of_the_same_tenant(api):
    _customers(api, 3)
    cursor = api.get(f"{FJORD}/customers?limit=1", user=U).json["next_cursor"]
    assert cursor
    assert api.get(f"{FJORD}/customers?limit=1&cursor={cursor}", user=U).status == 200
    for other in ("suppliers", "products", "departments", "audit-events", "invoices", "vouchers"):
        reply = api.get(f"{FJORD}/{other}?limit=1&cursor={cursor}", user=U)
        assert reply.status == 422 and reply.json["errors"] == [{"field": "cursor", "message": "invalid cursor"}], (
            other,
            reply,
        )
    audit = api.get(f"{FJORD}/audit-events?limit=1", user=U).json["next_cursor"]
    assert api.get(f"{FJORD}/customers?cursor={audit}", user=U).status == 422


def test_a_cursor_is_signed_a_forged_or_altered_one_is_422(api):
    _customers(api, 3)
    cursor = api.get(f"{FJORD}/customers?limit=1", user=U).json["next_cursor"]
    payload, _, mac = cursor.partition(".")
    key = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert key["PK"] == f"T#{seed.FJORD}"
    forged_key = base64.urlsafe_b64encode(json.dumps({**key, "SK": "CUSTOMER#7002"}).encode()).decode().rstrip("=")
    plain = base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")
    for bad in (plain, f"{forged_key}.{mac}", f"{payload}.{mac[:-2]}AA", f"{payload}.", "x.y.z"):
        reply = api.get(f"{FJORD}/customers?limit=1&cursor={bad}", user=U)
        assert reply.status == 422 and reply.json["errors"][0]["field"] == "cursor", bad


def test_a_cursor_is_bound_to_the_tenant(api):
    _customers(api, 3)
    cursor = api.get(f"{FJORD}/customers?limit=1", user=ACC).json["next_cursor"]
    reply = api.get(f"/clients/{seed.BYGG}/customers?limit=1&cursor={cursor}", user=ACC)
    assert reply.status == 422


def test_a_cursor_is_bound_to_the_filter_and_the_key():
    from klientportal.errors import InvalidInput
    from klientportal.repository.pagination import decode_cursor, encode_cursor

    def key() -> bytes:
        return b"k" * 32

    cursor = encode_cursor({"PK": "T#c", "SK": "VOUCHER#1"}, {"pk": "T#c#VOUCHERS#new"}, signing_key=key)
    assert decode_cursor(cursor, {"pk": "T#c#VOUCHERS#new"}, signing_key=key) == {"PK": "T#c", "SK": "VOUCHER#1"}
    for scope in ({"pk": "T#c#VOUCHERS#approved"}, {"pk": "T#c#VOUCHERS#new", "queue": "x"}):
        with pytest.raises(InvalidInput):
            decode_cursor(cursor, scope, signing_key=key)
    with pytest.raises(InvalidInput):
        decode_cursor(cursor, {"pk": "T#c#VOUCHERS#new"}, signing_key=lambda: b"another deployment")
