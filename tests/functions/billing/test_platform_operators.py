"""Platform operators are made and unmade only by the platform's own command (0713): a disabled
operator's next request is refused, the change is audited, and adding them again restores them."""

from __future__ import annotations

import argparse
import json

import pytest

from infra import platform_operators
from infra.local.seed_billing import PLATFORM_OPERATOR
from klientportal.bootstrap import store, tenancy_service
from klientportal.errors import NotFound
from klientportal.repository import keys
from klientportal.repository.store import SYSTEM

OPERATOR = PLATFORM_OPERATOR[0]


def _actions() -> list[str]:
    """The audited actions in the operators' partition, oldest first."""
    events = store().query_all(keys.PLATFORM_OPERATORS_PK, keys.AUDIT_EVENT_PREFIX)
    return [json.loads(r.extra["event"])["action"] for r in events]


def test_a_disabled_operator_is_refused_and_can_be_restored(billing_api, capsys):
    assert billing_api.get("/platform/price-lists", user=OPERATOR).status == 200
    tenancy = tenancy_service()

    assert platform_operators.disable(argparse.Namespace(email=OPERATOR.upper())) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "disabled"
    assert billing_api.get("/platform/price-lists", user=OPERATOR).status == 403
    version = {"valid_from": "2027-01-01", "prices": {"portal_client_month": "89.00"}}
    assert billing_api.post("/platform/price-lists", version, user=OPERATOR).status == 403
    assert tenancy.disable_platform_operator(OPERATOR, SYSTEM)["status"] == "disabled"  # again: no change
    assert [o["status"] for o in tenancy.platform_operators() if o["email"] == OPERATOR] == ["disabled"]

    assert tenancy.add_platform_operator(OPERATOR, None, SYSTEM)["status"] == "active"
    assert billing_api.get("/platform/price-lists", user=OPERATOR).status == 200
    assert _actions()[-2:] == ["platform.operator_disabled", "platform.operator_enabled"]


def test_disabling_someone_who_is_no_operator_says_so(billing_api, capsys):
    with pytest.raises(NotFound):
        tenancy_service().disable_platform_operator("admin@byraet.no", SYSTEM)
    assert platform_operators.disable(argparse.Namespace(email="nobody@example.no")) == 1
    assert "not a platform operator" in capsys.readouterr().out
