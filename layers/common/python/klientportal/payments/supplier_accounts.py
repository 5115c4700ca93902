"""Changes of a supplier's bank account, approved by a second person (a common fraud path: "we have
a new account, please pay there").

A supplier's account (bank_account, iban, bic) is not changed by editing the supplier: the change is
requested (`request`), waits as the supplier's one pending change, and is applied to the register only
when a person other than the requester approves it (`approve`), in one transaction with the decision;
`reject` closes it. Until then a payment batch refuses a voucher that pays anything but the
supplier's approved account (`account_refusal`). Every step is audited. A two-person rule in the
domain, not a workflow: there is nothing to wait for but the decision (decision 0522).

Items in the client's partition: SUPPLIERACCOUNTCHANGE#<supplier number, 9 digits> while pending
(its key makes it one per supplier), SUPPLIERACCOUNTCHANGE#<number>#<change id> once decided.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from klientportal import clock
from klientportal.errors import AlreadyExists, FieldError, InvalidInput, NotFound, RuleViolation
from klientportal.payments.content import account_text
from klientportal.registers import names
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Change, Store

ACCOUNT_FIELDS = ("bank_account", "iban", "bic")


class AccountChangeNeedsApproval(RuleViolation):
    slug, title = "supplier-account-change-needs-approval", "A supplier's bank account changes only with approval"


class SameApprover(RuleViolation):
    status = 403
    slug, title = "account-change-same-person", "A second person must approve the account change"


def _pending_sk(supplier_number: int) -> str:
    return keys.supplier_account_change_sk(f"{supplier_number:09d}")


def _decided_sk(supplier_number: int, change_id: str) -> str:
    return keys.supplier_account_change_sk(f"{supplier_number:09d}") + f"#{change_id}"


def account_of(data: Mapping[str, Any]) -> dict[str, Any]:
    return {f: data.get(f) for f in ACCOUNT_FIELDS}


def accounts_paid(data: Mapping[str, Any]) -> set[str]:
    """The creditor accounts ("bban:…", "iban:…") that pay the supplier whose account is `data`."""
    out = set()
    if data.get("bank_account"):
        out.add(f"bban:{data['bank_account']}")
    iban = data.get("iban")
    if iban:
        out.add(f"iban:{iban}")
        if str(iban).startswith("NO"):
            out.add(f"bban:{str(iban)[4:]}")
    return out


def refuse_direct_change(current: Mapping[str, Any], new: Mapping[str, Any]) -> None:
    """A supplier edit that would change the account: refused, pointing to the approval route."""
    changed = [f for f in ACCOUNT_FIELDS if (current.get(f) or None) != (new.get(f) or None)]
    if changed:
        raise AccountChangeNeedsApproval(
            "a supplier's bank account is changed by requesting the change "
            "(POST /clients/{client_id}/suppliers/{item_id}/account-change); a second person approves it",
            [FieldError(f, "changes only with a second person's approval") for f in changed],
        )


def pending_by_supplier(store: Store, client_id: str) -> dict[int, dict[str, Any]]:
    """The pending changes of the client, by supplier number."""
    return {
        int(r.data["supplier_number"]): r.data
        for r in store.query_all(keys.client_pk(client_id), keys.SUPPLIER_ACCOUNT_CHANGE_PREFIX)
        if r.data.get("status") == "pending"
    }


def account_refusal(
    supplier: Mapping[str, Any], account: Mapping[str, str], pending: Mapping[str, Any] | None
) -> str | None:
    """Why a payment to `account` of this supplier is refused, or None when it is the approved account."""
    paid = account_text(account)
    if paid in accounts_paid(supplier):
        return None
    number = supplier.get("supplier_number")
    if pending is not None and paid in accounts_paid(pending["new_account"]):
        return (
            f"{paid} is supplier {number}'s new account, which waits for a second person's approval "
            f"(change {pending['change_id']} requested by {pending['requested_by'].get('email') or 'someone'})"
        )
    return (
        f"{paid} is not supplier {number}'s account in the register; request an account change for the "
        "supplier (a second person approves it) or correct the voucher"
    )


def _view(rec: Record) -> dict[str, Any]:
    return {**rec.data, "version": rec.version, "created_at": rec.created_at, "updated_at": rec.updated_at}


class SupplierAccountChanges:
    def __init__(self, store: Store, client_id: str) -> None:
        from klientportal.registers.service import REGISTERS, RegisterService

        self.store, self.client_id = store, client_id
        self.pk = keys.client_pk(client_id)
        self.registers = RegisterService(store, client_id)
        self.spec = REGISTERS[names.SUPPLIERS]

    def pending(self, supplier_number: int) -> dict[str, Any]:
        rec = self.store.get(self.pk, _pending_sk(supplier_number))
        if rec is None:
            raise NotFound(f"supplier {supplier_number} has no pending account change")
        return _view(rec)

    def history(self, supplier_number: int) -> list[dict[str, Any]]:
        prefix = _pending_sk(supplier_number)
        return [_view(r) for r in self.store.query_all(self.pk, prefix)]

    def request(self, supplier_number: int, to: dict[str, Any], reason: str | None, actor: Actor) -> dict[str, Any]:
        supplier = self.registers.get(self.spec, str(supplier_number))
        current = account_of(supplier.data)
        target = {f: to.get(f) for f in ACCOUNT_FIELDS}
        if not target["bank_account"] and not target["iban"]:
            raise InvalidInput(
                "the new account needs a bank account number or an IBAN",
                [FieldError("bank_account", "a bank account number or an IBAN is required")],
            )
        if target == current:
            raise RuleViolation("that is the supplier's account already")
        try:  # the supplier as it would be: the register's own rules (IBAN holds the BBAN, BIC with IBAN)
            self.spec.stored.model_validate({**supplier.data, **target})
        except Exception as exc:
            errors = getattr(exc, "errors", None)
            raise InvalidInput(
                "the new account is not valid for the supplier",
                [FieldError(".".join(str(p) for p in e["loc"]) or "body", e["msg"]) for e in errors()]
                if callable(errors)
                else [],
            ) from exc
        change_id = "ac-" + uuid.uuid4().hex[:12]
        data = {
            "change_id": change_id,
            "supplier_number": supplier_number,
            "supplier_name": supplier.data.get("name"),
            "status": "pending",
            "current_account": current,
            "new_account": target,
            "reason": reason,
            "requested_by": {"sub": actor.sub, "email": actor.email},
            "requested_at": clock.iso(clock.now()),
        }
        rec = Record(self.pk, _pending_sk(supplier_number), "supplier_account_change", data)
        try:
            saved = self.store.write(self.pk, [Change(None, rec, "supplier.account_change_requested")], actor)[0]
        except AlreadyExists as exc:
            raise AlreadyExists(
                f"supplier {supplier_number} has a pending account change; approve or reject it first",
                extra={"change_id": (self.store.get(self.pk, rec.sk) or rec).data.get("change_id")},
            ) from exc
        return _view(saved)

    def _decide(self, supplier_number: int, change_id: str, actor: Actor) -> Record:
        rec = self.store.get(self.pk, _pending_sk(supplier_number))
        if rec is None or rec.data["change_id"] != change_id:
            raise NotFound(f"no pending account change {change_id} of supplier {supplier_number}")
        return rec

    def approve(self, supplier_number: int, change_id: str, actor: Actor, comment: str | None) -> dict[str, Any]:
        """Apply the change to the register: by anyone but its requester, in one transaction."""
        rec = self._decide(supplier_number, change_id, actor)
        if rec.data["requested_by"]["sub"] == actor.sub:
            raise SameApprover("you requested this change; another person must approve it")
        supplier = self.registers.get(self.spec, str(supplier_number))
        if account_of(supplier.data) != rec.data["current_account"]:
            raise RuleViolation(
                "the supplier's account is no longer the one this change was requested from; reject it and request anew"
            )
        writes = self.registers.update_changes(
            self.spec,
            str(supplier_number),
            supplier.version,
            dict(rec.data["new_account"]),
            account_change_approved=True,
        )
        decided = self._decided(rec, "approved", actor, comment)
        self.store.write(
            self.pk,
            [
                *writes,
                Change(rec, None, "supplier.account_change_approved"),
                Change(None, decided, "supplier.account_change_decided"),
            ],
            actor,
        )
        return _view(self.store.get(self.pk, decided.sk) or decided)

    def reject(self, supplier_number: int, change_id: str, actor: Actor, comment: str | None) -> dict[str, Any]:
        rec = self._decide(supplier_number, change_id, actor)
        decided = self._decided(rec, "rejected", actor, comment)
        self.store.write(
            self.pk,
            [
                Change(rec, None, "supplier.account_change_rejected"),
                Change(None, decided, "supplier.account_change_decided"),
            ],
            actor,
        )
        return _view(self.store.get(self.pk, decided.sk) or decided)

    def _decided(self, rec: Record, status: str, actor: Actor, comment: str | None) -> Record:
        data = {
            **rec.data,
            "status": status,
            "decided_by": {"sub": actor.sub, "email": actor.email},
            "decided_at": clock.iso(clock.now()),
            "comment": comment,
        }
        return replace(
            rec, sk=_decided_sk(int(rec.data["supplier_number"]), rec.data["change_id"]), data=data, version=0
        )
