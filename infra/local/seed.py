"""Demo data for the local stack: one bureau, three clients (one per tier), a user per role."""

from __future__ import annotations

from dataclasses import dataclass

from infra.local.seed_vouchers import seed_vouchers
from klientportal.repository.store import SYSTEM
from klientportal.tenancy.models import (
    BureauLicence,
    ClientCreate,
    ClientLicenceUpdate,
    Module,
    Role,
    Tier,
)
from klientportal.tenancy.service import TenancyService

BUREAU_ID = "b-demo"
FJORD, BYGG, LAKK = "c-fjordkaffe", "c-hansenbygg", "c-lakkoglim"


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    role: Role
    scope_id: str
    modules: tuple[Module, ...] = ()
    assigned: tuple[str, ...] | None = None

    @property
    def describes(self) -> str:
        where = (
            "bureau" if self.role in (Role.BUREAU_ADMIN, Role.BUREAU_ACCOUNTANT) else self.scope_id
        )
        extra = f" modules={','.join(self.modules)}" if self.modules else ""
        extra += f" clients={','.join(self.assigned)}" if self.assigned else ""
        return f"{self.role:<18} {where:<14}{extra}"


ADMIN = DemoUser("admin@byraet.no", "Kari Byrå", Role.BUREAU_ADMIN, BUREAU_ID)
USERS: tuple[DemoUser, ...] = (
    ADMIN,
    DemoUser(
        "regnskap@byraet.no",
        "Ola Regnskap",
        Role.BUREAU_ACCOUNTANT,
        BUREAU_ID,
        assigned=(FJORD, BYGG),
    ),
    DemoUser("daglig@fjordkaffe.no", "Ingrid Fjord", Role.CLIENT_ADMIN, FJORD),
    DemoUser(
        "salg@fjordkaffe.no", "Per Salg", Role.CLIENT_USER, FJORD, modules=(Module.INVOICING,)
    ),
    DemoUser("prosjekt@fjordkaffe.no", "Siri Prosjekt", Role.ATTESTER, FJORD),
    DemoUser("post@hansenbygg.no", "Knut Hansen", Role.CLIENT_ADMIN, BYGG),
    DemoUser("eier@lakkoglim.no", "Lise Lakk", Role.CLIENT_ADMIN, LAKK),
)

CLIENTS = (
    (
        FJORD,
        ClientCreate(
            name="Fjordkaffe AS",
            orgnr="912345610",
            tier=Tier.PORTAL,
            modules=[
                Module.INVOICING,
                Module.VOUCHERS,
                Module.ATTESTATION,
                Module.BANK,
                Module.HOURS,
                Module.REPORTS,
            ],
        ),
    ),
    (
        BYGG,
        ClientCreate(
            name="Byggmester Hansen AS",
            orgnr="912345629",
            tier=Tier.BYRAKLIENT,
            modules=[
                Module.INVOICING,
                Module.VOUCHERS,
                Module.ATTESTATION,
                Module.HOURS,
                Module.PAYROLL,
                Module.PROJECTS,
            ],
        ),
    ),
    (
        LAKK,
        ClientCreate(
            name="Lakk & Lim AS", orgnr="912345637", tier=Tier.BYRALISENS, modules=list(Module)
        ),
    ),
)


def seed(service: TenancyService, *, demo_vouchers: bool = True) -> None:
    """Create the demo bureau, clients and users through the same service the API uses."""
    service.create_bureau(
        BUREAU_ID,
        "Tall & Balanse Regnskap AS",
        "912345602",
        BureauLicence(licence_number="BYRA-1001", modules=list(Module)),
        ADMIN.email,
        ADMIN.name,
        SYSTEM,
    )
    for client_id, req in CLIENTS:
        service.create_client(BUREAU_ID, req, SYSTEM, client_id=client_id)
    client, _ = service.repo.client(BYGG)
    service.register_client_licence(
        client,
        ClientLicenceUpdate(version=client.version, status="registered", licence_number="BK-2001"),
        SYSTEM,
    )
    for user in USERS[1:]:
        scope = "bureau" if user.scope_id == BUREAU_ID else "client"
        service.add_member(
            scope,
            user.scope_id,
            user.email,
            user.name,
            user.role,
            SYSTEM,
            modules=list(user.modules),
            assigned=list(user.assigned) if user.assigned else "all",
        )
    if demo_vouchers:
        seed_vouchers(service.repo.store)
