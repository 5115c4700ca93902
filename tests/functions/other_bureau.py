"""A second bureau with one client of its own, for tests of what one tenant may not see of another."""

from __future__ import annotations

from klientportal.repository.store import SYSTEM
from klientportal.tenancy.models import BureauLicence, ClientCreate, Module, Tier
from klientportal.tenancy.service import TenancyService

BUREAU, CLIENT = "b-other", "c-other"


def create_other_bureau(service: TenancyService) -> None:
    """Bureau b-other (admin@other.no) with client c-other (Fremmed AS), every module."""
    service.create_bureau(
        BUREAU,
        "Annet Byrå AS",
        "912345661",
        BureauLicence(licence_number="BYRA-9", modules=list(Module)),
        "admin@other.no",
        "Other Admin",
        SYSTEM,
    )
    service.create_client(
        BUREAU,
        ClientCreate(name="Fremmed AS", orgnr="912345688", tier=Tier.PORTAL, modules=list(Module)),
        SYSTEM,
        client_id=CLIENT,
    )
