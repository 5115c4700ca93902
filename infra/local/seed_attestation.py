"""Demo attestation rules (0502): at Fjordkaffe the project attester attests every voucher (the
client admin stands in), and above 50,000 the client admin attests as a second step. Written
through the same rules service as PUT /clients/{id}/attestation-rules."""

from __future__ import annotations

from klientportal.repository.store import SYSTEM
from klientportal.tenancy.service import TenancyService
from klientportal.vouchers.attestation_flow import AttestationRules

FJORD = "c-fjordkaffe"
ATTESTER, ADMIN = "prosjekt@fjordkaffe.no", "daglig@fjordkaffe.no"


def seed_attestation(service: TenancyService) -> None:
    subs = {m.email: m.sub for m in service.repo.members("client", FJORD)}
    rules = AttestationRules(service.repo.store, FJORD)
    if rules.get() is not None:
        return
    rules.put(
        0,
        {
            "rules": [
                {"name": "alle bilag", "match": {}, "attesters": [{"user": subs[ATTESTER], "substitute": subs[ADMIN]}]}
            ],
            "bands": [{"above": "50000.00", "attester": {"user": subs[ADMIN], "substitute": None}}],
            "delegations": [],
            "deadlines": {"remind_after_hours": 48, "escalate_after_hours": 120, "expire_after_hours": 336},
        },
        SYSTEM,
    )
