"""Tenancy rules and use cases: licences, clients, tiers, modules, invitations and memberships."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any

from klientportal import clock
from klientportal.adapters.identity import UserDirectory
from klientportal.errors import AlreadyExists, FieldError, InvalidInput, NotFound, RuleViolation, StaleVersion
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Change
from klientportal.tenancy.models import (
    BUREAU_ROLES,
    Bureau,
    BureauInvitation,
    BureauLicence,
    BureauLicenceUpdate,
    Client,
    ClientCreate,
    ClientInvitation,
    ClientLicenceUpdate,
    ClientUpdate,
    ExternalLicence,
    Membership,
    MembershipUpdate,
    Module,
    Role,
    Tier,
)
from klientportal.tenancy.repository import (
    TenancyRepository,
    bureau_orgnr_record,
    bureau_record,
    client_record,
    member_periods_change,
    membership_record,
    orgnr_record,
)
from klientportal.vouchers.inbox import inbox_changes_for_new_client

CLAIM_ATTEMPTS = 5

INVITATION_DAYS = 14


class ModuleNotInBureauLicence(RuleViolation):
    slug, title = "module-not-in-bureau-licence", "A client module must be in the bureau's licence"


class LicenceStillInUse(RuleViolation):
    slug, title = "licence-module-in-use", "Clients still use a module the licence would drop"


def check_modules_within_licence(modules: list[Module], bureau: Bureau) -> None:
    """The rule: a client can never have a module that the bureau's own licence lacks."""
    missing = sorted(set(modules) - set(bureau.licence.modules))
    if missing:
        raise ModuleNotInBureauLicence(
            f"the bureau's licence lacks {', '.join(missing)}",
            [FieldError("modules", f"{m} is not in the bureau's licence") for m in missing],
        )


def check_user_modules(modules: list[Module], client: Client) -> None:
    """A user can only be given modules the client has."""
    outside = sorted(set(modules) - set(client.modules))
    if outside:
        raise InvalidInput(
            "a user can only get modules the client has",
            [FieldError("modules", f"the client does not have {m}") for m in outside],
        )


def licence_for_tier(tier: Tier, current: ExternalLicence | None, client_id: str, at: str) -> ExternalLicence:
    """Portal clients are registered automatically; the licensed tiers need a registration."""
    if tier == Tier.PORTAL:
        return ExternalLicence(
            status="registered", licence_number=f"PORTAL-{client_id}", registered_at=at, automatic=True
        )
    if current is not None and not current.automatic:
        return current
    return ExternalLicence(status="pending")


def _check_version(given: int, actual: int, what: str) -> None:
    if given != actual:
        raise StaleVersion(
            f"{what} is at version {actual}, you sent {given}; reload and try again", extra={"current_version": actual}
        )


class TenancyService:
    def __init__(self, repo: TenancyRepository, directory: UserDirectory) -> None:
        self.repo = repo
        self.directory = directory

    def create_bureau(
        self,
        bureau_id: str,
        name: str,
        orgnr: str,
        licence: BureauLicence,
        admin_email: str,
        admin_name: str | None,
        actor: Actor,
    ) -> Bureau:
        """Onboard a bureau with its licence and first admin (a platform operator's task)."""
        bureau = Bureau(bureau_id=bureau_id, name=name, orgnr=orgnr, licence=licence)
        self.repo.store.create(bureau_record(bureau), actor, "bureau.created")
        sub = self.directory.ensure_user(admin_email, admin_name, name)
        admin = Membership(
            sub=sub,
            email=admin_email,
            name=admin_name,
            scope="bureau",
            scope_id=bureau_id,
            role=Role.BUREAU_ADMIN,
            status="active",
        )
        self.repo.store.create(membership_record(admin), actor, "membership.created")
        return bureau

    def bureau(self, bureau_id: str) -> tuple[Bureau, int]:
        found = self.repo.bureau(bureau_id)
        if not found:
            raise NotFound("no such bureau")
        return found[0], found[1].version

    def set_bureau_licence(self, bureau_id: str, update: BureauLicenceUpdate, actor: Actor) -> tuple[Bureau, int]:
        bureau, rec = self.repo.bureau(bureau_id) or (None, None)
        if bureau is None or rec is None:
            raise NotFound("no such bureau")
        _check_version(update.version, rec.version, "the bureau")
        removed = set(bureau.licence.modules) - set(update.modules)
        in_use = {c.client_id: sorted(set(c.modules) & removed) for c in self.repo.clients_of(bureau_id)}
        in_use = {cid: mods for cid, mods in in_use.items() if mods}
        if in_use:
            raise LicenceStillInUse(
                "remove these modules from the clients first: "
                + "; ".join(f"{cid}: {', '.join(m)}" for cid, m in sorted(in_use.items())),
                [FieldError("modules", f"{cid} uses {', '.join(m)}") for cid, m in sorted(in_use.items())],
                extra={"clients": in_use},
            )
        new = bureau.model_copy(
            update={"licence": bureau.licence.model_copy(update={"modules": sorted(set(update.modules))})}
        )
        saved = self.repo.store.replace(rec, new.model_dump(mode="json"), actor, "bureau.licence_changed")
        return new, saved.version

    def create_client(self, bureau_id: str, req: ClientCreate, actor: Actor, client_id: str | None = None) -> Client:
        bureau, _ = self.bureau(bureau_id)
        check_modules_within_licence(req.modules, bureau)
        self._check_orgnr_free(bureau_id, req.orgnr)
        client_id = client_id or "c" + uuid.uuid4().hex[:15]
        at = clock.iso(clock.now())
        client = Client(
            client_id=client_id,
            bureau_id=bureau_id,
            name=req.name,
            orgnr=req.orgnr,
            tier=req.tier,
            modules=req.modules,
            licence=licence_for_tier(req.tier, None, client_id, at),
            financial_year_start_month=req.financial_year_start_month,
        )
        # one transaction: the client, its orgnr lookup item (0264), the bureau's claim of the orgnr and its
        # voucher inbox address (0261); a slug claimed by someone else in between cancels it, and the next
        # free slug is tried
        for attempt in range(CLAIM_ATTEMPTS):
            changes = [
                Change(None, client_record(client), "client.created"),
                Change(None, orgnr_record(client), "client.orgnr_indexed"),
                Change(None, bureau_orgnr_record(client), "client.orgnr_claimed"),
            ]
            if attempt < CLAIM_ATTEMPTS - 1:
                changes += inbox_changes_for_new_client(self.repo.store, client)
            try:
                saved = self.repo.store.write(client_record(client).pk, changes, actor)[0]
                return client.model_copy(update={"version": saved.version})
            except AlreadyExists:
                if self.repo.client(client_id) is not None:
                    raise
                self._check_orgnr_free(bureau_id, req.orgnr)
        raise AlreadyExists("the client could not be created; try again")

    def _check_orgnr_free(self, bureau_id: str, orgnr: str) -> None:
        """One client per organisation number in a bureau (another bureau may have the same company)."""
        holder = self.repo.bureau_client_with_orgnr(bureau_id, orgnr)
        if holder is not None:
            raise AlreadyExists(
                f"client {holder} of this bureau has organisation number {orgnr}",
                [FieldError("orgnr", "another client of the bureau has this number")],
                extra={"client_id": holder},
            )

    def update_client(self, client: Client, req: ClientUpdate, actor: Actor) -> Client:
        found = self.repo.client(client.client_id)
        if not found:
            raise NotFound("no such client")
        current, rec = found
        _check_version(req.version, rec.version, "the client")
        # an explicit null changes nothing (no client field is nullable)
        changes = req.model_dump(exclude_unset=True, exclude_none=True, exclude={"version"})
        new = current.model_copy(update=changes)
        if req.modules is not None:
            bureau, _ = self.bureau(current.bureau_id)
            check_modules_within_licence(req.modules, bureau)
        if req.tier is not None and req.tier != current.tier:
            new.licence = licence_for_tier(req.tier, None, current.client_id, clock.iso(clock.now()))
        saved = self.repo.store.replace(rec, client_record(new).data, actor, "client.updated")
        return new.model_copy(update={"version": saved.version})

    def register_client_licence(self, client: Client, req: ClientLicenceUpdate, actor: Actor) -> Client:
        current, rec = self.repo.client(client.client_id) or (None, None)
        if current is None or rec is None:
            raise NotFound("no such client")
        _check_version(req.version, rec.version, "the client")
        if current.tier == Tier.PORTAL:
            raise RuleViolation(
                "portal clients are registered automatically; change the tier first",
                [FieldError("status", "not settable for the portal tier")],
            )
        licence = ExternalLicence(
            status=req.status,
            licence_number=req.licence_number,
            registered_at=clock.iso(clock.now()) if req.status == "registered" else None,
        )
        new = current.model_copy(update={"licence": licence})
        saved = self.repo.store.replace(rec, client_record(new).data, actor, "client.licence_changed")
        return new.model_copy(update={"version": saved.version})

    def invite_to_client(self, client: Client, req: ClientInvitation, actor: Actor) -> Membership:
        modules = sorted(set(req.modules))
        check_user_modules(modules, client)
        if req.role != Role.CLIENT_USER and modules:
            raise InvalidInput(
                "modules are given to client users only", [FieldError("modules", "only for role client_user")]
            )
        self._refuse_member("client", client.client_id, req.email)
        sub = self.directory.ensure_user(req.email, req.name, client.name)
        return self._invite("client", client.client_id, sub, req.email, req.name, req.role, actor, modules=modules)

    def invite_to_bureau(self, bureau_id: str, req: BureauInvitation, actor: Actor) -> Membership:
        self._check_assigned_clients(bureau_id, req.assigned_clients)
        bureau, _ = self.bureau(bureau_id)
        self._refuse_member("bureau", bureau_id, req.email)
        sub = self.directory.ensure_user(req.email, req.name, bureau.name)
        return self._invite(
            "bureau", bureau_id, sub, req.email, req.name, req.role, actor, assigned=req.assigned_clients
        )

    def _check_assigned_clients(self, bureau_id: str, assigned: list[str] | str) -> None:
        """Assigned clients must each be a client of this bureau (not of another, not unknown)."""
        if assigned == "all":
            return
        known = {c.client_id for c in self.repo.clients_of(bureau_id)}
        unknown = sorted(set(assigned) - known)
        if unknown:
            raise InvalidInput(
                "assigned clients must be clients of this bureau",
                [FieldError("assigned_clients", f"not a client of this bureau: {c}") for c in unknown],
            )

    def _refuse_member(self, scope: str, scope_id: str, email: str) -> None:
        """Before any invitation e-mail goes out: an address that is a member already is refused."""
        if any(m.email.lower() == email.lower() for m in self.repo.members(scope, scope_id)):
            raise RuleViolation(f"{email} is a member already", [FieldError("email", "already a member")])

    def add_member(
        self,
        scope: str,
        scope_id: str,
        email: str,
        name: str | None,
        role: Role,
        actor: Actor,
        modules: list[Module] | None = None,
        assigned: list[str] | str = "all",
    ) -> Membership:
        """An active membership without an invitation round (onboarding and demo data)."""
        sub = self.directory.ensure_user(email, name, scope_id)
        return self._invite(scope, scope_id, sub, email, name, role, actor, modules, assigned, status="active")

    def _invite(
        self,
        scope: str,
        scope_id: str,
        sub: str,
        email: str,
        name: str | None,
        role: Role,
        actor: Actor,
        modules: list[Module] | None = None,
        assigned: list[str] | str = "all",
        status: str = "invited",
    ) -> Membership:
        if self.repo.membership(scope, scope_id, sub):
            raise RuleViolation(f"{email} is a member already", [FieldError("email", "already a member")])
        expires = clock.now() + timedelta(days=INVITATION_DAYS)
        m = Membership(
            sub=sub,
            email=email,
            name=name,
            scope=scope,
            scope_id=scope_id,
            role=role,
            status=status,
            modules=modules or [],
            assigned_clients=assigned,
            invited_by=actor.sub,
            invitation_expires=clock.iso(expires) if status == "invited" else None,
        )
        saved = self._write_membership(None, membership_record(m), f"membership.{status}", actor)
        return m.model_copy(update={"version": saved.version})

    def _write_membership(self, before: Record | None, after: Record, action: str, actor: Actor) -> Record:
        """The membership item written; for a client membership in one transaction with the client's
        `MEMBERS#PERIODS` item (decision 0712), re-read when another member's change came first."""
        store = self.repo.store
        if after.data["scope"] != "client":
            return store.write(after.pk, [Change(before, after, action)], actor)[0]
        for attempt in range(3):
            try:
                return store.write(
                    after.pk, [Change(before, after, action), member_periods_change(store, after)], actor
                )[0]
            except StaleVersion:
                now = store.get(after.pk, after.sk)
                if attempt == 2 or (now.version if now else 0) != (before.version if before else 0):
                    raise  # the membership itself changed (or it keeps colliding): the caller's 409
            except AlreadyExists:
                if store.get(after.pk, after.sk) is not None:
                    raise  # the membership exists already
        raise StaleVersion("the client's members were changed meanwhile; try again")

    def add_platform_operator(self, email: str, name: str | None, actor: Actor) -> dict[str, Any]:
        """A platform operator (decision 0713): the platform's own price list is theirs to write. Made by
        the platform's own tooling (`klientportal platform operator add`), never through the API."""
        sub = self.directory.ensure_user(email, name, "platform")
        data = {"sub": sub, "email": email.strip().lower(), "name": name, "status": "active"}
        rec = Record(keys.PLATFORM_OPERATORS_PK, keys.platform_operator_sk(sub), "platform_operator", data)
        found = self.repo.store.get(rec.pk, rec.sk)
        if found is not None:
            return self._operator_status(found, "active", actor)
        return self.repo.store.create(rec, actor, "platform.operator_added").data

    def platform_operators(self) -> list[dict[str, Any]]:
        """Every platform operator, active or disabled (a handful: one Query)."""
        return [r.data for r in self.repo.store.query_all(keys.PLATFORM_OPERATORS_PK, keys.PLATFORM_OPERATOR_PREFIX)]

    def disable_platform_operator(self, email: str, actor: Actor) -> dict[str, Any]:
        """Take the platform's price list out of this operator's hands (audited; idempotent). Requests
        check the status each time, so the next request of a disabled operator is refused (403)."""
        wanted = email.strip().lower()
        recs = self.repo.store.query_all(keys.PLATFORM_OPERATORS_PK, keys.PLATFORM_OPERATOR_PREFIX)
        found = next((r for r in recs if r.data.get("email") == wanted), None)
        if found is None:
            raise NotFound(f"{wanted} is not a platform operator")
        return self._operator_status(found, "disabled", actor)

    def _operator_status(self, rec: Record, status: str, actor: Actor) -> dict[str, Any]:
        if rec.data.get("status") == status:
            return rec.data
        action = "platform.operator_enabled" if status == "active" else "platform.operator_disabled"
        return self.repo.store.replace(rec, {**rec.data, "status": status}, actor, action).data

    def update_membership(
        self, scope: str, scope_id: str, sub: str, req: MembershipUpdate, actor: Actor, client: Client | None = None
    ) -> Membership:
        found = self.repo.membership(scope, scope_id, sub)
        if not found:
            raise NotFound("no such user")
        current, rec = found
        _check_version(req.version, rec.version, "the user")
        changes = req.model_dump(exclude_unset=True, exclude={"version"})
        new = current.model_copy(update=changes)
        if (new.role in BUREAU_ROLES) != (scope == "bureau"):
            raise InvalidInput("the role does not fit this scope", [FieldError("role", f"not a {scope} role")])
        if client is not None:
            check_user_modules(new.modules, client)
        if req.assigned_clients is not None:
            if scope != "bureau":
                raise InvalidInput(
                    "assigned clients are for bureau staff only",
                    [FieldError("assigned_clients", "not for a client user")],
                )
            self._check_assigned_clients(scope_id, req.assigned_clients)
        if sub == actor.sub and new.status == "disabled":
            raise RuleViolation("you cannot disable yourself", [FieldError("status", "own membership")])
        after = replace(rec, data=membership_record(new, rec).data)
        saved = self._write_membership(rec, after, "membership.updated", actor)
        return new.model_copy(update={"version": saved.version})

    def activate_invitations(self, memberships: list[tuple[Membership, Record]], actor: Actor) -> list[Membership]:
        """On a user's first signed-in request, their open invitations become active memberships."""
        now = clock.iso(clock.now())
        out: list[Membership] = []
        for m, rec in memberships:
            if m.status == "invited" and m.invitation_expires and m.invitation_expires >= now:
                new = m.model_copy(update={"status": "active"})
                try:
                    after = rec.with_data(membership_record(new, rec).data)
                    saved = self._write_membership(rec, after, "membership.activated", actor)
                    m = new.model_copy(update={"version": saved.version})
                except StaleVersion:
                    m = (self.repo.membership(m.scope, m.scope_id, m.sub) or (m, None))[0]
            out.append(m)
        return out
