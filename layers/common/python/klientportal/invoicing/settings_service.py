"""Use case: the client's invoice settings (seller profile, KID, numbering start), read and set."""

from __future__ import annotations

from typing import Any

from klientportal.errors import FieldError, NotFound, RuleViolation, StaleVersion
from klientportal.invoicing.context import InvoicingContext
from klientportal.invoicing.settings import InvoiceSettings
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Actor


class InvoiceSettingsService:
    def __init__(self, ctx: InvoicingContext) -> None:
        self.ctx = ctx

    def view(self) -> dict[str, Any]:
        repo = self.ctx.repo
        rec = repo.settings()
        if rec is None:
            raise NotFound("no invoice settings yet")
        counter = repo.counter()
        return {
            **rec.data,
            "version": rec.version,
            "next_number": int(counter.data["next"]) if counter else rec.data["next_number_start"],
        }

    def put(self, body: InvoiceSettings, version: int | None, actor: Actor) -> dict[str, Any]:
        repo = self.ctx.repo
        rec = repo.settings()
        data = body.model_dump(mode="json")
        counter = repo.counter()
        if counter is not None and rec is not None and data["next_number_start"] != rec.data["next_number_start"]:
            raise RuleViolation(
                "the number series has started; next_number_start can no longer change",
                [FieldError("next_number_start", "fixed once an invoice is issued")],
            )
        if rec is None:
            self.ctx.store.create(
                Record(repo.pk, keys.INVOICE_SETTINGS_SK, "invoice_settings", data), actor, "invoice_settings.created"
            )
        else:
            if version is not None and version != rec.version:
                raise StaleVersion(f"the settings are at version {rec.version}, you sent {version}")
            self.ctx.store.replace(rec, data, actor, "invoice_settings.updated")
        return self.view()
