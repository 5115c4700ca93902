"""Smoke path through the API on moto: tenancy, registers, OpenAPI."""


def test_smoke_tenancy(api):
    r = api.get("/me", user="admin@byraet.no")
    print(r)
    assert r.status == 200
    r = api.get("/clients", user="admin@byraet.no")
    print(r)
    assert r.status == 200
    r = api.get("/clients/c-fjordkaffe", user="salg@fjordkaffe.no")
    print(r)
    assert r.status == 200
    r = api.get("/clients/c-hansenbygg", user="salg@fjordkaffe.no")
    print(r)
    assert r.status == 404
    r = api.post(
        "/clients",
        {"name": "Ny AS", "orgnr": "912345645", "tier": "portal", "modules": ["invoicing"]},
        user="regnskap@byraet.no",
    )
    print(r)
    assert r.status == 201
    r = api.post(
        "/clients",
        {"name": "Ny AS", "orgnr": "912345640", "tier": "portal", "modules": ["invoicing"], "x": 1},
        user="regnskap@byraet.no",
    )
    print(r)
    assert r.status == 422
    r = api.get("/openapi.json")
    assert r.status == 200
    print(len(r.raw))


def test_registers(api):
    u = "daglig@fjordkaffe.no"
    r = api.post(
        "/clients/c-fjordkaffe/customers",
        {
            "customer_number": 10001,
            "name": "Kunde AS",
            "orgnr": "912345653",
            "is_company": True,
            "email": "post@kunde.no",
        },
        user=u,
    )
    print(r)
    assert r.status == 201
    r = api.post(
        "/clients/c-fjordkaffe/customers", {"customer_number": 10002, "name": "Kunde AS", "orgnr": "912345654"}, user=u
    )
    print(r)
    assert r.status == 422
    r = api.patch("/clients/c-fjordkaffe/customers/10001", {"version": 1, "name": "Kunde2 AS"}, user=u)
    print(r)
    assert r.status == 200
    r = api.patch("/clients/c-fjordkaffe/customers/10001", {"version": 1, "name": "Kunde3 AS"}, user=u)
    print(r)
    assert r.status == 409
    r = api.get("/clients/c-fjordkaffe/customers", user=u)
    print(r)
    assert r.status == 200
    r = api.post(
        "/clients/c-hansenbygg/employees",
        {
            "employee_number": 1,
            "first_name": "Ola",
            "last_name": "N",
            "national_id": "15076500565",
            "employment_start": "2024-01-01",
        },
        user="post@hansenbygg.no",
    )
    print(r)
    assert r.status == 201
    r = api.get("/clients/c-hansenbygg/accounts", user="post@hansenbygg.no")
    assert r.status == 200
    r = api.get("/openapi.json")
    assert r.status == 200
    print(len(r.raw))
