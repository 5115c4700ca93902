"""Invoicing on moto: the seeded demo stack plus invoice settings, customers (one per channel) and
products for c-fjordkaffe, a fixed business date, and a drain for the receipts queue."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from infra.local.invoker import Invoker
from infra.local.pumps import QueuePump
from klientportal.bootstrap import store
from klientportal.registers.service import REGISTERS, RegisterService
from klientportal.repository.store import SYSTEM

CLIENT = "c-fjordkaffe"
BASE = f"/clients/{CLIENT}"
ADMIN = "daglig@fjordkaffe.no"
SALES = "salg@fjordkaffe.no"
TODAY = date(2026, 3, 2)

SETTINGS = {
    "mva_registered": True,
    "foretaksregisteret": True,
    "address": {"street": "Bryggen 1", "postal_code": "5003", "city": "Bergen"},
    "bank_account": "86011117947",
    "email": "faktura@fjordkaffe.no",
    "kid": {"algorithm": "MOD10", "length": 10, "composition": "customer+invoice", "customer_digits": 4},
    "due_days": 14,
    "next_number_start": 10001,
}
CUSTOMERS = [
    {
        "customer_number": 1,
        "name": "Epost Kunde AS",
        "orgnr": "923456708",
        "email": "ap@epostkunde.no",
        "delivery_channel": "email",
        "address": {"street": "Storgata 1", "postal_code": "0155", "city": "Oslo"},
    },
    {
        "customer_number": 2,
        "name": "EHF Mottaker AS",
        "orgnr": "923456716",
        "delivery_channel": "ehf",
        "address": {"street": "Kaigata 2", "postal_code": "7010", "city": "Trondheim"},
    },
    {
        "customer_number": 3,
        "name": "Papir Kunde AS",
        "orgnr": "923456724",
        "delivery_channel": "print",
        "address": {"street": "Torget 3", "postal_code": "9008", "city": "Tromsø"},
    },
    {"customer_number": 4, "name": "Ukjent i PEPPOL AS", "orgnr": "923456732", "delivery_channel": "ehf"},
    {"customer_number": 5, "name": "Avvist Mottak AS", "orgnr": "923456740", "delivery_channel": "ehf"},
    {"customer_number": 6, "name": "Ola Uten Adresse", "email": "ola@example.no", "delivery_channel": "email"},
]
PRODUCTS = [
    {"product_number": "KAFFE-1", "name": "Kaffebønner 1 kg", "unit": "KGM", "unit_price": "249.00", "vat_code": "31"},
    {"product_number": "RAAD", "name": "Rådgivning", "unit": "HUR", "unit_price": "1250.00", "vat_code": "3"},
]
_keys = itertools.count(1)


def key() -> dict:
    return {"Idempotency-Key": f"k-{next(_keys)}"}


@pytest.fixture
def inv(api, monkeypatch):
    """The API with c-fjordkaffe ready to invoice."""
    monkeypatch.setattr("klientportal.clock.today_oslo", lambda at=None: TODAY)
    monkeypatch.setenv("KP_SIM_PEPPOL_UNKNOWN", "0192:923456732")
    monkeypatch.setenv("KP_SIM_PEPPOL_REJECT", "0192:923456740")
    r = api.put(f"{BASE}/invoice-settings", SETTINGS, user=ADMIN)
    assert r.status == 200, r
    registers = RegisterService(store(), CLIENT)  # straight to the service: faster than the API
    for name, items in (("customers", CUSTOMERS), ("products", PRODUCTS)):
        spec = REGISTERS[name]
        for item in items:
            registers.create(spec, spec.create.model_validate(item), SYSTEM)
    return api


@pytest.fixture
def drain(aws_env):
    """Deliver what is on the catalogue queues (receipts) to their consumers, like Lambda would."""
    pump = QueuePump(Invoker(), aws_env)

    def run() -> int:
        total = 0
        while n := pump.drain():
            total += n
        return total

    return run


def draft(api, customer: int = 1, **extra) -> dict:
    body = {
        "customer_number": customer,
        "lines": [
            {"product_number": "KAFFE-1", "quantity": "3"},
            {"description": "Frakt", "quantity": 1, "unit_price": "150", "vat_code": "3"},
        ],
        **extra,
    }
    r = api.post(f"{BASE}/invoices", body, user=SALES, headers=key())
    assert r.status == 201, r
    return r.json


def issued(api, customer: int = 1, **extra) -> dict:
    d = draft(api, customer, **extra)
    r = api.post(f"{BASE}/invoices/{d['id']}/issue", user=SALES, headers=key())
    assert r.status == 200, r
    return r.json
