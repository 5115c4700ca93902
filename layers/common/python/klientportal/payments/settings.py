"""A client's payment settings: above `two_approver_threshold` (NOK, the batch total) a payment batch
needs two different approvers. Kept in the client's partition; changed with version and audit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from klientportal.errors import StaleVersion
from klientportal.payments.content import ore_text, to_ore
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Store

DEFAULT_THRESHOLD = Decimal("50000.00")


def settings_view(rec: Record | None) -> dict[str, Any]:
    if rec is None:
        return {"two_approver_threshold": f"{DEFAULT_THRESHOLD:.2f}", "version": 0, "default": True}
    return {**rec.data, "version": rec.version, "default": False, "updated_at": rec.updated_at}


def current(store: Store, client_id: str) -> dict[str, Any]:
    return settings_view(store.get(keys.client_pk(client_id), keys.PAYMENT_SETTINGS_SK))


def threshold_ore(store: Store, client_id: str) -> int:
    return to_ore(current(store, client_id)["two_approver_threshold"])


def put(store: Store, client_id: str, version: int, threshold: Decimal, actor: Actor) -> dict[str, Any]:
    """Set the threshold; `version` is the current version (0 while the default applies)."""
    pk = keys.client_pk(client_id)
    rec = store.get(pk, keys.PAYMENT_SETTINGS_SK)
    have = rec.version if rec else 0
    if have != version:
        raise StaleVersion(
            f"the payment settings are at version {have}, you sent {version}; reload and try again",
            extra={"current_version": have},
        )
    data = {"two_approver_threshold": ore_text(to_ore(threshold))}
    if rec is None:
        saved = store.create(
            Record(pk, keys.PAYMENT_SETTINGS_SK, "payment_settings", data), actor, "payment_settings.set"
        )
    else:
        saved = store.replace(rec, data, actor, "payment_settings.set")
    return settings_view(saved)
