"""The composition root: everything one invocation works with, built in one place.

`invocation()` is called once per Lambda event (the API's authorization step, each queue record
batch, each schedule run). It holds the settings, ONE Store with the invocation's read cache (an
item read or written once is not read again in the same invocation; never kept across
invocations, decision 0406), the adapters and the services, each made on first use. Services of
one tenant are built alike: `<service>(store, client_id, ...ports)`. API routes get them through
powertools' `Depends` (see `klientportal.api.app`); queue and schedule handlers call the
factories directly. The service modules are imported when first asked for, so a handler module
imports only what its own routes need (cold start, bench/).

`store()` and `tenancy_service()` are for tools, the local stack and tests: a Store without the
read cache, safe to keep for a long time.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from klientportal import aws
from klientportal.repository.store import Store
from klientportal.settings import Settings, settings

if TYPE_CHECKING:
    from klientportal.bank.sending import BatchSender
    from klientportal.bank.service import BankService
    from klientportal.billing.service import BillingService
    from klientportal.invoicing.delivery import Adapters
    from klientportal.invoicing.service import InvoiceService
    from klientportal.ledger.service import LedgerService
    from klientportal.payments.batches import PaymentBatchService
    from klientportal.payments.supplier_accounts import SupplierAccountChanges
    from klientportal.payroll.service import PayrollService
    from klientportal.registers.service import RegisterService
    from klientportal.repository.audit_anchors import AnchorStore
    from klientportal.tenancy.models import Client
    from klientportal.tenancy.service import TenancyService
    from klientportal.vouchers.intake import VoucherIntake
    from klientportal.vouchers.ocr import OcrEngine
    from klientportal.vouchers.payments import PaymentProposalService
    from klientportal.vouchers.workflow import VoucherService

_ocr_engines: dict[tuple[str, str], OcrEngine] = {}


class Invocation:
    """The store, adapters and services of one invocation (one event)."""

    def __init__(self, config: Settings, store: Store) -> None:
        self.settings = config
        self.store = store

    @cached_property
    def tenancy(self) -> TenancyService:
        return _tenancy(self.store, self.settings)

    def client(self, client_id: str) -> Client:
        """The client (read once per invocation; the API's authorization has read it already)."""
        from klientportal.errors import NotFound

        found = self.tenancy.repo.client(client_id)
        if found is None:
            raise NotFound(f"no client {client_id}")
        return found[0]

    @cached_property
    def delivery(self) -> Adapters:
        from klientportal.invoicing.delivery import adapters

        return adapters(self.settings.delivery_mode)

    def invoices(self, client_id: str) -> InvoiceService:
        from klientportal.invoicing.service import InvoiceService

        return InvoiceService(self.store, client_id, self.delivery)

    def vouchers(self, client_id: str) -> VoucherService:
        from klientportal.vouchers.workflow import VoucherService

        return VoucherService(self.store, client_id)

    def payment_proposals(self, client_id: str) -> PaymentProposalService:
        from klientportal.vouchers.payments import PaymentProposalService

        return PaymentProposalService(self.store, client_id)

    def registers(self, client_id: str) -> RegisterService:
        from klientportal.registers.service import RegisterService

        return RegisterService(self.store, client_id)

    def voucher_intake(self) -> VoucherIntake:
        from klientportal.vouchers.intake import VoucherIntake

        s = self.settings
        return VoucherIntake(
            self.store,
            self.s3,
            vouchers_bucket=s.vouchers_bucket,
            documents_bucket=s.documents_bucket,
            inbox_domain=s.inbox_domain,
            ocr=_ocr_engine(s.ocr_engine, s.inbound_bucket),
            ocr_kind=s.ocr_engine,
        )

    def audit_anchors(self) -> AnchorStore:
        """The audit chains' anchors in the Object-Lock bucket (decision 0018)."""
        from klientportal.repository.audit_anchors import AnchorStore

        return AnchorStore(self.s3, self.settings.vouchers_bucket)

    def payment_batches(self, client_id: str) -> PaymentBatchService:
        from klientportal.payments.batches import PaymentBatchService
        from klientportal.payments.workflow import approval_workflow

        return PaymentBatchService(self.store, client_id, approval_workflow(self.store, client_id))

    def supplier_account_changes(self, client_id: str) -> SupplierAccountChanges:
        from klientportal.payments.supplier_accounts import SupplierAccountChanges

        return SupplierAccountChanges(self.store, client_id)

    def bank(self, client_id: str) -> BankService:
        """The bank routine of one client: originals in the Object-Lock bucket, uploads from the inbound one."""
        from klientportal.bank.service import BankService

        s = self.settings
        return BankService(
            self.store,
            client_id,
            self.delivery,
            s3=self.s3,
            originals_bucket=s.vouchers_bucket,
            inbound_bucket=s.inbound_bucket,
            sqs=aws.client("sqs"),
            queue_name=s.bank_imports_queue,
        )

    @property
    def s3(self) -> Any:
        return aws.client("s3")

    @property
    def events(self) -> Any:
        return aws.client("events")

    def billing(self) -> BillingService:
        """Usage, price lists, agreements, the monthly run and re-invoicing (klientportal/billing)."""
        from klientportal.billing.service import BillingService, StatementFiles

        return BillingService(self.store, StatementFiles(self.settings.documents_bucket), self.invoices)

    def bank_sender(self, client_id: str) -> BatchSender:
        """Outgoing payments of one client: pain.001 files in the documents bucket, the bank channel
        (locally the simulator that answers as the bank)."""
        from klientportal.bank.answers import answering_channel
        from klientportal.bank.sending import BatchSender

        channel = answering_channel(self.settings.delivery_mode)
        return BatchSender(self.store, self.s3, self.settings.documents_bucket, channel, client_id)


def invocation() -> Invocation:
    """A fresh composition for one event: settings read now, a Store with an empty read cache."""
    config = settings()
    return Invocation(config, Store(aws.client("dynamodb"), config.main_table, cache=True))


def store() -> Store:
    """A Store without the per-invocation read cache (tools, local stack, tests)."""
    return Store(aws.client("dynamodb"), settings().main_table)


def tenancy_service(st: Store | None = None) -> TenancyService:
    """The tenancy service over `st` (default: an uncached Store), for tools and tests."""
    return _tenancy(st or store(), settings())


def _tenancy(st: Store, config: Settings) -> TenancyService:
    from klientportal.adapters.identity import user_directory
    from klientportal.tenancy.repository import TenancyRepository
    from klientportal.tenancy.service import TenancyService

    return TenancyService(TenancyRepository(st), user_directory(config.identity_provider, config.user_pool_id))


def _ocr_engine(kind: str, staging_bucket: str) -> OcrEngine:
    """The OCR engine, kept per process: it holds no tenant data, only its AWS client."""
    if (kind, staging_bucket) not in _ocr_engines:
        from klientportal.vouchers.intake import default_ocr_engine

        _ocr_engines[(kind, staging_bucket)] = default_ocr_engine(kind, staging_bucket)
    return _ocr_engines[(kind, staging_bucket)]


def attestation_tasks(inv: Invocation, client_id: str) -> Any:
    """The attestation workflow's tasks for one client (h-wf, 0501): notices go out by e-mail."""
    from klientportal.vouchers.attestation_flow import AttestationTasks

    return AttestationTasks(inv.store, client_id, mailer=inv.delivery.email, sender=inv.settings.invoice_from_address)


# Payroll (issue 11, h-payroll) -------------------------------------------------------------------
_payroll_adapters: dict[str, tuple[Any, Any]] = {}


def payroll_adapters(mode: str) -> tuple[Any, Any]:
    """(tax cards, a-melding submission): the real shapes when `mode` is "aws", else the simulators,
    kept per process because they remember what they answered, as the real services do."""
    if mode not in _payroll_adapters:
        if mode == "aws":
            from klientportal.adapters.amelding_submission import HttpInnrapportering
            from klientportal.adapters.skattekort import HttpSkattekort

            _payroll_adapters[mode] = (HttpSkattekort(), HttpInnrapportering())
        else:
            from klientportal.adapters.amelding_submission import SimulatedInnrapportering
            from klientportal.adapters.skattekort import SimulatedSkattekort

            _payroll_adapters[mode] = (SimulatedSkattekort(), SimulatedInnrapportering())
    return _payroll_adapters[mode]


def payroll(inv: Invocation, client_id: str) -> PayrollService:
    from klientportal.payments.workflow import approval_workflow
    from klientportal.payroll.approval_workflow import RunWorkflow
    from klientportal.payroll.service import PayrollService

    mode = inv.settings.delivery_mode
    workflow = approval_workflow(inv.store, client_id)  # the salary payments' batch (h-payroll2)
    run_workflow = RunWorkflow.from_env(inv.store, client_id)  # the run's approval (h-payflow, 0930)
    return PayrollService(inv.store, inv.client(client_id), lambda: payroll_adapters(mode), workflow, run_workflow)


def ledger_service(inv: Invocation, client_id: str) -> LedgerService:
    """The client's ledger (reads, statements, periods) over the invocation's Store."""
    from klientportal.ledger.service import LedgerService

    return LedgerService(inv.store, client_id)
