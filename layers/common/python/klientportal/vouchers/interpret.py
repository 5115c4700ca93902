"""Interpretation of a read voucher: which supplier it is from (matched by organisation number or
bank account, created in the register if new), how the client usually codes that supplier, and
whether the same supplier's invoice number was seen before (a possible duplicate).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from klientportal.errors import AlreadyExists
from klientportal.registers import names
from klientportal.registers.identity import supplier_identity
from klientportal.registers.models import SupplierCreate
from klientportal.registers.service import REGISTERS, RegisterService
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Change, Store
from klientportal.vouchers.records import invoice_ref_sk

FIRST_SUPPLIER_NUMBER = 10001
SUPPLIER_ORGNR_MISMATCH = "supplier-orgnr-mismatch"
_SUPPLIERS = REGISTERS[names.SUPPLIERS]


def _digits(text: str | None) -> str:
    return re.sub(r"\D", "", text or "")


def _account_digits(text: str | None) -> str:
    """A Norwegian account from a kontonummer or a NO IBAN (NOkk + 11 digits); other IBANs as is."""
    compact = re.sub(r"[\s.]", "", text or "").upper()
    if compact.startswith("NO") and len(compact) == 15:
        return compact[4:]
    return compact


@dataclass(frozen=True)
class SupplierMatch:
    supplier_number: int
    name: str
    orgnr: str | None
    matched_by: str  # "orgnr" | "bank_account" | "created"
    default_expense_account: str | None
    default_vat_code: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "supplier_number": self.supplier_number,
            "name": self.name,
            "orgnr": self.orgnr,
            "matched_by": self.matched_by,
        }


def _match(rec: Record, how: str) -> SupplierMatch:
    d = rec.data
    return SupplierMatch(
        int(d["supplier_number"]),
        d["name"],
        d.get("orgnr"),
        how,
        d.get("default_expense_account"),
        d.get("default_vat_code"),
    )


class SupplierConflict(Exception):
    """The document's orgnr and its bank account point at different suppliers (0272)."""

    def __init__(self, note: str) -> None:
        super().__init__(note)
        self.note = note


def find_supplier(store: Store, client_id: str, orgnr: str | None, bank_account: str | None) -> SupplierMatch | None:
    """The supplier by orgnr, else by bank account; an account of a supplier with ANOTHER orgnr than the
    document names is no match but a SupplierConflict (an orgnr mismatch wins over an account match)."""
    suppliers = store.query_all(keys.client_pk(client_id), keys.register_prefix(_SUPPLIERS.entity))
    org = _digits(orgnr)
    if len(org) == 9:
        for rec in suppliers:
            if _digits(rec.data.get("orgnr")) == org:
                return _match(rec, "orgnr")
    account = _account_digits(bank_account)
    if account:
        for rec in suppliers:
            if account in (_account_digits(rec.data.get("bank_account")), _account_digits(rec.data.get("iban"))):
                theirs = _digits(rec.data.get("orgnr"))
                if len(org) == 9 and theirs and theirs != org:
                    raise SupplierConflict(
                        f"{SUPPLIER_ORGNR_MISMATCH}: the bank account belongs to supplier "
                        f"{rec.data['supplier_number']} "
                        f"(orgnr {theirs}), the document names orgnr {org}; choose the supplier by hand"
                    )
                return _match(rec, "bank_account")
    return None


def supplier_by_number(store: Store, client_id: str, number: int) -> SupplierMatch | None:
    rec = store.get(keys.client_pk(client_id), _SUPPLIERS.sk(number))
    return _match(rec, "chosen") if rec else None


def match_or_create_supplier(
    store: Store, client_id: str, *, name: str | None, orgnr: str | None, bank_account: str | None, actor: Actor
) -> tuple[SupplierMatch | None, str | None]:
    """The matching supplier, or a new one in the register; (None, why) when neither is possible or the
    orgnr and the account name different suppliers (never silently the account's supplier)."""
    try:
        found = find_supplier(store, client_id, orgnr, bank_account)
    except SupplierConflict as conflict:
        return None, conflict.note
    if found is not None:
        return found, None
    org = _digits(orgnr)
    account = re.sub(r"[\s.]", "", bank_account or "").upper()
    fields: dict[str, Any] = {"name": (name or f"Leverandør {org or account}")[:200]}
    if len(org) == 9:
        fields["orgnr"] = org
    if account.isdigit():
        fields["bank_account"] = account
    elif account:
        fields["iban"] = account
    service = RegisterService(store, client_id)
    for _ in range(5):
        existing = store.query_all(keys.client_pk(client_id), keys.register_prefix(_SUPPLIERS.entity))
        number = max([int(r.data["supplier_number"]) for r in existing] + [FIRST_SUPPLIER_NUMBER - 1]) + 1
        try:
            body = SupplierCreate.model_validate({**fields, "supplier_number": number})
        except ValidationError as exc:
            # an invalid orgnr or account from OCR: retry without the offending field once
            bad = {str(e["loc"][0]) for e in exc.errors() if e.get("loc")}
            if bad & {"orgnr"} and "orgnr" in fields:
                fields.pop("orgnr")
                continue
            return None, "supplier-not-created: " + "; ".join(e["msg"] for e in exc.errors())[:300]
        rec = service.new_record(_SUPPLIERS, body)
        claimed_account = fields.get("bank_account") or fields.get("iban")
        identity = keys.supplier_identity_sk(fields.get("orgnr"), claimed_account)
        changes = [Change(None, rec, "supplier.created")]
        claim = supplier_identity(client_id, number, fields.get("orgnr"), claimed_account)
        if claim is not None:
            changes.append(Change(None, claim, "supplier.identity_claimed"))
        try:
            store.write(keys.client_pk(client_id), changes, actor)
        except AlreadyExists:
            # another ingest created this supplier first (its identity item exists): match the winner;
            # else the supplier number was taken: try the next one
            winner = store.get(keys.client_pk(client_id), identity) if identity else None
            if winner is not None:
                created = store.get(keys.client_pk(client_id), _SUPPLIERS.sk(int(winner.data["supplier_number"])))
                if created is not None:
                    return _match(created, "orgnr" if fields.get("orgnr") else "bank_account"), None
            continue
        return _match(rec, "created"), None
    return None, "supplier-not-created: the supplier numbers kept colliding"


def coding_key(line: dict[str, Any]) -> str:
    return "|".join(str(line.get(k) or "") for k in ("account", "vat_code", "project", "department"))


def suggest_coding(store: Store, client_id: str, supplier: SupplierMatch | None) -> dict[str, Any] | None:
    """Most frequent coding of this supplier's earlier vouchers, else the supplier's defaults."""
    if supplier is None:
        return None
    stats = store.get(keys.client_pk(client_id), keys.coding_stats_sk(supplier.supplier_number))
    counts = Counter({k: int(v) for k, v in (stats.data.get("counts", {}) if stats else {}).items() if int(v) > 0})
    if counts:
        best, seen = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        account, vat_code, project, department = best.split("|")
        return {
            "account": account,
            "vat_code": vat_code or None,
            "project": project or None,
            "department": department or None,
            "source": "history",
            "seen": seen,
        }
    if supplier.default_expense_account:
        return {
            "account": supplier.default_expense_account,
            "vat_code": supplier.default_vat_code,
            "project": None,
            "department": None,
            "source": "supplier-default",
            "seen": 0,
        }
    return None


def coding_stats_change(
    store: Store, client_id: str, supplier_number: int, old_lines: list[dict[str, Any]], new_lines: list[dict[str, Any]]
) -> Change:
    """The change to the supplier's coding statistics when a voucher's coding goes old → new."""
    rec = store.get(keys.client_pk(client_id), keys.coding_stats_sk(supplier_number))
    counts = Counter({k: int(v) for k, v in (rec.data.get("counts", {}) if rec else {}).items()})
    for line in old_lines:
        counts[coding_key(line)] -= 1
    for line in new_lines:
        counts[coding_key(line)] += 1
    data = {"supplier_number": supplier_number, "counts": {k: v for k, v in sorted(counts.items()) if v > 0}}
    if rec is None:
        return Change(
            None,
            Record(keys.client_pk(client_id), keys.coding_stats_sk(supplier_number), "coding_stats", data),
            "voucher.coding_learned",
        )
    return Change(rec, rec.with_data(data), "voucher.coding_learned")


def supplier_key(supplier: SupplierMatch | None, orgnr: str | None, name: str | None) -> str | None:
    if supplier is not None:
        return f"S{supplier.supplier_number}"
    org = _digits(orgnr)
    if len(org) == 9:
        return f"O{org}"
    return None


def duplicate_check(
    store: Store, client_id: str, key: str | None, invoice_number: str | None, voucher_id: str
) -> tuple[str | None, Change | None]:
    """(voucher id this duplicates, or None; the change registering this voucher's reference, or None)."""
    if not key or not invoice_number:
        return None, None
    sk = invoice_ref_sk(key, invoice_number)
    rec = store.get(keys.client_pk(client_id), sk)
    if rec is not None:
        first = rec.data["voucher_id"]
        return (first if first != voucher_id else None), None
    data = {"voucher_id": voucher_id, "invoice_number": invoice_number, "supplier_key": key}
    return None, Change(
        None, Record(keys.client_pk(client_id), sk, "invoice_ref", data), "voucher.reference_registered"
    )
