"""The demo vouchers of the local stack: made through the intake and the voucher service, and the
demo attester has one to decide on."""

from __future__ import annotations

from infra.local.seed_vouchers import seed_vouchers
from klientportal.bootstrap import Invocation, store
from klientportal.settings import settings
from tests.functions.vouchers.conftest import ADMIN, FJORD


def test_the_demo_clients_have_vouchers_and_the_demo_attester_has_one_waiting(api, inbound):
    made = seed_vouchers(Invocation(settings(), store()))
    assert len(made[FJORD]) == 2 and len(made["c-hansenbygg"]) == 1
    fjord = {v["channel"]: v for v in api.get(f"/clients/{FJORD}/vouchers", user=ADMIN).json["items"]}
    assert fjord["ehf"]["status"] == "new" and fjord["ehf"]["validation"]["valid"] is True
    assert fjord["upload"]["status"] == "in_attestation"
    [bygg] = api.get("/clients/c-hansenbygg/vouchers", user="post@hansenbygg.no").json["items"]
    assert bygg["extracted"]["source"] == "pdf-text" and bygg["details"]["total"] == "5000.00"
    [waiting] = api.get(f"/clients/{FJORD}/attestations", user="prosjekt@fjordkaffe.no").json["items"]
    decided = api.post(
        f"/clients/{FJORD}/attestations/{waiting['voucher_id']}/decision",
        {"version": waiting["version"], "decision": "approve", "comment": "OK"},
        user="prosjekt@fjordkaffe.no",
    )
    assert decided.status == 200 and decided.json["status"] == "approved", decided
    inbound.drain()  # the S3 notifications of the seeded files: replays, nothing changes
    assert len(api.get(f"/clients/{FJORD}/vouchers", user=ADMIN).json["items"]) == 2
