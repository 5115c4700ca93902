"""Register and tenancy integrity (ISSUE-7 §2): references exist, identities are unique, staff are
assigned only to the bureau's own clients."""

from __future__ import annotations

from infra.local import seed
from klientportal.bootstrap import store, tenancy_service
from klientportal.repository import keys
from klientportal.repository.store import SYSTEM
from klientportal.tenancy.models import BureauLicence, ClientCreate, Module, Tier

ACC = "regnskap@byraet.no"
ADMIN = "admin@byraet.no"
BYGG = f"/clients/{seed.BYGG}"
NID, OTHER_NID = "15076500565", "01028510183"


def _employee(number: int, nid: str) -> dict:
    return {
        "employee_number": number,
        "first_name": "Kari",
        "last_name": "Nordmann",
        "national_id": nid,
        "employment_start": "2025-01-01",
    }


def _supplier(number: int, **fields: str) -> dict:
    return {"supplier_number": number, "name": f"Lev {number} AS", "bank_account": "12345678903", **fields}


def _partition_text() -> str:
    return repr([(r.sk, r.data) for r in store().query_all(keys.client_pk(seed.BYGG))])


def test_a_project_for_a_customer_that_does_not_exist_is_422(api):
    missing = api.post(f"{BYGG}/projects", {"project_number": "P1", "name": "Tak", "customer_number": 4711}, user=ACC)
    assert missing.status == 422 and missing.json["errors"] == [
        {"field": "customer_number", "message": "not a customer of this client"}
    ]
    assert api.get(f"{BYGG}/projects/P1", user=ACC).status == 404
    assert (
        api.post(
            f"{BYGG}/customers", {"customer_number": 4711, "name": "Kunde AS", "email": "k@kunde.no"}, user=ACC
        ).status
        == 201
    )
    created = api.post(f"{BYGG}/projects", {"project_number": "P1", "name": "Tak", "customer_number": 4711}, user=ACC)
    assert created.status == 201
    moved = api.patch(f"{BYGG}/projects/P1", {"version": 1, "customer_number": 4712}, user=ACC)
    assert moved.status == 422 and api.get(f"{BYGG}/projects/P1", user=ACC).json["customer_number"] == 4711


def test_two_employees_with_the_same_national_id_are_409_and_the_key_is_a_keyed_hash(api):
    assert api.post(f"{BYGG}/employees", _employee(1, NID), user=ACC).status == 201
    again = api.post(f"{BYGG}/employees", _employee(2, NID), user=ACC)
    assert again.status == 409 and again.json["errors"] == [
        {"field": "national_id", "message": "another employee has this number"}
    ]
    assert NID not in again.raw.decode()
    assert api.get(f"{BYGG}/employees/2", user=ACC).status == 404
    claims = [r for r in store().query_all(keys.client_pk(seed.BYGG), "EMPLOYEE_NID#")]
    assert len(claims) == 1 and claims[0].data == {"employee_number": 1}
    assert NID not in _partition_text()  # neither in a key nor in a payload
    # the same number in another client is another hash (tenant-bound) and allowed
    assert api.post(f"/clients/{seed.FJORD}/employees", _employee(1, NID), user=ACC).status == 201
    fjord = store().query_all(keys.client_pk(seed.FJORD), "EMPLOYEE_NID#")
    assert fjord[0].sk != claims[0].sk


def test_a_changed_national_id_moves_the_claim(api):
    assert api.post(f"{BYGG}/employees", _employee(1, NID), user=ACC).status == 201
    assert api.post(f"{BYGG}/employees", _employee(2, OTHER_NID), user=ACC).status == 201
    taken = api.patch(f"{BYGG}/employees/2", {"version": 1, "national_id": NID}, user=ACC)
    assert taken.status == 409
    assert api.patch(f"{BYGG}/employees/1", {"version": 1, "national_id": "01028510264"}, user=ACC).status == 200
    assert api.patch(f"{BYGG}/employees/2", {"version": 1, "national_id": NID}, user=ACC).status == 200
    assert len(store().query_all(keys.client_pk(seed.BYGG), "EMPLOYEE_NID#")) == 2


def test_register_suppliers_claim_the_voucher_intakes_identity_item(api):
    first = api.post(f"{BYGG}/suppliers", _supplier(1, orgnr="923456104"), user=ACC)
    assert first.status == 201
    claim = store().get(keys.client_pk(seed.BYGG), "SUPPLIER_ORGNR#923456104")
    assert claim is not None and claim.entity == "supplier_identity"
    assert claim.data == {"supplier_number": 1, "orgnr": "923456104", "account": "12345678903"}
    twin = api.post(f"{BYGG}/suppliers", _supplier(2, orgnr="923456104"), user=ACC)
    assert twin.status == 409 and twin.json["supplier_number"] == 1
    assert twin.json["errors"] == [{"field": "orgnr", "message": "another supplier has this organisation number"}]
    # without an orgnr the account is the identity, as in the voucher intake
    assert api.post(f"{BYGG}/suppliers", _supplier(3, bank_account="86011117947"), user=ACC).status == 201
    assert store().get(keys.client_pk(seed.BYGG), "SUPPLIER_ACCOUNT#86011117947") is not None
    assert api.post(f"{BYGG}/suppliers", _supplier(4, bank_account="86011117947"), user=ACC).status == 409


def test_the_voucher_intake_matches_a_register_supplier_by_its_claim(api):
    from klientportal.vouchers.interpret import match_or_create_supplier

    assert api.post(f"{BYGG}/suppliers", _supplier(1, orgnr="923456112"), user=ACC).status == 201
    found, why = match_or_create_supplier(
        store(), seed.BYGG, name="Lev 1 AS", orgnr="923456112", bank_account=None, actor=SYSTEM
    )
    assert why is None and found is not None and (found.supplier_number, found.matched_by) == (1, "orgnr")


def test_two_clients_with_the_same_orgnr_in_one_bureau_are_409(api):
    body = {"name": "Dobbel AS", "orgnr": "923456120", "tier": "portal", "modules": ["invoicing"]}
    first = api.post("/clients", body, user=ACC)
    assert first.status == 201
    twin = api.post("/clients", {**body, "name": "Dobbel Kopi AS"}, user=ACC)
    assert twin.status == 409 and twin.json["client_id"] == first.json["client_id"]
    assert twin.json["errors"] == [{"field": "orgnr", "message": "another client of the bureau has this number"}]
    names = [c["name"] for c in api.get("/clients", user=ADMIN).json["items"]]
    assert names.count("Dobbel AS") == 1 and "Dobbel Kopi AS" not in names
    # the seed's own client orgnr, too (a client created before the claim is found by its lookup item)
    assert api.post("/clients", {**body, "orgnr": "912345610"}, user=ACC).status == 409
    # another bureau may have the same company as a client
    _other_bureau()
    other = tenancy_service().create_client(
        "b-annet", ClientCreate(name="Dobbel AS", orgnr="923456120", tier=Tier.PORTAL), SYSTEM
    )
    assert other.bureau_id == "b-annet"


def _other_bureau() -> str:
    service = tenancy_service()
    service.create_bureau(
        "b-annet",
        "Annet Byrå AS",
        "923456139",
        BureauLicence(licence_number="BYRA-9", modules=list(Module)),
        "sjef@annet.no",
        None,
        SYSTEM,
    )
    return service.create_client(
        "b-annet", ClientCreate(name="Fremmed AS", orgnr="923456147", tier=Tier.PORTAL), SYSTEM
    ).client_id


def test_assigned_clients_must_be_clients_of_the_bureau(api):
    foreign = _other_bureau()
    for assigned in ([foreign], ["c-finnes-ikke"], [seed.FJORD, foreign]):
        invite = api.post(
            "/bureau/users",
            {"email": "ny@byraet.no", "role": "bureau_accountant", "assigned_clients": assigned},
            user=ADMIN,
        )
        assert invite.status == 422, assigned
    users = api.get("/bureau/users", user=ADMIN).json["items"]
    acc = next(u for u in users if u["email"] == ACC)
    for assigned in ([foreign], ["c-finnes-ikke"]):
        reply = api.patch(
            f"/bureau/users/{acc['sub']}", {"version": acc["version"], "assigned_clients": assigned}, user=ADMIN
        )
        assert reply.status == 422 and reply.json["errors"][0]["field"] == "assigned_clients", reply
    assert api.get(f"/clients/{foreign}", user=ACC).status == 404
    ok = api.patch(
        f"/bureau/users/{acc['sub']}", {"version": acc["version"], "assigned_clients": [seed.LAKK]}, user=ADMIN
    )
    assert ok.status == 200 and ok.json["assigned_clients"] == [seed.LAKK]
