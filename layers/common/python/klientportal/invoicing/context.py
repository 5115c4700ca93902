"""What every invoicing use case works with: the store, the client, the adapters, the reminder
law and the business date, plus the reads they all need (settings, customer)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from typing import Any

from klientportal import clock
from klientportal.errors import FieldError, InvalidInput, NotFound, RuleViolation
from klientportal.invoicing import lifecycle as lc
from klientportal.invoicing.delivery import Adapters, DocumentFiles
from klientportal.invoicing.repository import InvoiceRepository, with_open_index
from klientportal.invoicing.settings import InvoiceSettings, ReminderLaw
from klientportal.repository.records import Record
from klientportal.repository.store import Store
from klientportal.tenancy.models import Client
from klientportal.tenancy.repository import TenancyRepository


class SettingsMissing(RuleViolation):
    status, slug, title = 409, "invoice-settings-missing", "The client has no invoice settings yet"


def _today() -> date:
    return clock.today_oslo()


@dataclass
class InvoicingContext:
    """Built like every tenant's service (`klientportal.bootstrap`): the store, the client's id and
    the ports. The client itself is read on first use, from the invocation's read cache when the
    API's authorization has read it already."""

    store: Store
    client_id: str
    adapters: Adapters
    law: ReminderLaw = field(default_factory=ReminderLaw.from_env)
    today: Callable[[], date] = _today
    repo: InvoiceRepository = field(init=False)
    files: DocumentFiles = field(init=False)

    def __post_init__(self) -> None:
        self.repo = InvoiceRepository(self.store, self.client_id)
        self.files = DocumentFiles(self.client_id)

    @cached_property
    def client(self) -> Client:
        found = TenancyRepository(self.store).client(self.client_id)
        if found is None:
            raise NotFound(f"no client {self.client_id}")
        return found[0]

    @property
    def pk(self) -> str:
        return self.repo.pk

    def settings(self) -> InvoiceSettings:
        rec = self.repo.settings()
        if rec is None:
            raise SettingsMissing("set the client's invoice settings (PUT /invoice-settings) before issuing")
        return InvoiceSettings.model_validate(rec.data)

    def customer(self, number: int) -> dict[str, Any]:
        customer = self.repo.customer(number)
        if customer is None:
            raise InvalidInput(f"no customer {number}", [FieldError("customer_number", "no such customer")])
        return customer

    def indexed(self, rec: Record, data: dict[str, Any]) -> Record:
        """`rec` with `data`, in the open-invoice index (GSI1) exactly while something is owed on it."""
        return with_open_index(replace(rec, data=data), self.client_id, lc.is_open(data))
