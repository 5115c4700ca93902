"""Demo ledger for the local stack: the invoices the invoicing seed issued are booked already (issuing
books them); here one supplier voucher of Fjordkaffe is received, coded, approved and booked by the
bureau through the voucher service the API uses, so the trial balance shows both sides."""

from __future__ import annotations

from klientportal.bootstrap import Invocation
from klientportal.registers.service import REGISTERS, RegisterService
from klientportal.repository.store import Actor

STROM = (
    "Fjordkraft Demo AS",
    "Org.nr: 976 944 801 MVA",
    "FAKTURA",
    "Fakturanr: S-2026-11",
    "Fakturadato: 05.11.2026",
    "Forfallsdato: 19.11.2026",
    "Strøm november      1 600,00",
    "Sum eks. mva      1 600,00",
    "MVA 25 %      400,00",
    "Sum inkl. mva      2 000,00",
    "Å betale      kr 2 000,00",
    "Kontonummer: 8601.11.17947",
)
SUPPLIER = {"supplier_number": 20001, "name": "Fjordkraft Demo AS", "orgnr": "976944801", "bank_account": "86011117947"}


def seed_ledger(services: Invocation) -> str:
    """The voucher number the demo voucher was booked as."""
    from infra.local.seed import FJORD, USERS
    from infra.local.seed_vouchers import _pdf, _upload
    from klientportal.tenancy.models import Role

    bureau = next(u for u in USERS if u.role == Role.BUREAU_ACCOUNTANT)
    client_admin = next(u for u in USERS if u.role == Role.CLIENT_ADMIN and u.scope_id == FJORD)
    accountant = Actor(sub=f"seed:{bureau.email}", email=bureau.email)
    admin = Actor(sub=f"seed:{client_admin.email}", email=client_admin.email)
    registers = RegisterService(services.store, FJORD)
    spec = REGISTERS["suppliers"]
    if registers.store.get(registers.pk, spec.sk(SUPPLIER["supplier_number"])) is None:
        registers.create(spec, spec.create.model_validate(SUPPLIER), admin)
    [vid] = _upload(services, FJORD, "fjordkraft-s-2026-11.pdf", _pdf(STROM))
    vouchers = services.vouchers(FJORD)
    rec = vouchers.get(vid)
    details = rec.data.get("details") or {}
    changes = {"supplier_number": SUPPLIER["supplier_number"], "total": "2000.00"}
    if not details.get("issue_date"):
        changes["issue_date"] = "2026-11-05"
    rec = vouchers.update_details(vid, rec.version, changes, admin)
    rec = vouchers.code(vid, rec.version, [{"account": "6340", "vat_code": "1", "net_amount": "1600.00"}], admin)
    rec = vouchers.approve(vid, rec.version, admin, "Demo: godkjent")
    booked = vouchers.book(vid, rec.version, accountant)
    number: str = booked.data["booking"]["voucher_number"]
    return number
