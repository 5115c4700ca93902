"""The demo vouchers of the local stack: made through the intake and the voucher service, and the
demo attester has one to decide on (deciding it: test_attestation_workflow.py)."""

from __future__ import annotations

from infra.local.seed_attestation import seed_attestation
from infra.local.seed_vouchers import seed_vouchers
from klientportal.bootstrap import Invocation, store, tenancy_service
from klientportal.settings import settings
from tests.functions.vouchers.conftest import ADMIN, FJORD


def test_the_demo_clients_have_vouchers_and_the_demo_attester_has_one_waiting(api, inbound):
    seed_attestation(tenancy_service())
    made = seed_vouchers(Invocation(settings(), store()))
    assert len(made[FJORD]) == 2 and len(made["c-hansenbygg"]) == 1
    fjord = {v["channel"]: v for v in api.get(f"/clients/{FJORD}/vouchers", user=ADMIN).json["items"]}
    assert fjord["ehf"]["status"] == "new" and fjord["ehf"]["validation"]["valid"] is True
    assert fjord["upload"]["status"] == "in_attestation"
    [bygg] = api.get("/clients/c-hansenbygg/vouchers", user="post@hansenbygg.no").json["items"]
    assert bygg["extracted"]["source"] == "pdf-text" and bygg["details"]["total"] == "5000.00"
    assert fjord["upload"]["attestation"]["chain"][0]["attester_email"] == "prosjekt@fjordkaffe.no"
    inbound.drain()  # the S3 notifications of the seeded files: replays, nothing changes
    assert len(api.get(f"/clients/{FJORD}/vouchers", user=ADMIN).json["items"]) == 2
