"""Reading and writing tenancy records (bureau, clients, memberships) through the Store."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from klientportal import clock
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Change, Store
from klientportal.tenancy.models import Bureau, Client, Membership


def orgnr_record(client: Client) -> Record:
    return Record(
        keys.orgnr_pk(client.orgnr),
        keys.CLIENT_PREFIX + client.client_id,
        "client_orgnr",
        {"orgnr": client.orgnr, "client_id": client.client_id, "bureau_id": client.bureau_id},
    )


def bureau_orgnr_record(client: Client) -> Record:
    """The bureau's claim of an organisation number (ORGNR#<orgnr> / BUREAU#<bureau_id>): one client per
    orgnr in a bureau, refused by the table's key."""
    return Record(
        keys.orgnr_pk(client.orgnr),
        keys.BUREAU_PREFIX + client.bureau_id,
        "client_orgnr_claim",
        {"orgnr": client.orgnr, "client_id": client.client_id, "bureau_id": client.bureau_id},
    )


def scope_pk(scope: str, scope_id: str) -> str:
    return keys.bureau_pk(scope_id) if scope == "bureau" else keys.client_pk(scope_id)


def bureau_record(bureau: Bureau) -> Record:
    return Record(keys.bureau_pk(bureau.bureau_id), keys.BUREAU_SK, "bureau", bureau.model_dump(mode="json"))


def client_record(client: Client) -> Record:
    data = client.model_dump(mode="json", exclude={"version"})
    return Record(
        keys.client_pk(client.client_id),
        keys.CLIENT_SK,
        "client",
        data,
        gsi1pk=keys.bureau_clients_gsi(client.bureau_id),
        gsi1sk=client.client_id,
    )


def membership_record(m: Membership, before: Record | None = None) -> Record:
    """The item of membership `m`; `before` is its item as read (None when it is new). The data also
    keeps `active_periods` (decision 0712): when the membership was active, as
    `[{"from": instant, "to": instant | None}]`, extended here on each change of status."""
    pk = scope_pk(m.scope, m.scope_id)
    data = m.model_dump(mode="json", exclude={"version"})
    data["active_periods"] = active_periods(before, m.status, clock.iso(clock.now()))
    return Record(pk, keys.MEMBER_PREFIX + m.sub, "membership", data, gsi1pk=keys.subject_gsi(m.sub), gsi1sk=pk)


def periods_of(rec: Record) -> list[dict[str, str | None]]:
    """A membership item's active periods; for an item written before they were kept: active since it
    was created, and (disabled) until its last change."""
    if "active_periods" in rec.data:
        return [dict(p) for p in rec.data["active_periods"] or []]
    if rec.data.get("status") == "active" and rec.created_at:
        return [{"from": rec.created_at, "to": None}]
    if rec.data.get("status") == "disabled" and rec.created_at and rec.updated_at:
        return [{"from": rec.created_at, "to": rec.updated_at}]
    return []


def member_periods_change(store: Store, membership: Record) -> Change:
    """The change of the client's `MEMBERS#PERIODS` item (decision 0712) that goes with writing the
    client `membership` item: its active periods under its subject. Made the first time from every
    member the client has (items from before it existed included)."""
    pk, sk = membership.pk, keys.MEMBER_PERIODS_SK
    current = store.get(pk, sk)
    if current is not None:
        members = dict(current.data["members"])
    else:
        members = {str(r.data["sub"]): periods_of(r) for r in store.query_all(pk, keys.MEMBER_PREFIX)}
    members[str(membership.data["sub"])] = membership.data["active_periods"]
    data = {"members": members}
    after = replace(current, data=data) if current else Record(pk, sk, "member_periods", data)
    return Change(current, after, "membership.periods_updated")


def active_periods(before: Record | None, status: str, at: str) -> list[dict[str, str | None]]:
    """The membership's active periods after a change to `status` at `at`. An item written before the
    periods were kept, that was active, is taken as active since it was created."""
    was_active = before is not None and before.data.get("status") == "active"
    periods = periods_of(before) if before is not None else []
    if was_active and not periods:
        periods = [{"from": at, "to": None}]
    if status == "active" and not was_active:
        periods.append({"from": at, "to": None})
    elif status != "active" and was_active and periods and periods[-1]["to"] is None:
        periods[-1] = {**periods[-1], "to": at}
    return periods


def _membership(rec: Record) -> tuple[Membership, Record]:
    return Membership.model_validate({**rec.data, "version": rec.version}), rec


class TenancyRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def bureau(self, bureau_id: str) -> tuple[Bureau, Record] | None:
        rec = self.store.get(keys.bureau_pk(bureau_id), keys.BUREAU_SK)
        return (Bureau.model_validate(rec.data), rec) if rec else None

    def client(self, client_id: str) -> tuple[Client, Record] | None:
        try:
            pk = keys.client_pk(client_id)
        except ValueError:
            return None
        rec = self.store.get(pk, keys.CLIENT_SK)
        return (Client.model_validate({**rec.data, "version": rec.version}), rec) if rec else None

    def clients_with_orgnr(self, orgnr: str) -> list[dict[str, Any]]:
        """[{"client_id", "bureau_id", "orgnr"}] of the clients created with `orgnr` (since 0264)."""
        return [r.data for r in self.store.query_all(keys.orgnr_pk(orgnr), keys.CLIENT_PREFIX)]

    def bureau_client_with_orgnr(self, bureau_id: str, orgnr: str) -> str | None:
        """The client id of the bureau's client with `orgnr` (the claim, else the 0264 lookup items of
        clients created before the claim existed), or None."""
        claim = self.store.get(keys.orgnr_pk(orgnr), keys.BUREAU_PREFIX + bureau_id)
        if claim is not None:
            client_id: str = claim.data["client_id"]
            return client_id
        return next((c["client_id"] for c in self.clients_with_orgnr(orgnr) if c.get("bureau_id") == bureau_id), None)

    def clients_of(self, bureau_id: str) -> list[Client]:
        recs = self.store.query_all(keys.bureau_clients_gsi(bureau_id), index="GSI1")
        return [Client.model_validate({**r.data, "version": r.version}) for r in recs]

    def memberships_of(self, sub: str) -> list[tuple[Membership, Record]]:
        recs = self.store.query_all(keys.subject_gsi(sub), index="GSI1")
        return [(Membership.model_validate({**r.data, "version": r.version}), r) for r in recs]

    def members(self, scope: str, scope_id: str) -> list[Membership]:
        recs = self.store.query_all(scope_pk(scope, scope_id), keys.MEMBER_PREFIX)
        return [Membership.model_validate({**r.data, "version": r.version}) for r in recs]

    def client_access(
        self, client_id: str, sub: str, preload: Iterable[str] = ()
    ) -> tuple[Client | None, list[tuple[Membership, Record]]]:
        """The client and the memberships of `sub` that can reach it (its own client membership; its
        bureau membership unless the own one is active), in one strongly consistent batch read with
        the client's audit head and the sort keys `preload` of the client's partition, which the
        request will need (kept in the invocation's read cache). A second read only for staff."""
        try:
            pk = keys.client_pk(client_id)
        except ValueError:
            return None, []
        got = self.store.get_many(
            [
                (pk, keys.CLIENT_SK),
                (pk, keys.MEMBER_PREFIX + sub),
                (pk, keys.AUDIT_HEAD_SK),
                *((pk, sk) for sk in preload),
            ]
        )
        rec = got[(pk, keys.CLIENT_SK)]
        if rec is None:
            return None, []
        client = Client.model_validate({**rec.data, "version": rec.version})
        own = got[(pk, keys.MEMBER_PREFIX + sub)]
        found = [_membership(own)] if own is not None else []
        if not any(m.status == "active" for m, _ in found):
            staff = self.store.get(keys.bureau_pk(client.bureau_id), keys.MEMBER_PREFIX + sub)
            found += [_membership(staff)] if staff is not None else []
        return client, found

    def is_platform_operator(self, sub: str) -> bool:
        """Whether `sub` is an active platform operator (PLATFORM#OPERATORS, decision 0713)."""
        try:
            rec = self.store.get(keys.PLATFORM_OPERATORS_PK, keys.platform_operator_sk(sub))
        except ValueError:
            return False
        return rec is not None and rec.data.get("status") == "active"

    def membership(self, scope: str, scope_id: str, sub: str) -> tuple[Membership, Record] | None:
        rec = self.store.get(scope_pk(scope, scope_id), keys.MEMBER_PREFIX + sub)
        return (Membership.model_validate({**rec.data, "version": rec.version}), rec) if rec else None
