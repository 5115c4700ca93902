"""Register use cases: create, read, list and patch a client's customers, suppliers, products,
projects, departments and employees, plus the client's chart of accounts.

Items live in the client's partition (T#<client>) under <ENTITY>#<number>; the number is the
register's own key (customer number, product number, …), so duplicates are refused by the table.
Suppliers and employees also claim a uniqueness item (registers.identity) in the same transaction:
a second supplier with the same orgnr (or account) or employee with the same national id gets 409.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel, ValidationError

from klientportal.crypto.personal_data import decrypt_national_id, encrypt_national_id
from klientportal.errors import AlreadyExists, FieldError, InvalidInput, NotFound, StaleVersion
from klientportal.reference.chart_of_accounts import get_account, standard_chart
from klientportal.registers import models as m
from klientportal.registers import names
from klientportal.registers.identity import EMPLOYEE_IDENTITY, employee_identity, supplier_identity
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Change, Page, Store
from klientportal.validation.norwegian import birth_date_of, mask_national_id


@dataclass(frozen=True)
class RegisterSpec:
    name: str
    entity: str
    number_field: str
    create: type[BaseModel]
    update: type[m.Patch]
    stored: type[BaseModel]
    read: type[BaseModel]

    def sk(self, number: Any) -> str:
        return keys.register_sk(self.entity, number)


REGISTERS: dict[str, RegisterSpec] = {
    s.name: s
    for s in (
        RegisterSpec(
            names.CUSTOMERS, "customer", "customer_number", m.CustomerCreate, m.CustomerUpdate, m.Customer, m.Customer
        ),
        RegisterSpec(
            names.SUPPLIERS, "supplier", "supplier_number", m.SupplierCreate, m.SupplierUpdate, m.Supplier, m.Supplier
        ),
        RegisterSpec(
            names.PRODUCTS, "product", "product_number", m.ProductCreate, m.ProductUpdate, m.Product, m.Product
        ),
        RegisterSpec(
            names.PROJECTS, "project", "project_number", m.ProjectCreate, m.ProjectUpdate, m.Project, m.Project
        ),
        RegisterSpec(
            names.DEPARTMENTS,
            "department",
            "department_number",
            m.DepartmentCreate,
            m.DepartmentUpdate,
            m.Department,
            m.Department,
        ),
        RegisterSpec(
            names.EMPLOYEES,
            "employee",
            "employee_number",
            m.EmployeeCreate,
            m.EmployeeUpdate,
            m.EmployeeRecord,
            m.Employee,
        ),
    )
}


def _invalid(exc: ValidationError) -> InvalidInput:
    errors = [
        FieldError(".".join(str(p) for p in e["loc"]) or "body", e["msg"])
        for e in exc.errors(include_input=False, include_url=False)
    ]
    return InvalidInput("the change makes the item invalid", errors)


class RegisterService:
    def __init__(self, store: Store, client_id: str) -> None:
        self.store = store
        self.client_id = client_id
        self.pk = keys.client_pk(client_id)

    def _to_stored_data(self, spec: RegisterSpec, item: BaseModel) -> dict[str, Any]:
        data = item.model_dump(mode="json")
        if spec.name == "employees":
            nid = data.pop("national_id")
            data["national_id_ciphertext"] = encrypt_national_id(self.client_id, nid)
            data["national_id_masked"] = mask_national_id(nid)
            data["birth_date"] = birth_date_of(nid).isoformat()
        return data

    def _stored_model(self, spec: RegisterSpec, data: dict[str, Any]) -> BaseModel:
        if spec.name == "employees":
            plain = {
                k: v for k, v in data.items() if k not in ("national_id_ciphertext", "national_id_masked", "birth_date")
            }
            plain["national_id"] = decrypt_national_id(self.client_id, data["national_id_ciphertext"])
            return spec.stored.model_validate(plain)
        return spec.stored.model_validate(data)

    @staticmethod
    def to_read(spec: RegisterSpec, rec: Record) -> dict[str, Any]:
        data = {k: v for k, v in rec.data.items() if k != "national_id_ciphertext"}
        out = spec.read.model_validate(data).model_dump(mode="json")
        return {
            **out,
            "id": rec.sk.split("#", 1)[1],
            "version": rec.version,
            "created_at": rec.created_at,
            "updated_at": rec.updated_at,
        }

    def create(self, spec: RegisterSpec, body: BaseModel, actor: Actor) -> Record:
        stored = spec.stored.model_validate(body.model_dump())
        self._check_references(spec, stored)
        rec = self.new_record(spec, body)
        number = rec.data[spec.number_field]
        claims = self._identities(spec, stored)
        changes = [Change(None, rec, f"{spec.entity}.created")]
        changes += [Change(None, claim, f"{spec.entity}.identity_claimed") for claim in claims]
        try:
            return self.store.write(self.pk, changes, actor)[0]
        except AlreadyExists as exc:
            if self.store.get(rec.pk, rec.sk) is not None:
                raise AlreadyExists(
                    f"{spec.entity} {number} exists already", [FieldError(spec.number_field, "already in use")]
                ) from exc
            raise self._identity_taken(spec, claims) from exc

    def new_record(self, spec: RegisterSpec, body: BaseModel) -> Record:
        """The record `create` would write (for callers writing it in a transaction of their own)."""
        stored = spec.stored.model_validate(body.model_dump())
        return Record(
            self.pk, spec.sk(getattr(stored, spec.number_field)), spec.entity, self._to_stored_data(spec, stored)
        )

    def _identities(self, spec: RegisterSpec, stored: BaseModel) -> list[Record]:
        """The uniqueness items the entry claims beside its number (registers.identity)."""
        if isinstance(stored, m.Supplier):
            claim = supplier_identity(
                self.client_id, stored.supplier_number, stored.orgnr, stored.bank_account or stored.iban
            )
            return [claim] if claim is not None else []
        if isinstance(stored, m.EmployeeRecord):
            return [employee_identity(self.client_id, stored.employee_number, stored.national_id)]
        return []

    def _identity_taken(self, spec: RegisterSpec, claims: list[Record]) -> AlreadyExists:
        holders = [(c, self.store.get(c.pk, c.sk)) for c in claims]
        taken = [(c, h) for c, h in holders if h is not None]
        if not taken:
            return AlreadyExists(f"the {spec.entity} could not be saved; try again")
        claim, holder = taken[0]
        number = holder.data.get(spec.number_field)
        if claim.entity == EMPLOYEE_IDENTITY:
            return AlreadyExists(
                f"employee {number} has this national identity number",
                [FieldError("national_id", "another employee has this number")],
                extra={"employee_number": number},
            )
        field = (
            "orgnr"
            if claim.sk.startswith(keys.SUPPLIER_ORGNR_PREFIX)
            else ("bank_account" if str(claim.data.get("account") or "").isdigit() else "iban")
        )
        what = "organisation number" if field == "orgnr" else "account"
        return AlreadyExists(
            f"supplier {number} has this {what}",
            [FieldError(field, f"another supplier has this {what}")],
            extra={"supplier_number": number},
        )

    def _check_references(self, spec: RegisterSpec, stored: BaseModel) -> None:
        """A project's customer must be a customer of this client (registers have no delete)."""
        customer = getattr(stored, "customer_number", None) if isinstance(stored, m.Project) else None
        if customer is not None and self.store.get(self.pk, REGISTERS[names.CUSTOMERS].sk(customer)) is None:
            raise InvalidInput(
                f"no customer {customer}", [FieldError("customer_number", "not a customer of this client")]
            )

    def get(self, spec: RegisterSpec, item_id: str) -> Record:
        try:
            rec = self.store.get(self.pk, spec.sk(item_id))
        except ValueError:
            rec = None
        if rec is None or rec.entity != spec.entity:
            raise NotFound(f"no {spec.entity} {item_id}")
        return rec

    def list(self, spec: RegisterSpec, limit: int | None, cursor: str | None) -> Page:
        return self.store.query(self.pk, keys.register_prefix(spec.entity), limit=limit, cursor=cursor)

    def update(self, spec: RegisterSpec, item_id: str, version: int, changes: dict[str, Any], actor: Actor) -> Record:
        writes = self.update_changes(spec, item_id, version, changes)
        try:
            return self.store.write(self.pk, writes, actor)[0]
        except AlreadyExists as exc:
            raise self._identity_taken(spec, [w.after for w in writes if w.before is None and w.after]) from exc

    def update_changes(
        self,
        spec: RegisterSpec,
        item_id: str,
        version: int,
        changes: dict[str, Any],
        *,
        account_change_approved: bool = False,
    ) -> builtins.list[Change]:
        """The writes of an update (the item, identity claims released and claimed), for `update` or a
        caller's own transaction. A supplier's bank account changes only through an approved account
        change (payments.supplier_accounts)."""
        rec = self.get(spec, item_id)
        if rec.version != version:
            raise StaleVersion(
                f"the {spec.entity} is at version {rec.version}, you sent {version}; reload and try again",
                extra={"current_version": rec.version},
            )
        current = self._stored_model(spec, rec.data)
        try:
            patch = spec.update.model_validate(changes)
            new = m.apply_update(current, patch)
        except ValidationError as exc:
            raise _invalid(exc) from exc
        if "customer_number" in changes:
            self._check_references(spec, new)
        if isinstance(new, m.Supplier) and not account_change_approved:
            from klientportal.payments.supplier_accounts import refuse_direct_change

            refuse_direct_change(current.model_dump(mode="json"), new.model_dump(mode="json"))
        writes = [Change(rec, replace(rec, data=self._to_stored_data(spec, new)), f"{spec.entity}.updated")]
        old_claims: dict[str, Record] = {}
        new_claims: dict[str, Record] = {}
        if not (isinstance(new, m.EmployeeRecord) and getattr(current, "national_id", None) == new.national_id):
            old_claims = {c.sk: c for c in self._identities(spec, current)}
            new_claims = {c.sk: c for c in self._identities(spec, new)}
        for sk in old_claims.keys() - new_claims.keys():
            held = self.store.get(self.pk, sk)
            if held is not None and held.data.get(spec.number_field) == rec.data[spec.number_field]:
                writes.append(Change(held, None, f"{spec.entity}.identity_released"))
        added = [new_claims[sk] for sk in new_claims.keys() - old_claims.keys()]
        writes += [Change(None, claim, f"{spec.entity}.identity_claimed") for claim in added]
        return writes


class CustomAccount(BaseModel):
    """A client's own account beside the standard chart, mapped to a SAF-T standard account."""

    model_config = {"extra": "forbid", "defer_build": True}
    number: str
    name: str
    type: str
    default_vat_code: str | None = None
    standard_account_id: str


def chart_of_accounts(store: Store, client_id: str) -> list[dict[str, Any]]:
    """The standard chart merged with the client's own accounts, by number."""
    accounts = {
        a.number: {
            "number": a.number,
            "name": a.name,
            "type": str(a.type),
            "default_vat_code": a.default_vat_code,
            "standard_account_id": a.standard_account_id,
            "standard": True,
        }
        for a in standard_chart()
    }
    for rec in store.query_all(keys.client_pk(client_id), keys.ACCOUNT_PREFIX):
        accounts[rec.data["number"]] = {**rec.data, "standard": False}
    return [accounts[k] for k in sorted(accounts)]


def add_account(
    store: Store,
    client_id: str,
    account: CustomAccount,
    actor: Actor,
    known_standard_ids: Callable[[], set[str]] | None = None,
) -> Record:
    if get_account(account.number) is not None:
        raise AlreadyExists(
            f"account {account.number} is a standard account", [FieldError("number", "already in the standard chart")]
        )
    mapped = (known_standard_ids or (lambda: {a.standard_account_id for a in standard_chart()}))()
    if account.standard_account_id not in mapped:
        raise InvalidInput(
            "unknown SAF-T standard account", [FieldError("standard_account_id", "not a standard account of the chart")]
        )
    rec = Record(keys.client_pk(client_id), keys.account_sk(account.number), "account", account.model_dump(mode="json"))
    try:
        return store.create(rec, actor, "account.created")
    except AlreadyExists as exc:
        raise AlreadyExists(f"account {account.number} exists already", [FieldError("number", "in use")]) from exc
