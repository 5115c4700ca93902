"""The tenancy domain: bureau licence, clients with tier and modules, memberships (users + roles)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from klientportal.api.types import Flag, Integer, SingleLine
from klientportal.validation.norwegian import OrgNumber


class Module(StrEnum):
    INVOICING = "invoicing"
    VOUCHERS = "vouchers"
    ATTESTATION = "attestation"
    BANK = "bank"
    HOURS = "hours"
    PAYROLL = "payroll"
    PROJECTS = "projects"
    REPORTS = "reports"


class Tier(StrEnum):
    """Portal: cloud portal; ByråKlient: agreed modules of the bureau's licence; Byrålisens: own licence."""

    PORTAL = "portal"
    BYRAKLIENT = "byraklient"
    BYRALISENS = "byralisens"


class Role(StrEnum):
    BUREAU_ADMIN = "bureau_admin"
    BUREAU_ACCOUNTANT = "bureau_accountant"
    CLIENT_ADMIN = "client_admin"
    CLIENT_USER = "client_user"
    ATTESTER = "attester"


BUREAU_ROLES = frozenset({Role.BUREAU_ADMIN, Role.BUREAU_ACCOUNTANT})
CLIENT_ROLES = frozenset({Role.CLIENT_ADMIN, Role.CLIENT_USER, Role.ATTESTER})

LicenceStatus = Literal["pending", "registered", "suspended"]
MembershipStatus = Literal["invited", "active", "disabled"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), SingleLine]
FinancialYearStartMonth = Annotated[
    Integer,
    Field(
        ge=1,
        le=12,
        description="First month of the financial year: 1 = the calendar year; e.g. 7 = July–June "
        "(avvikende regnskapsår). Sets how long voucher originals are locked (0265).",
    ),
]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"),
    SingleLine,
]

ClientId = Annotated[str, StringConstraints(min_length=1, max_length=100), SingleLine]


class _Input(BaseModel):
    """A request body: its validator is built on first use, not at import (cold start, bench/)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


class BureauLicence(BaseModel):
    model_config = ConfigDict(defer_build=True)  # bureau routes only

    licence_number: str
    modules: list[Module]


class Bureau(BaseModel):
    model_config = ConfigDict(defer_build=True)  # bureau routes only

    bureau_id: str
    name: str
    orgnr: str
    licence: BureauLicence


class ExternalLicence(BaseModel):
    """The client's licence as registered with the licence holder (the software vendor)."""

    model_config = ConfigDict(defer_build=True)  # built as a part of `Client`

    status: LicenceStatus
    licence_number: str | None = None
    registered_at: str | None = None
    automatic: bool = False


class Client(BaseModel):
    client_id: str
    bureau_id: str
    name: str
    orgnr: str
    tier: Tier
    modules: list[Module]
    licence: ExternalLicence
    active: bool = True
    financial_year_start_month: FinancialYearStartMonth = 1
    version: int = 0


class ClientCreate(_Input):
    name: Name
    orgnr: OrgNumber
    tier: Tier
    modules: list[Module] = Field(default_factory=list)
    financial_year_start_month: FinancialYearStartMonth = 1

    @field_validator("modules")
    @classmethod
    def _unique(cls, v: list[Module]) -> list[Module]:
        return sorted(set(v))


class ClientUpdate(_Input):
    version: Integer = Field(ge=1, description="The version you read; a stale version gets 409")
    name: Name | None = None
    tier: Tier | None = None
    modules: list[Module] | None = None
    active: Flag | None = None
    financial_year_start_month: FinancialYearStartMonth | None = None

    @field_validator("modules")
    @classmethod
    def _unique(cls, v: list[Module] | None) -> list[Module] | None:
        return sorted(set(v)) if v is not None else None


class ClientLicenceUpdate(_Input):
    version: Integer = Field(ge=1)
    status: LicenceStatus
    licence_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), SingleLine]


class BureauLicenceUpdate(_Input):
    version: Integer = Field(ge=1)
    modules: list[Module]


class Membership(BaseModel):
    """A user's role in one bureau or one client."""

    sub: str
    email: str
    name: str | None = None
    scope: Literal["bureau", "client"]
    scope_id: str
    role: Role
    status: MembershipStatus
    modules: list[Module] = Field(default_factory=list)
    assigned_clients: list[str] | Literal["all"] = "all"
    invited_by: str | None = None
    invitation_expires: str | None = None
    version: int = 0


class ClientInvitation(_Input):
    email: Email
    name: Name | None = None
    role: Literal[Role.CLIENT_ADMIN, Role.CLIENT_USER, Role.ATTESTER]
    modules: list[Module] = Field(
        default_factory=list, description="Modules a client_user may use (within the client's modules)"
    )


class BureauInvitation(_Input):
    email: Email
    name: Name | None = None
    role: Literal[Role.BUREAU_ADMIN, Role.BUREAU_ACCOUNTANT]
    assigned_clients: list[ClientId] | Literal["all"] = "all"


class MembershipUpdate(_Input):
    version: Integer = Field(ge=1)
    role: Role | None = None
    modules: list[Module] | None = None
    assigned_clients: list[ClientId] | Literal["all"] | None = None
    status: Literal["active", "disabled"] | None = None
