"""The demo data of `make run`: every routine has something to try at once, made by the services
the API uses (so it is audited, numbered and delivered like the API's own)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from infra.local import seed
from infra.local.gateway import Gateway
from infra.local.invoker import Invoker
from klientportal.adapters import outbox
from klientportal.bootstrap import tenancy_service
from tests.functions.conftest import Api


@pytest.fixture
def demo(aws_env, issuer) -> Api:
    seed.seed(tenancy_service())
    return Api(Gateway(Invoker(), issuer.verifier()), issuer)


def test_the_invoicing_clients_have_settings_customers_products_and_invoices(demo):
    for client_id in (seed.FJORD, seed.BYGG):
        base = f"/clients/{client_id}"
        user = "regnskap@byraet.no"
        assert demo.get(f"{base}/invoice-settings", user=user).status == 200
        customers = demo.get(f"{base}/customers", user=user).json["items"]
        assert len(customers) == len(seed.CUSTOMERS[client_id])
        products = demo.get(f"{base}/products", user=user).json["items"]
        assert len(products) == len(seed.PRODUCTS[client_id])
        invoices = demo.get(f"{base}/invoices", user=user).json["items"]
        wanted = Counter(
            {"draft": "draft", "issue": "issued", "send": "sent"}[step]
            for c, _, _, step in seed.INVOICES
            if c == client_id
        )
        assert Counter(i["status"] for i in invoices) == wanted, invoices
        numbered = sorted(int(i["number"]) for i in invoices if i["number"] is not None)
        start = seed.INVOICE_SETTINGS[client_id]["next_number_start"]
        assert numbered == list(range(start, start + len(numbered)))  # gapless from the configured start


def test_sent_demo_invoices_reached_the_simulators(demo):
    sent_by = Counter(seed.CUSTOMERS[c][n - 1]["delivery_channel"] for c, n, _, step in seed.INVOICES if step == "send")
    assert len(outbox.messages("email")) >= sent_by["email"] and len(outbox.messages("ehf")) >= sent_by["ehf"]


def test_the_demo_users_see_their_own_clients_data_only(demo):
    own = demo.get(f"/clients/{seed.FJORD}/invoices", user="daglig@fjordkaffe.no")
    other = demo.get(f"/clients/{seed.BYGG}/invoices", user="daglig@fjordkaffe.no")
    assert own.status == 200 and own.json["items"] and other.status in (403, 404)


def test_the_demo_ledger_has_the_issued_invoices_and_a_booked_voucher(demo):
    base = f"/clients/{seed.FJORD}/ledger"
    user = "regnskap@byraet.no"
    tb = demo.get(f"{base}/trial-balance?from=2026-01&to=2026-12", user=user)
    assert tb.status == 200 and tb.json["balanced"] is True, tb
    rows = {r["account"]: r for r in tb.json["accounts"]}
    assert rows["6340"]["debit"] == "1600.00" and rows["2710"]["debit"] == "400.00"
    assert rows["2400"]["credit"] == "2000.00"
    invoices = demo.get(f"/clients/{seed.FJORD}/invoices", user=user).json["items"]
    billed = sum(Decimal(i["totals"]["payable"]) for i in invoices if i["number"] is not None)
    assert Decimal(rows["1500"]["debit"]) == billed > 0
    [voucher] = demo.get(f"{base}/suppliers/20001/open-items", user=user).json["items"]
    assert voucher["open"] == "2000.00" and voucher["source"]["kind"] == "voucher"
