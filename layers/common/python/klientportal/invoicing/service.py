"""The invoicing routine's use cases behind one front for the handlers: settings, drafts, issuing,
renditions, sending and receipts, payments, dunning and debt collection. Each lives in its own
module and works on an `InvoicingContext`; the bank routine uses `payments.Payments` directly.
Each use case is imported and built when a route first asks for it (one invocation serves one route:
the EHF builder, the journal and the dunning rules are not every request's cold start; bench/).

Every state change is one `Store.write` (audited; the audit action is the domain event on the bus:
invoice.issued, invoice.sent, invoice.delivery_failed, invoice.reminded, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

from klientportal.errors import NotFound
from klientportal.invoicing import customer_credit
from klientportal.invoicing.context import InvoicingContext, SettingsMissing
from klientportal.invoicing.delivery import Adapters
from klientportal.invoicing.records import Payment
from klientportal.invoicing.settings import InvoiceSettings, ReminderLaw
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Store

if TYPE_CHECKING:
    from klientportal.adapters.receipts import Receipt
    from klientportal.invoicing.collection import DebtCollection
    from klientportal.invoicing.drafts import Drafts
    from klientportal.invoicing.dunning import Dunning
    from klientportal.invoicing.issuing import Issuing
    from klientportal.invoicing.payments import Payments
    from klientportal.invoicing.renditions import Renditions
    from klientportal.invoicing.sending import Sending

__all__ = ["InvoiceService", "SettingsMissing"]


class InvoiceService:
    def __init__(
        self,
        store: Store,
        client_id: str,
        adapters: Adapters,
        *,
        law: ReminderLaw | None = None,
        today: Callable[[], date] | None = None,
    ) -> None:
        ctx = InvoicingContext(store, client_id, adapters)
        if law is not None:
            ctx.law = law
        if today is not None:
            ctx.today = today
        self.ctx = ctx
        self.store, self.client_id, self.adapters, self.repo, self.files = (
            store,
            client_id,
            adapters,
            ctx.repo,
            ctx.files,
        )

    @cached_property
    def drafts(self) -> Drafts:
        from klientportal.invoicing.drafts import Drafts

        return Drafts(self.ctx)

    @cached_property
    def issuing(self) -> Issuing:
        from klientportal.invoicing.issuing import Issuing

        return Issuing(self.ctx)

    @cached_property
    def renditions(self) -> Renditions:
        from klientportal.invoicing.renditions import Renditions

        return Renditions(self.ctx)

    @cached_property
    def sending(self) -> Sending:
        from klientportal.invoicing.sending import Sending

        return Sending(self.ctx)

    @cached_property
    def payments(self) -> Payments:
        from klientportal.invoicing.payments import Payments

        return Payments(self.ctx)

    @cached_property
    def dunning(self) -> Dunning:
        from klientportal.invoicing.dunning import Dunning

        return Dunning(self.ctx)

    @cached_property
    def collection(self) -> DebtCollection:
        from klientportal.invoicing.collection import DebtCollection

        return DebtCollection(self.ctx)

    def settings_view(self) -> dict[str, Any]:
        from klientportal.invoicing.settings_service import InvoiceSettingsService

        return InvoiceSettingsService(self.ctx).view()

    def put_settings(self, body: InvoiceSettings, version: int | None, actor: Actor) -> dict[str, Any]:
        from klientportal.invoicing.settings_service import InvoiceSettingsService

        return InvoiceSettingsService(self.ctx).put(body, version, actor)

    def create_draft(self, body: dict[str, Any], actor: Actor) -> Record:
        return self.drafts.create(body, actor)

    def update_draft(self, invoice_id: str, version: int, changes: dict[str, Any], actor: Actor) -> Record:
        return self.drafts.update(invoice_id, version, changes, actor)

    def create_credit_note(self, invoice_id: str, body: dict[str, Any], actor: Actor) -> Record:
        return self.drafts.create_credit_note(invoice_id, body, actor)

    def get(self, invoice_id: str) -> Record:
        return self.repo.invoice(invoice_id)

    def issue(self, invoice_id: str, actor: Actor) -> Record:
        return self.issuing.issue(invoice_id, actor)

    def pdf(self, invoice_id: str) -> tuple[Record, bytes]:
        return self.renditions.pdf(invoice_id)

    def ehf(self, invoice_id: str) -> bytes:
        return self.renditions.ehf(invoice_id)

    def send(self, invoice_id: str, actor: Actor, channel: str | None = None) -> Record:
        return self.sending.send(invoice_id, actor, channel)

    def apply_receipt(self, receipt: Receipt, actor: Actor) -> Record | None:
        """A partner's receipt: access point (accepted/rejected), print centre (printed), Svea status."""
        if receipt.source == "svea":
            return self.collection.apply_status(receipt, actor)
        return self.sending.apply_receipt(receipt, actor)

    def register_payment(
        self, invoice_id: str, payment: Payment, actor: Actor, *, ledger_account: str | None = None
    ) -> Record:
        return self.payments.register(invoice_id, payment, actor, ledger_account=ledger_account)

    def register_payment_once(self, invoice_id: str, payment: Payment, actor: Actor) -> tuple[Record, bool]:
        """`register_payment`, and whether this call recorded it (False: a replay, nothing written)."""
        return self.payments.register_once(invoice_id, payment, actor)

    def customer_credit(self, customer_number: int) -> dict[str, Any]:
        if self.repo.customer(customer_number) is None:
            raise NotFound(f"no customer {customer_number}")
        return customer_credit.view(self.repo.customer_credit(customer_number), customer_number)

    def settle_from_credit(
        self,
        customer_number: int,
        *,
        invoice_id: str,
        settlement_id: str,
        amount: Decimal | None,
        version: int,
        actor: Actor,
    ) -> tuple[dict[str, Any], Record, bool]:
        from klientportal.invoicing.credit_settlement import settle

        credit, invoice, new = settle(
            self.ctx,
            customer_number,
            invoice_id=invoice_id,
            settlement_id=settlement_id,
            amount=amount,
            version=version,
            actor=actor,
        )
        return customer_credit.view(credit, customer_number), invoice, new

    def payment_request(self, invoice_id: str, actor: Actor) -> Record:
        return self.dunning.payment_request(invoice_id, actor)

    def remind(self, invoice_id: str, actor: Actor, *, on_demand: bool = True) -> Record:
        return self.dunning.remind(invoice_id, actor, on_demand=on_demand)

    def start_collection(self, invoice_id: str, actor: Actor) -> Record:
        return self.collection.start(invoice_id, actor)
