"""Tenancy rules through the API: licences, tiers, modules, invitations, versions."""

from __future__ import annotations

from infra.local import seed
from klientportal.adapters import outbox

ACC = "regnskap@byraet.no"
ADMIN = "admin@byraet.no"


def test_client_modules_must_be_in_the_bureau_licence(api):
    licence = api.get("/bureau", user=ADMIN).json
    api.put(
        "/bureau/licence",
        {
            "version": licence["version"],
            "modules": ["invoicing", "vouchers", "attestation", "bank", "hours", "reports", "payroll", "projects"],
        },
        user=ADMIN,
    )
    bureau = api.get("/bureau", user=ADMIN).json
    assert (
        api.put("/bureau/licence", {"version": bureau["version"], "modules": ["invoicing"]}, user=ADMIN).status == 409
    )
    reply = api.post(
        "/clients",
        {"name": "Ny AS", "orgnr": "912345645", "tier": "portal", "modules": ["invoicing", "payroll"]},
        user=ACC,
    )
    assert reply.status == 201
    # shrink the licence after removing the module from every client that has it
    for client_id in (seed.BYGG, seed.LAKK, reply.json["client_id"]):
        client = api.get(f"/clients/{client_id}", user=ADMIN).json
        mods = [m for m in client["modules"] if m != "payroll"]
        assert (
            api.patch(f"/clients/{client_id}", {"version": client["version"], "modules": mods}, user=ADMIN).status
            == 200
        )
    bureau = api.get("/bureau", user=ADMIN).json
    without = [m for m in bureau["licence"]["modules"] if m != "payroll"]
    assert api.put("/bureau/licence", {"version": bureau["version"], "modules": without}, user=ADMIN).status == 200
    before = len(api.get("/clients", user=ADMIN).json["items"])
    reply = api.post(
        "/clients", {"name": "Lønn AS", "orgnr": "912345653", "tier": "portal", "modules": ["payroll"]}, user=ACC
    )
    assert reply.status == 409
    assert reply.json["type"].endswith("/module-not-in-bureau-licence")
    assert reply.json["errors"] == [{"field": "modules", "message": "payroll is not in the bureau's licence"}]
    assert len(api.get("/clients", user=ADMIN).json["items"]) == before


def test_licence_shrink_is_refused_while_clients_use_the_module(api):
    bureau = api.get("/bureau", user=ADMIN).json
    reply = api.put("/bureau/licence", {"version": bureau["version"], "modules": ["invoicing", "vouchers"]}, user=ADMIN)
    assert reply.status == 409
    assert reply.json["type"].endswith("/licence-module-in-use")
    assert seed.FJORD in reply.json["clients"]
    assert api.get("/bureau", user=ADMIN).json["version"] == bureau["version"]


def test_licensed_tiers_need_a_registered_licence_before_client_users_use_modules(api):
    lakk = api.get(f"/clients/{seed.LAKK}", user=ADMIN).json
    assert lakk["tier"] == "byralisens" and lakk["licence"]["status"] == "pending"
    assert api.get(f"/clients/{seed.LAKK}/customers", user="eier@lakkoglim.no").status == 403
    reply = api.put(
        f"/clients/{seed.LAKK}/licence",
        {"version": lakk["version"], "status": "registered", "licence_number": "BL-3001"},
        user=ADMIN,
    )
    assert reply.status == 200 and reply.json["licence"]["status"] == "registered"
    assert api.get(f"/clients/{seed.LAKK}/customers", user="eier@lakkoglim.no").status == 200


def test_portal_clients_are_registered_automatically(api):
    reply = api.post(
        "/clients", {"name": "Sky AS", "orgnr": "912345645", "tier": "portal", "modules": ["vouchers"]}, user=ACC
    )
    assert reply.json["licence"]["status"] == "registered" and reply.json["licence"]["automatic"] is True
    licensed = api.post("/clients", {"name": "Lisens AS", "orgnr": "912345653", "tier": "byraklient"}, user=ACC).json
    assert licensed["licence"] == {
        "status": "pending",
        "licence_number": None,
        "registered_at": None,
        "automatic": False,
    }


def test_invited_user_sees_only_their_own_company(api):
    client = api.get(f"/clients/{seed.BYGG}", user=ACC).json
    reply = api.post(
        f"/clients/{seed.BYGG}/invitations",
        {"email": "Ny.Bruker@HansenBygg.no", "name": "Ny Bruker", "role": "client_user", "modules": ["invoicing"]},
        user=ACC,
    )
    assert reply.status == 201 and reply.json["status"] == "invited"
    mail = outbox.messages("invitations")[-1]
    assert mail["to"] == "ny.bruker@hansenbygg.no"
    me = api.get("/me", user="ny.bruker@hansenbygg.no").json
    assert [(m["scope_id"], m["status"]) for m in me["memberships"]] == [(seed.BYGG, "active")]
    clients = api.get("/clients", user="ny.bruker@hansenbygg.no").json["items"]
    assert [c["client_id"] for c in clients] == [client["client_id"]]
    assert api.get(f"/clients/{seed.FJORD}", user="ny.bruker@hansenbygg.no").status == 404
    assert api.get(f"/clients/{seed.BYGG}/customers", user="ny.bruker@hansenbygg.no").status == 200
    assert api.get(f"/clients/{seed.BYGG}/suppliers", user="ny.bruker@hansenbygg.no").status == 403


def test_invitation_modules_must_be_the_clients(api):
    reply = api.post(
        f"/clients/{seed.FJORD}/invitations",
        {"email": "x@fjordkaffe.no", "role": "client_user", "modules": ["payroll"]},
        user="daglig@fjordkaffe.no",
    )
    assert reply.status == 422
    assert reply.json["errors"] == [{"field": "modules", "message": "the client does not have payroll"}]


def test_accountant_sees_only_assigned_clients(api):
    ids = {c["client_id"] for c in api.get("/clients", user=ACC).json["items"]}
    assert ids == {seed.FJORD, seed.BYGG}
    assert {c["client_id"] for c in api.get("/clients", user=ADMIN).json["items"]} == {seed.FJORD, seed.BYGG, seed.LAKK}


def test_disabled_membership_loses_access(api):
    users = api.get(f"/clients/{seed.FJORD}/users", user="daglig@fjordkaffe.no").json["items"]
    salg = next(u for u in users if u["email"] == "salg@fjordkaffe.no")
    reply = api.patch(
        f"/clients/{seed.FJORD}/users/{salg['sub']}",
        {"version": salg["version"], "status": "disabled"},
        user="daglig@fjordkaffe.no",
    )
    assert reply.status == 200
    assert api.get(f"/clients/{seed.FJORD}", user="salg@fjordkaffe.no").status == 404


def test_client_admin_cannot_promote_to_bureau_role(api):
    users = api.get(f"/clients/{seed.FJORD}/users", user="daglig@fjordkaffe.no").json["items"]
    salg = next(u for u in users if u["email"] == "salg@fjordkaffe.no")
    reply = api.patch(
        f"/clients/{seed.FJORD}/users/{salg['sub']}",
        {"version": salg["version"], "role": "bureau_admin"},
        user="daglig@fjordkaffe.no",
    )
    assert reply.status == 422


def test_stale_client_version_is_409_and_changes_nothing(api):
    client = api.get(f"/clients/{seed.FJORD}", user=ACC).json
    assert (
        api.patch(
            f"/clients/{seed.FJORD}", {"version": client["version"], "name": "Fjordkaffe Bergen AS"}, user=ACC
        ).status
        == 200
    )
    stale = api.patch(f"/clients/{seed.FJORD}", {"version": client["version"], "name": "Feil AS"}, user=ACC)
    assert stale.status == 409 and stale.json["current_version"] == client["version"] + 1
    assert api.get(f"/clients/{seed.FJORD}", user=ACC).json["name"] == "Fjordkaffe Bergen AS"
