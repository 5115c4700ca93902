"""Demo payments for the local stack: Fjordkaffe's two-approver threshold at 5,000 NOK, two Kontorland
invoices uploaded, read by the intake, coded, approved, put in the payment proposal and made into a
payment batch by the demo accountant — waiting for two step-up approvals (daglig@fjordkaffe.no and
admin@byraet.no). All through the services the API uses."""

from __future__ import annotations

from decimal import Decimal

from infra.local.seed_vouchers import _pdf, _upload
from klientportal.auth.subjects import local_subject
from klientportal.bootstrap import Invocation
from klientportal.payments import settings as payment_settings
from klientportal.repository.store import SYSTEM, Actor

THRESHOLD = Decimal("5000.00")
INVOICES = (
    (
        "kontorland-k5601.pdf",
        (
            "Kontorland AS",
            "Org.nr: 974 760 673 MVA",
            "FAKTURA",
            "Fakturanr: K-5601",
            "Fakturadato: 20.11.2026",
            "Forfallsdato: 04.12.2026",
            "Skrivebord 1 stk      4 000,00",
            "Sum eks. mva      4 000,00",
            "MVA 25 %      1 000,00",
            "Sum inkl. mva      5 000,00",
            "Å betale      kr 5 000,00",
            "Kontonummer: 1503.12.34503",
            "KID: 1234567897",
        ),
    ),
    (
        "kontorland-k5602.pdf",
        (
            "Kontorland AS",
            "Org.nr: 974 760 673 MVA",
            "FAKTURA",
            "Fakturanr: K-5602",
            "Fakturadato: 24.11.2026",
            "Forfallsdato: 08.12.2026",
            "Kontorrekvisita      2 400,00",
            "Sum eks. mva      2 400,00",
            "MVA 25 %      600,00",
            "Sum inkl. mva      3 000,00",
            "Å betale      kr 3 000,00",
            "Kontonummer: 1503.12.34503",
        ),
    ),
)


def seed_payments(services: Invocation) -> dict[str, str]:
    """{"batch_id": …, "content_hash": …} of Fjordkaffe's demo batch awaiting approval."""
    from infra.local.seed import FJORD, USERS
    from klientportal.tenancy.models import Role

    accountant = next(u for u in USERS if u.role == Role.BUREAU_ACCOUNTANT)
    creator = Actor(sub=local_subject(accountant.email), email=accountant.email)
    payment_settings.put(services.store, FJORD, 0, THRESHOLD, SYSTEM)
    vouchers = services.vouchers(FJORD)
    proposal = services.payment_proposals(FJORD)
    for name, lines in INVOICES:
        for vid in _upload(services, FJORD, name, _pdf(lines)):
            rec = vouchers.get(vid)
            net = str(Decimal(rec.data["details"]["total"]) / Decimal("1.25"))
            rec = vouchers.code(vid, rec.version, [{"account": "6540", "vat_code": "1", "net_amount": net}], SYSTEM)
            vouchers.approve(vid, rec.version, SYSTEM, "Demo: godkjent for betaling")
            proposal.add(vid, creator)
    batch = services.payment_batches(FJORD).create(None, None, creator)
    return {"batch_id": batch.data["batch_id"], "content_hash": batch.data["content_hash"]}
