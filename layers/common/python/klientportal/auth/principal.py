"""The signed-in user as the policy sees them: identity plus memberships (roles per scope)."""

from __future__ import annotations

from dataclasses import dataclass

from klientportal.tenancy.models import Membership, Role


@dataclass(frozen=True)
class Principal:
    sub: str
    email: str | None
    memberships: tuple[Membership, ...]
    auth_level: str | None = None
    auth_time: int | None = None
    platform_operator: bool = False  # read only for a platform action (decision 0713)

    def active(self) -> tuple[Membership, ...]:
        return tuple(m for m in self.memberships if m.status == "active")

    def bureau_membership(self, bureau_id: str) -> Membership | None:
        return next((m for m in self.active() if m.scope == "bureau" and m.scope_id == bureau_id), None)

    def client_membership(self, client_id: str) -> Membership | None:
        return next((m for m in self.active() if m.scope == "client" and m.scope_id == client_id), None)

    def bureau_ids(self) -> tuple[str, ...]:
        return tuple(m.scope_id for m in self.active() if m.scope == "bureau")

    def roles(self) -> frozenset[Role]:
        return frozenset(m.role for m in self.active())
