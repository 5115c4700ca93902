"""The push API of the bureau's system: master data, postings and payment status, idempotent by the
external id and version-aware (decision 0825; the conflict rules are in docs/sync.md).

Every pushed item is linked to its local item by two items written with its first push, in the
same transaction: `SYNCEXT#<kind>#<external id>` → the local key, and `SYNCLOCAL#<local key>` →
the external id (one external id per local item). A push names the portal version it is based on
(`base_version`: null for a new item); the rules, in order:

1. same content as the portal holds → nothing written, `unchanged` (a replay, or both sides agree);
2. no link yet and no local item → created (`base_version` must be null);
3. no link yet, a local item with that key exists (made in the portal) → taken over only if
   `base_version` is its version, else 409 `sync-conflict` (the bureau saw it first in the feed);
4. linked, `base_version` = the portal's version → updated;
5. linked, `base_version` older → 409 `sync-conflict` with the portal's current item and version:
   the portal changed it since; the bureau merges and pushes again on the new version. Nothing is
   overwritten silently on either side;
6. `base_version` newer than the portal's → 422 (a version the portal never had).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from klientportal.errors import AlreadyExists, DomainError, FieldError, InvalidInput
from klientportal.reference.chart_of_accounts import get_account, standard_chart
from klientportal.reference.vat_codes import get_vat_code
from klientportal.registers import names
from klientportal.repository import keys
from klientportal.repository.records import Record, canonical_json
from klientportal.repository.store import Actor, Change, Store

Kind = Literal["accounts", "vat-codes", "departments", "projects", "dimensions"]
Outcome = Literal["created", "updated", "unchanged"]
EXTERNAL_ID = r"^[A-Za-z0-9_.:-]{1,100}$"


class SyncConflict(DomainError):
    status, slug, title = 409, "sync-conflict", "Both sides changed this item"


class VatCodeMapping(BaseModel):
    """A VAT code of the bureau's system and the standard code (SAF-T) it means."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    code: str = Field(pattern=r"^[A-Za-z0-9_-]{1,10}$")
    standard_code: str = Field(pattern=r"^[0-9]{1,2}$")
    description: str = Field(min_length=1, max_length=200)


class DimensionValue(BaseModel):
    """A value of a free dimension of the bureau's system (beyond department and project)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    dimension: str = Field(pattern=r"^[A-Za-z0-9_-]{1,30}$")
    code: str = Field(pattern=r"^[A-Za-z0-9_-]{1,30}$")
    name: str = Field(min_length=1, max_length=200)
    active: bool = True


@dataclass(frozen=True)
class Local:
    """How one kind maps to its local item: entity, key and stored data from the pushed data."""

    entity: str
    build: Callable[[Store, str, dict[str, Any]], tuple[str, dict[str, Any]]]  # → (sort key, data)


def _validated(model: type[BaseModel], data: dict[str, Any]) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [FieldError("data." + ".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]
        raise InvalidInput("the pushed item is not valid", errors) from None


def _account(store: Store, client_id: str, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    from klientportal.registers.service import CustomAccount  # the register service: master data pushes only

    account = _validated(CustomAccount, data)
    assert isinstance(account, CustomAccount)
    if get_account(account.number) is not None:
        raise InvalidInput(
            f"account {account.number} is a standard account; only the client's own accounts are pushed",
            [FieldError("data.number", "in the standard chart")],
        )
    if not (account.number.isdigit() and len(account.number) in (4, 5, 6) and account.number[0] in "12345678"):
        raise InvalidInput("not an account number", [FieldError("data.number", "4 to 6 digits, class 1 to 8")])
    if account.standard_account_id not in {a.standard_account_id for a in standard_chart()}:
        raise InvalidInput(
            "unknown SAF-T standard account",
            [FieldError("data.standard_account_id", "not a standard account of the chart")],
        )
    if account.default_vat_code is not None and get_vat_code(account.default_vat_code) is None:
        raise InvalidInput("unknown VAT code", [FieldError("data.default_vat_code", "not a VAT code")])
    return keys.account_sk(account.number), account.model_dump(mode="json")


def _register(register: str) -> Callable[[Store, str, dict[str, Any]], tuple[str, dict[str, Any]]]:
    def build(store: Store, client_id: str, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        from klientportal.registers.service import REGISTERS, RegisterService

        spec = REGISTERS[register]
        body = _validated(spec.create, data)
        customer = getattr(body, "customer_number", None)
        if (
            customer is not None
            and store.get(keys.client_pk(client_id), keys.register_sk("customer", customer)) is None
        ):
            raise InvalidInput(f"no customer {customer}", [FieldError("data.customer_number", "not a customer")])
        rec = RegisterService(store, client_id).new_record(spec, body)
        return rec.sk, rec.data

    return build


def _vat(store: Store, client_id: str, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    mapping = _validated(VatCodeMapping, data)
    assert isinstance(mapping, VatCodeMapping)
    if get_vat_code(mapping.standard_code) is None:
        raise InvalidInput("unknown VAT code", [FieldError("data.standard_code", "not a standard VAT code")])
    return keys.vat_mapping_sk(mapping.code), mapping.model_dump(mode="json")


def _dimension(store: Store, client_id: str, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    value = _validated(DimensionValue, data)
    assert isinstance(value, DimensionValue)
    return keys.dimension_sk(value.dimension, value.code), value.model_dump(mode="json")


KINDS: dict[str, Local] = {
    "accounts": Local("account", _account),
    "vat-codes": Local("vat_code_mapping", _vat),
    "departments": Local("department", _register(names.DEPARTMENTS)),
    "projects": Local("project", _register(names.PROJECTS)),
    "dimensions": Local("dimension", _dimension),
}


@dataclass(frozen=True)
class Pushed:
    outcome: Outcome
    record: Record


def _conflict(detail: str, current: Record | None, base: int | None) -> SyncConflict:
    return SyncConflict(
        detail,
        extra={
            "your_base_version": base,
            "current_version": current.version if current else None,
            "current": current.data if current else None,
        },
    )


class Push:
    def __init__(self, store: Store, client_id: str, actor: Actor) -> None:
        self.store, self.client_id, self.actor = store, client_id, actor
        self.pk = keys.client_pk(client_id)

    def master_data(self, kind: str, external_id: str, base_version: int | None, data: dict[str, Any]) -> Pushed:
        local = KINDS[kind]
        sk, stored = local.build(self.store, self.client_id, data)
        link_sk = keys.sync_external_sk(kind, external_id)
        got = self.store.get_many([(self.pk, link_sk), (self.pk, sk), (self.pk, keys.sync_local_sk(sk))])
        link, current, back = got[(self.pk, link_sk)], got[(self.pk, sk)], got[(self.pk, keys.sync_local_sk(sk))]
        if link is not None and link.data["local_sk"] != sk:
            raise InvalidInput(
                "this external id is linked to another item; its number cannot change",
                [FieldError("data", f"linked to {link.data['local_sk']}")],
            )
        if back is not None and back.data["external_id"] != external_id:
            raise SyncConflict(
                f"the item is linked to the external id {back.data['external_id']}",
                extra={"linked_external_id": back.data["external_id"]},
            )
        if current is not None and base_version is not None and base_version > current.version:
            raise InvalidInput(
                f"base_version {base_version} is newer than the portal's version {current.version}",
                [FieldError("base_version", f"at most {current.version}")],
            )
        if current is not None and canonical_json(current.data) == canonical_json(stored):
            if link is None:  # the same item on both sides: linked, nothing else written
                self._write([], kind, external_id, sk)
            return Pushed("unchanged", current)
        if current is None:
            if base_version is not None:
                raise InvalidInput(
                    "the item does not exist in the portal; push it with base_version null",
                    [FieldError("base_version", "must be null for a new item")],
                )
            rec = Record(self.pk, sk, local.entity, stored)
            return Pushed(
                "created", self._write([Change(None, rec, f"{local.entity}.created")], kind, external_id, sk, link)
            )
        if base_version != current.version:
            where = "was changed in the portal" if link is not None else "exists in the portal (not pushed before)"
            raise _conflict(
                f"the {local.entity} {where}: the portal is at version {current.version}, your push is based on "
                f"{base_version}; merge and push again with base_version {current.version}",
                current,
                base_version,
            )
        after = current.with_data(stored)
        return Pushed(
            "updated", self._write([Change(current, after, f"{local.entity}.updated")], kind, external_id, sk, link)
        )

    def _write(self, changes: list[Change], kind: str, external_id: str, sk: str, link: Record | None = None) -> Record:
        if link is None:
            changes = [
                *changes,
                Change(
                    None,
                    Record(
                        self.pk, keys.sync_external_sk(kind, external_id), "sync_link", {"kind": kind, "local_sk": sk}
                    ),
                    "sync_link.created",
                ),
                Change(
                    None,
                    Record(self.pk, keys.sync_local_sk(sk), "sync_link", {"kind": kind, "external_id": external_id}),
                    "sync_link.created",
                ),
            ]
        try:
            written = self.store.write(self.pk, changes, self.actor)
        except AlreadyExists as exc:
            raise SyncConflict(
                "the item was pushed or created by someone else just now; read it and push again"
            ) from exc
        return written[0]


class PostingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    account: str = Field(min_length=4, max_length=6)
    amount: Decimal
    text: str = Field(min_length=1, max_length=200)
    vat_code: str | None = None
    customer_number: int | None = None
    supplier_number: int | None = None
    department: str | None = None
    project: str | None = None


def _fingerprint(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


def journal_entry(
    store: Store, client_id: str, external_id: str, day: date, text: str, postings: list[PostingIn], actor: Actor
) -> Pushed:
    """A journal entry booked in the bureau's system, into the ledger (series `bilag`) once per
    external id: the same push again answers the entry booked; other content → 409."""
    from klientportal.ledger.journal import JournalDraft, Posting, journal_changes

    pk = keys.client_pk(client_id)
    fingerprint = _fingerprint(
        {"date": day.isoformat(), "text": text, "postings": [p.model_dump(mode="json") for p in postings]}
    )
    link_sk = keys.sync_external_sk("journal-entries", external_id)
    link = store.get(pk, link_sk)
    if link is not None:
        if link.data["fingerprint"] != fingerprint:
            raise SyncConflict(
                "this external id was booked with other content; a booked entry is corrected by a new entry",
                extra={"entry": link.data["local_sk"]},
            )
        booked = store.get(pk, link.data["local_sk"])
        assert booked is not None
        return Pushed("unchanged", booked)
    draft = JournalDraft(
        series="bilag",
        date=day,
        text=text,
        source_kind="bureau",
        source_id=external_id,
        postings=tuple(Posting(**p.model_dump()) for p in postings),
    )
    changes = journal_changes(store, pk, draft, actor)
    entry = next(c.after for c in changes if c.after is not None and c.after.entity == "journal_entry")
    link_rec = Record(
        pk, link_sk, "sync_link", {"kind": "journal-entries", "local_sk": entry.sk, "fingerprint": fingerprint}
    )
    try:
        store.write(pk, [*changes, Change(None, link_rec, "sync_link.created")], actor)
    except AlreadyExists:
        raced = store.get(pk, link_sk)
        if raced is None:
            raise SyncConflict(f"the source bureau:{external_id} is booked already, not through this push") from None
        return journal_entry(store, client_id, external_id, day, text, postings, actor)  # answer the winner
    booked = store.get(pk, entry.sk)
    assert booked is not None
    return Pushed("created", booked)
