"""Bank tests on moto: c-fjordkaffe ready to invoice (the invoicing fixtures), a bank agreement,
the bank simulator's folder, and helpers to issue invoices and import files."""

from __future__ import annotations

import pytest

from tests.functions.invoicing.conftest import drain, inv  # noqa: F401 - fixtures used by the bank tests

ACCOUNT = "86011117947"
CHANNEL_CUSTOMER = "fjordkaffe-dnb"
AGREEMENT = {
    "accounts": [{"account": ACCOUNT}],
    "channel_customer_id": CHANNEL_CUSTOMER,
    "ocr_agreement_id": "001008566",
}


@pytest.fixture
def bank(inv, tmp_path, monkeypatch):  # noqa: F811 - the invoicing fixture, extended
    """The API with c-fjordkaffe's bank agreement set and the simulator's folder in tmp."""
    monkeypatch.setenv("KP_SIM_BANK_DIR", str(tmp_path / "bank"))
    from tests.functions.invoicing.conftest import ADMIN, BASE

    r = inv.put(f"{BASE}/bank/agreement", AGREEMENT, user=ADMIN)
    assert r.status == 200, r
    return inv
