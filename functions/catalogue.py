"""THE catalogue of Klientportal's functions, routes, triggers and resources.

Pure data, no AWS or CDK import. The CDK app (infra/) and the local runner (infra/local) both
build everything from this module, and tests check that handlers, routes and the template agree.
Entries are `NamedTuple`s: immutable records (mappings in them are read-only) that cost a tenth of a
frozen dataclass to define, and every handler imports this module at its cold start (bench/README.md).
A changed copy is `entry._replace(field=value)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from klientportal.billing.transactions import BILLABLE_ACTIONS
from klientportal.registers import names

SECOND = 1
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
MEGABYTE = 1


class Route(NamedTuple):
    """An HTTP API route; `action` is the policy action that guards it (None: public)."""

    method: str
    path: str
    action: str | None

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


class Access(NamedTuple):
    """A permission of a function on a catalogue resource: kind:name and read/write."""

    resource: str
    write: bool = False


class QueueTrigger(NamedTuple):
    queue: str
    batch_size: int = 10


class StreamMapping(NamedTuple):
    """How Lambda's event source mapping feeds each `table_stream` function (the local stream pump
    does the same): batches in stream order per shard; a batch that raises is bisected, a record
    reported failed is retried from there, at most `retry_attempts` times; then the batch's shard
    and sequence range go to the function's on-failure queue (`stream_failure_queue`) and the
    mapping moves on. Records older than `max_record_age_s` go there without being processed."""

    batch_size: int = 100
    retry_attempts: int = 3
    max_record_age_s: int = 24 * HOUR
    bisect_on_error: bool = True


STREAM_MAPPING = StreamMapping()


class Schedule(NamedTuple):
    """An EventBridge schedule; the local runner fires it on demand (moto fires no cron rules)."""

    name: str
    expression: str
    payload: Mapping[str, Any] = MappingProxyType({})


class Function(NamedTuple):
    name: str
    handler: str
    description: str
    routes: tuple[Route, ...] = ()
    queues: tuple[QueueTrigger, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    table_stream: bool = False
    access: tuple[Access, ...] = ()
    memory_mb: int = 512 * MEGABYTE
    timeout_s: int = 15 * SECOND
    extra_layers: tuple[str, ...] = ()  # layers beyond common + deps: "xslt" (saxonche), "pdf" (fpdf2)

    @property
    def module(self) -> str:
        return self.handler.rsplit(".", 1)[0]


class StateMachine(NamedTuple):
    """A Step Functions state machine. Its ASL is `definition` (a path from the repository root)
    with `${Placeholder}`s: each of `tasks` names the catalogue function a Lambda task invokes (its
    ARN is put in), each of `resources` a catalogue resource ("queue:payment-batches-outgoing"; its
    deployed name, URL or ARN is put in). The CDK app grants the machine's role exactly these; the
    functions that start executions or answer task tokens name it in their `access`
    (Access("statemachine:<name>", write=True)). `timeout_s` bounds a whole execution."""

    name: str
    definition: str
    description: str
    tasks: Mapping[str, str] = MappingProxyType({})
    resources: Mapping[str, str] = MappingProxyType({})
    timeout_s: int = 90 * 24 * HOUR


class GlobalIndex(NamedTuple):
    name: str
    pk: str
    sk: str


class Table(NamedTuple):
    name: str
    pk: str
    sk: str | None
    indexes: tuple[GlobalIndex, ...] = ()
    stream: bool = False
    ttl_attribute: str | None = None


class S3Notification(NamedTuple):
    """S3 ObjectCreated under `prefix` → a message on the catalogue queue `queue` (S3 → SQS)."""

    prefix: str
    queue: str


class Bucket(NamedTuple):
    name: str
    purpose: str
    object_lock_years: int | None = None
    notifications: tuple[S3Notification, ...] = ()


class MailReceipt(NamedTuple):
    """An SES receipt rule: mail to any address at <subdomain>.<mail domain> is written as raw MIME
    to `bucket` under `prefix`. The mail domain is deployment configuration; functions that need the
    recipient domain get it through Access("mail:<name>")."""

    name: str
    subdomain: str
    bucket: str
    prefix: str


class Queue(NamedTuple):
    name: str
    visibility_timeout_s: int = 90 * SECOND
    max_receive_count: int = 5


class EventRule(NamedTuple):
    """An EventBridge rule on the domain bus delivering domain events to the catalogue queue `queue`.

    The message body is the whole EventBridge event (`detail-type` = the audit action, `detail` as
    klientportal/events.py builds it); `klientportal.events.domain_event_from_rule_message` reads it.
    `detail_types` filters by audit action (empty: every domain event). Delivery failures the bus
    cannot recover from go to the rule target's DLQ; the queue's own redrive DLQ catches what the
    consumer keeps failing. The consumer is a function with a QueueTrigger on `queue`, idempotent
    per `detail.id` (EventBridge and SQS both deliver at least once).
    """

    name: str
    queue: str
    detail_types: tuple[str, ...] = ()

    @property
    def event_pattern(self) -> dict[str, Any]:
        """The rule's EventBridge pattern, the same in AWS and locally."""
        pattern: dict[str, Any] = {"source": [DOMAIN_EVENT_SOURCE]}
        if self.detail_types:
            pattern["detail-type"] = list(self.detail_types)
        return pattern


class EncryptionKey(NamedTuple):
    """A KMS key: `encrypt` (symmetric, envelope encryption) or `hmac` (HMAC_256, GenerateMac only)."""

    name: str
    purpose: str
    usage: str = "encrypt"


class Secret(NamedTuple):
    """A generated deployment secret (Secrets Manager); locally a fixed value that is clearly not secret."""

    name: str
    purpose: str


MAIN_TABLE = Table(
    name="main",
    pk="PK",
    sk="SK",
    indexes=(GlobalIndex("GSI1", "GSI1PK", "GSI1SK"),),
    stream=True,
)
IDEMPOTENCY_TABLE = Table(name="idempotency", pk="id", sk=None, ttl_attribute="expiration")

TABLES: tuple[Table, ...] = (MAIN_TABLE, IDEMPOTENCY_TABLE)
BUCKETS: tuple[Bucket, ...] = (
    Bucket("vouchers", "voucher originals (bilag), kept unaltered", object_lock_years=5),
    Bucket("documents", "generated documents: invoice PDFs, reports"),
    Bucket(
        "inbound",
        "raw intake: e-mail from SES (mail/), portal uploads (upload/<client>/), "
        "inbound EHF from the access point (ehf/<client>/); originals are copied to vouchers",
        notifications=(
            S3Notification("mail/", "ingest"),
            S3Notification("upload/", "ingest"),
            S3Notification("ehf/", "ingest"),
            S3Notification("bank/", "bank-imports"),
        ),
    ),
)
QUEUES: tuple[Queue, ...] = (
    Queue("ingest", visibility_timeout_s=30 * MINUTE, max_receive_count=3),
    Queue("invoice-receipts", visibility_timeout_s=2 * MINUTE, max_receive_count=5),
    Queue("billing-usage", visibility_timeout_s=2 * MINUTE, max_receive_count=5),  # billable domain events
    # sync (docs/sync.md): event-rule queues of the webhooks and the overview, and the delivery attempts
    Queue("webhook-events", visibility_timeout_s=3 * MINUTE, max_receive_count=5),
    Queue("webhook-deliveries", visibility_timeout_s=3 * MINUTE, max_receive_count=10),
    Queue("overview-events", visibility_timeout_s=2 * MINUTE, max_receive_count=5),
    # approved payment batches for the bank routine: {"client_id", "batch_id", "content_hash"} (contract 4)
    Queue("payment-batches-outgoing", visibility_timeout_s=5 * MINUTE, max_receive_count=5),
    Queue("bank-imports", visibility_timeout_s=15 * MINUTE, max_receive_count=5),
)
MAIL_RECEIPTS: tuple[MailReceipt, ...] = (MailReceipt("vouchers", subdomain="bilag", bucket="inbound", prefix="mail/"),)
EVENT_BUS = "domain"
DOMAIN_EVENT_SOURCE = "klientportal"  # klientportal.events.SOURCE: the Source of every domain event
EVENT_RULES: tuple[EventRule, ...] = (
    # sync: every domain event, to the webhook fan-out and to the overview's counters
    EventRule("webhooks", "webhook-events"),
    EventRule("overview", "overview-events"),
    # billing: the billable audit actions (contract 5) to the usage meter
    EventRule("billing-usage", "billing-usage", detail_types=BILLABLE_ACTIONS),
)
KEYS: tuple[EncryptionKey, ...] = (
    EncryptionKey("personal-data", "envelope for national identity numbers (fødselsnummer)"),
    EncryptionKey(
        "personal-id-hash", "keyed hash of national identity numbers (uniqueness without the number)", usage="hmac"
    ),
    EncryptionKey("webhook-secrets", "envelope for webhook signing secrets (sync)"),
)
SECRETS: tuple[Secret, ...] = (Secret("cursor-signing", "HMAC key signing pagination cursors"),)

# ---- workflows (Step Functions; docs/workflows.md) ------------------------------------------------
STATE_MACHINES: tuple[StateMachine, ...] = (
    StateMachine(
        name="attestation",
        definition="functions/workflows/attestation.asl.json",
        description="Attestation of a voucher: each step of its chain a human task (reminder, escalation, "
        "expiry); approved when every step approved, returned to the client on a rejection",
        tasks={"AttestationTasks": "attestation-tasks"},
    ),
    StateMachine(
        name="payment-approval",
        definition="functions/workflows/payment-approval.asl.json",
        description="Approval of a payment batch (step-up, four eyes, bound to the content hash) as a human "
        "task with expiry; the approved batch handed to the bank routine's queue; the bank's status awaited",
        tasks={"PaymentTasks": "payment-tasks"},
        resources={"PaymentBatchesOutgoing": "queue:payment-batches-outgoing"},
        timeout_s=30 * 24 * HOUR,
    ),
    # payroll (h-payflow, decision 0930): the run's approval, then its booking, payslips and payment batch
    StateMachine(
        name="payroll-approval",
        definition="functions/workflows/payroll-approval.asl.json",
        description="Approval of a payroll run (step-up) as a human task with expiry; on approval the run "
        "booked in series lonn, its payslips issued and its payment batch made, each once; a rejection returns it",
        tasks={"PayrollTasks": "payroll-tasks"},
        timeout_s=30 * 24 * HOUR,
    ),
)

_READ_TABLE = Access("table:main")
_WRITE_TABLE = Access("table:main", write=True)
_IDEMPOTENCY = Access("table:idempotency", write=True)
_PERSONAL_KEY = Access("key:personal-data", write=True)
_PERSONAL_ID_HASH = Access("key:personal-id-hash", write=True)  # kms:GenerateMac
_CURSORS = Access("secret:cursor-signing")
_USER_DIRECTORY = Access("userpool:users", write=True)
_SEND_EMAIL = Access("email:outbound", write=True)  # the sender address; SendRawEmail from its domain


def _register_routes() -> tuple[Route, ...]:
    routes: list[Route] = []
    for register in names.REGISTERS:
        base = f"/clients/{{client_id}}/{register}"
        routes += [
            Route("GET", base, f"registers.{register}.read"),
            Route("POST", base, f"registers.{register}.write"),
            Route("GET", base + "/{item_id}", f"registers.{register}.read"),
            Route("PATCH", base + "/{item_id}", f"registers.{register}.write"),
        ]
    routes += [
        Route("GET", "/clients/{client_id}/accounts", "registers.accounts.read"),
        Route("POST", "/clients/{client_id}/accounts", "registers.accounts.write"),
        Route("GET", "/clients/{client_id}/vat-codes", "registers.accounts.read"),
    ]
    return tuple(routes)


def _voucher_routes() -> tuple[Route, ...]:
    client = "/clients/{client_id}"
    one = client + "/vouchers/{voucher_id}"
    return (
        Route("GET", client + "/voucher-inbox", "vouchers.read"),
        Route("PUT", client + "/voucher-inbox", "vouchers.inbox.write"),
        Route("POST", client + "/voucher-uploads", "vouchers.upload"),
        Route("GET", client + "/vouchers", "vouchers.read"),
        Route("GET", client + "/voucher-quarantine", "vouchers.read"),
        Route("GET", one, "vouchers.read"),
        Route("GET", one + "/preview", "vouchers.read"),
        Route("PATCH", one, "vouchers.write"),
        Route("PUT", one + "/coding", "vouchers.write"),
        Route("POST", one + "/attestation", "vouchers.write"),
        Route("POST", one + "/approval", "vouchers.approve"),
        Route("POST", one + "/payment", "vouchers.write"),
        Route("POST", one + "/validation-override", "vouchers.approve"),
        Route("POST", one + "/correction-request", "vouchers.write"),
        Route("GET", client + "/attestations", "vouchers.attestation.read"),
        Route("GET", client + "/attestations/{attestation_id}", "vouchers.attestation.read"),
        Route("GET", client + "/attestations/{attestation_id}/preview", "vouchers.attestation.read"),
        Route("POST", client + "/attestations/{attestation_id}/decision", "vouchers.attestation.decide"),
        Route("GET", client + "/attestation-rules", "vouchers.attestation.rules.read"),
        Route("PUT", client + "/attestation-rules", "vouchers.attestation.rules.write"),
        Route("GET", "/me/attestations", "me.attestations.read"),
        Route("GET", one + "/attestation", "vouchers.read"),
        Route("POST", one + "/booking", "vouchers.book"),
        Route("POST", one + "/return", "vouchers.return"),
        Route("GET", "/bureau/voucher-queue", "vouchers.bureau.queue"),
        Route("GET", client + "/payment-proposal", "vouchers.payment.read"),
        Route("POST", client + "/payment-proposal/vouchers", "vouchers.payment.write"),
        Route("DELETE", client + "/payment-proposal/vouchers/{voucher_id}", "vouchers.payment.write"),
    )


def _sync_routes() -> tuple[Route, ...]:
    client = "/clients/{client_id}"
    routes = [
        Route("GET", client + "/changes", "sync.changes.read"),
        Route("GET", "/bureau/overview", "sync.overview.read"),
    ]
    routes += [
        Route("PUT", client + "/sync/master-data/{kind}/{external_id}", "sync.push"),
        Route("PUT", client + "/sync/journal-entries/{external_id}", "sync.push"),
        Route("PUT", client + "/sync/payments/{external_id}", "sync.push"),
    ]
    questions = client + "/questions"
    routes += [
        Route("POST", questions, "sync.questions.write"),
        Route("GET", questions, "sync.questions.read"),
        Route("GET", questions + "/{question_id}", "sync.questions.read"),
        Route("POST", questions + "/{question_id}/messages", "sync.questions.write"),
        Route("POST", questions + "/{question_id}/close", "sync.questions.write"),
        Route("GET", questions + "/{question_id}/attachments/{index}", "sync.questions.read"),
        Route("POST", client + "/question-uploads", "sync.questions.write"),
    ]
    for base, scope in ((client + "/webhooks", "sync.webhooks"), ("/bureau/webhooks", "sync.bureau_webhooks")):
        one = base + "/{webhook_id}"
        routes += [
            Route("GET", base, f"{scope}.read"),
            Route("POST", base, f"{scope}.write"),
            Route("GET", one, f"{scope}.read"),
            Route("PATCH", one, f"{scope}.write"),
            Route("DELETE", one, f"{scope}.write"),
            Route("POST", one + "/secret-rotation", f"{scope}.write"),
            Route("GET", one + "/deliveries", f"{scope}.read"),
            Route("GET", one + "/dead-letters", f"{scope}.read"),
            Route("POST", one + "/deliveries/{delivery_id}/redelivery", f"{scope}.write"),
        ]
    return tuple(routes)


def _invoicing_routes() -> tuple[Route, ...]:
    client = "/clients/{client_id}"
    one = client + "/invoices/{invoice_id}"
    return (
        Route("GET", client + "/invoice-settings", "invoicing.read"),
        Route("PUT", client + "/invoice-settings", "invoicing.settings.write"),
        Route("GET", client + "/invoices", "invoicing.read"),
        Route("POST", client + "/invoices", "invoicing.write"),
        Route("GET", client + "/peppol-participants/{participant_id}", "invoicing.read"),
        Route("GET", client + "/customer-credits/{customer_number}", "invoicing.read"),
        Route("POST", client + "/customer-credits/{customer_number}/settlements", "invoicing.payments"),
        Route("GET", one, "invoicing.read"),
        Route("PATCH", one, "invoicing.write"),
        Route("POST", one + "/issue", "invoicing.issue"),
        Route("POST", one + "/send", "invoicing.send"),
        Route("GET", one + "/pdf", "invoicing.read"),
        Route("GET", one + "/ehf", "invoicing.read"),
        Route("POST", one + "/credit-notes", "invoicing.write"),
        Route("POST", one + "/payments", "invoicing.payments"),
        Route("POST", one + "/payment-request", "invoicing.send"),
        Route("POST", one + "/reminders", "invoicing.remind"),
        Route("POST", one + "/collection", "invoicing.collection"),
    )


def _billing_routes() -> tuple[Route, ...]:
    client = "/clients/{client_id}"
    statements = "/bureau/billing/statements/{month}"
    return (
        Route("GET", client + "/usage", "billing.usage.read"),
        Route("GET", client + "/billing-agreement", "billing.agreement.read"),
        Route("PUT", client + "/billing-agreement", "billing.agreement.write"),
        Route("POST", client + "/licence-cancellation", "billing.licence.write"),
        Route("POST", client + "/licence-buyout", "billing.licence.write"),
        Route("POST", client + "/licence-transfer", "billing.licence.write"),
        Route("GET", "/bureau/usage", "billing.bureau.usage.read"),
        Route("GET", "/bureau/price-lists", "billing.prices.read"),
        Route("POST", "/bureau/price-lists", "billing.prices.write"),
        Route("POST", "/bureau/price-lists/{valid_from}/end", "billing.prices.write"),
        Route("GET", "/platform/price-lists", "billing.platform.prices.read"),
        Route("POST", "/platform/price-lists", "billing.platform.prices.write"),
        Route("POST", "/platform/price-lists/{valid_from}/end", "billing.platform.prices.write"),
        Route("GET", "/bureau/billing/settings", "billing.settings.read"),
        Route("PUT", "/bureau/billing/settings", "billing.settings.write"),
        Route("POST", "/bureau/billing/runs", "billing.runs.create"),
        Route("GET", statements, "billing.statements.read"),
        Route("GET", statements + "/csv", "billing.statements.read"),
        Route("GET", statements + "/pdf", "billing.statements.read"),
    )


def _payment_routes() -> tuple[Route, ...]:
    client = "/clients/{client_id}"
    one = client + "/payment-batches/{batch_id}"
    change = client + "/suppliers/{item_id}/account-change"
    return (
        Route("GET", client + "/payment-batches", "payments.read"),
        Route("POST", client + "/payment-batches", "payments.write"),
        Route("GET", one, "payments.read"),
        Route("GET", one + "/workflow", "payments.read"),
        Route("PATCH", one, "payments.write"),
        Route("POST", one + "/approvals", "payments.approve"),
        Route("POST", one + "/cancellation", "payments.write"),
        Route("GET", client + "/payment-settings", "payments.read"),
        Route("PUT", client + "/payment-settings", "payments.settings.write"),
        Route("GET", change, "payments.accounts.read"),
        Route("POST", change, "payments.accounts.request"),
        Route("POST", change + "/approval", "payments.accounts.decide"),
        Route("POST", change + "/rejection", "payments.accounts.decide"),
    )


def _bank_routes() -> tuple[Route, ...]:
    client = "/clients/{client_id}"
    return (
        Route("GET", client + "/bank/agreement", "bank.read"),
        Route("PUT", client + "/bank/agreement", "bank.agreement.write"),
        Route("POST", client + "/bank/imports", "bank.import"),
        Route("POST", client + "/bank/import-uploads", "bank.import"),
        Route("GET", client + "/bank/imports", "bank.read"),
        Route("GET", client + "/bank/imports/{import_id}", "bank.read"),
        Route("GET", client + "/bank/payments", "bank.read"),
        Route("GET", client + "/bank/payments/{payment_id}", "bank.read"),
        Route("POST", client + "/bank/payments/{payment_id}/match", "bank.match"),
        Route("GET", client + "/receivables", "receivables.read"),
        Route("POST", client + "/receivables", "receivables.write"),
    )


def _payroll_routes() -> tuple[Route, ...]:
    client = "/clients/{client_id}"
    run = client + "/payroll-runs/{run_id}"
    return (
        Route("GET", client + "/payroll-settings", "payroll.read"),
        Route("PUT", client + "/payroll-settings", "payroll.settings.write"),
        Route("POST", client + "/tax-card-orders", "payroll.tax_cards.order"),
        Route("GET", client + "/tax-cards", "payroll.read"),
        Route("POST", client + "/payroll-runs", "payroll.run"),
        Route("GET", run, "payroll.read"),
        Route("POST", run + "/approval", "payroll.approve"),
        Route("POST", run + "/rejection", "payroll.approve"),
        Route("GET", run + "/a-melding", "payroll.read"),
        Route("POST", run + "/a-melding/submissions", "payroll.report"),
        Route("POST", run + "/a-melding/status", "payroll.report"),
        Route("GET", run + "/payslips/{employee_number}", "payroll.read"),
        Route("GET", "/me/payslips", "me.payslips.read"),
        Route("GET", "/me/payslips/{payslip_id}", "me.payslips.read"),
        Route("GET", client + "/timesheets/{employee_number}/{week}", "hours.read"),
        Route("PUT", client + "/timesheets/{employee_number}/{week}", "hours.write"),
        Route("POST", client + "/timesheets/{employee_number}/{week}/submission", "hours.write"),
        Route("POST", client + "/timesheets/{employee_number}/{week}/approval", "hours.approve"),
        Route("POST", client + "/hours-invoices", "hours.invoice"),
    )


def _ledger_routes() -> tuple[Route, ...]:
    """The ledger (h-ledger): postings, statements, periods, SAF-T mapping and export."""
    ledger = "/clients/{client_id}/ledger"
    return (
        Route("GET", ledger + "/entries", "ledger.read"),
        Route("GET", ledger + "/entries/{series}/{year}/{number}", "ledger.read"),
        Route("GET", ledger + "/sources/{kind}/{source_id}", "ledger.read"),
        Route("GET", ledger + "/accounts/{account}/postings", "ledger.read"),
        Route("GET", ledger + "/{party}/{number}/postings", "ledger.read"),
        Route("GET", ledger + "/{party}/{number}/open-items", "ledger.read"),
        Route("GET", ledger + "/trial-balance", "ledger.read"),
        Route("GET", ledger + "/profit-and-loss", "ledger.read"),
        Route("GET", ledger + "/balance-sheet", "ledger.read"),
        Route("GET", ledger + "/periods", "ledger.read"),
        Route("POST", ledger + "/periods/{period}/close", "ledger.periods.write"),
        Route("POST", ledger + "/periods/{period}/reopen", "ledger.periods.write"),
        Route("GET", ledger + "/account-mapping", "ledger.read"),
        Route("PUT", ledger + "/account-mapping/{account}", "ledger.mapping.write"),
        Route("GET", "/clients/{client_id}/saft", "ledger.saft"),
        Route("POST", "/clients/{client_id}/reports", "reports.publish"),
        Route("GET", "/clients/{client_id}/reports", "reports.read"),
        Route("GET", "/clients/{client_id}/reports/{report_id}", "reports.read"),
    )


FUNCTIONS: tuple[Function, ...] = (
    Function(
        name="apidocs",
        handler="functions.apidocs.api.lambda_handler",
        description="OpenAPI document and interactive API docs",
        routes=(
            Route("GET", "/openapi.json", None),
            Route("GET", "/docs", None),
            Route("GET", "/docs/assets/{asset}", None),
        ),
    ),
    Function(
        name="tenancy",
        handler="functions.tenancy.api.lambda_handler",
        description="Bureau, licence, clients, tiers and modules, users and invitations",
        routes=(
            Route("GET", "/me", "me.read"),
            Route("GET", "/bureau", "bureau.read"),
            Route("PUT", "/bureau/licence", "bureau.licence.write"),
            Route("GET", "/bureau/users", "bureau.users.read"),
            Route("POST", "/bureau/users", "bureau.users.invite"),
            Route("PATCH", "/bureau/users/{user_id}", "bureau.users.write"),
            Route("GET", "/clients", "clients.list"),
            Route("POST", "/clients", "clients.create"),
            Route("GET", "/clients/{client_id}", "client.read"),
            Route("PATCH", "/clients/{client_id}", "client.write"),
            Route("PUT", "/clients/{client_id}/licence", "client.licence.write"),
            Route("GET", "/clients/{client_id}/users", "client.users.read"),
            Route("POST", "/clients/{client_id}/invitations", "client.users.invite"),
            Route("PATCH", "/clients/{client_id}/users/{user_id}", "client.users.write"),
        ),
        access=(_WRITE_TABLE, _IDEMPOTENCY, _USER_DIRECTORY, _CURSORS),
    ),
    Function(
        name="registers",
        handler="functions.registers.api.lambda_handler",
        description="Client registers: customers, suppliers, products, projects, departments, "
        "employees, chart of accounts and VAT codes",
        routes=_register_routes(),
        access=(_WRITE_TABLE, _IDEMPOTENCY, _PERSONAL_KEY, _PERSONAL_ID_HASH, _CURSORS),
    ),
    Function(
        name="audit",
        handler="functions.audit.api.lambda_handler",
        description="A client's audit trail and its hash-chain verification",
        routes=(
            Route("GET", "/clients/{client_id}/audit-events", "audit.read"),
            Route("GET", "/clients/{client_id}/audit-verification", "audit.read"),
        ),
        access=(_READ_TABLE, _CURSORS, Access("bucket:vouchers")),
    ),
    Function(
        name="audit-anchors",
        handler="functions.audit.anchors.lambda_handler",
        description="Hourly: every audit chain's head hash written to the Object-Lock bucket (anchors that "
        "audit verification checks the chain against)",
        schedules=(Schedule("audit-anchors", "rate(1 hour)"),),
        access=(_READ_TABLE, Access("bucket:vouchers", write=True)),
        timeout_s=5 * MINUTE,
    ),
    Function(
        name="events-publisher",
        handler="functions.events.stream.lambda_handler",
        description="DynamoDB stream to the EventBridge domain bus (domain events)",
        table_stream=True,
        access=(_READ_TABLE, Access("bus:domain", write=True)),
        timeout_s=30 * SECOND,
    ),
    Function(
        name="invoicing",
        handler="functions.invoicing.api.lambda_handler",
        description="Outgoing invoices and credit notes: drafts, gapless numbering, KID, PDF, sending by "
        "e-mail / EHF / print, payments, payment requests, reminders, debt collection",
        routes=_invoicing_routes(),
        access=(
            _WRITE_TABLE,
            _IDEMPOTENCY,
            Access("bucket:documents", write=True),
            Access("queue:invoice-receipts", write=True),
            _SEND_EMAIL,
            _CURSORS,
        ),
        memory_mb=1024 * MEGABYTE,
        timeout_s=30 * SECOND,
        extra_layers=("pdf",),
    ),
    Function(
        name="invoicing-reminders",
        handler="functions.invoicing.schedule.lambda_handler",
        description="Daily reminder run (purring / inkassovarsel) over every client's overdue invoices",
        schedules=(Schedule("invoice-reminders", "cron(0 6 * * ? *)"),),
        access=(
            _WRITE_TABLE,
            Access("bucket:documents", write=True),
            Access("queue:invoice-receipts", write=True),
            _SEND_EMAIL,
        ),
        memory_mb=1024 * MEGABYTE,
        timeout_s=5 * MINUTE,
        extra_layers=("pdf",),
    ),
    Function(
        name="invoicing-receipts",
        handler="functions.invoicing.receipts.lambda_handler",
        description="Receipts from the access point, the print centre and Svea (delivery, rejection, "
        "collection status) applied to invoices",
        queues=(QueueTrigger("invoice-receipts"),),
        access=(_WRITE_TABLE, Access("bucket:documents", write=True), Access("queue:invoice-receipts", write=True)),
        timeout_s=60 * SECOND,
        extra_layers=("pdf",),
    ),
    Function(
        name="ingest",
        handler="functions.ingest.queue.lambda_handler",
        description="Voucher intake: e-mail (SES), portal uploads and inbound EHF from the inbound bucket "
        "via S3 → SQS; originals locked, files read (EHF, PDF text, OCR), interpreted or quarantined",
        queues=(QueueTrigger("ingest", batch_size=5),),
        access=(
            _WRITE_TABLE,
            Access("bucket:inbound", write=True),
            Access("bucket:vouchers", write=True),
            Access("bucket:documents", write=True),
            Access("ocr:textract"),
            Access("mail:vouchers"),
        ),
        memory_mb=1536 * MEGABYTE,
        timeout_s=5 * MINUTE,
        extra_layers=("xslt",),
    ),
    Function(
        name="vouchers",
        handler="functions.vouchers.api.lambda_handler",
        description="Voucher inbox and document flow: uploads, queues, coding, approval, bureau booking",
        routes=_voucher_routes(),
        access=(
            _WRITE_TABLE,
            _IDEMPOTENCY,
            Access("bucket:inbound", write=True),
            Access("bucket:vouchers"),
            Access("bucket:documents"),
            Access("mail:vouchers"),
            _CURSORS,
            Access("statemachine:attestation", write=True),
        ),
        timeout_s=30 * SECOND,
    ),
    Function(
        name="attestation-tasks",
        handler="functions.vouchers.attestation_tasks.lambda_handler",
        description="The attestation workflow's tasks: open each step's human task (token kept server side), "
        "remind, escalate, record decisions, and move the voucher on",
        access=(_WRITE_TABLE, _SEND_EMAIL, Access("statemachine:attestation", write=True)),
        timeout_s=30 * SECOND,
    ),
    Function(
        name="payments",
        handler="functions.payments.api.lambda_handler",
        description="Outgoing payments: payment batches from the payment proposal, their approval (BankID "
        "step-up, four eyes, bound to the content hash), payment settings, supplier account changes",
        routes=_payment_routes(),
        access=(_WRITE_TABLE, _IDEMPOTENCY, _CURSORS, Access("statemachine:payment-approval", write=True)),
        timeout_s=30 * SECOND,
    ),
    Function(
        name="payment-tasks",
        handler="functions.payments.workflow_tasks.lambda_handler",
        description="The payment-approval workflow's tasks: open the approval and bank-status human tasks "
        "(tokens kept server side), expire unapproved batches, mark approved batches sent",
        access=(_WRITE_TABLE, Access("statemachine:payment-approval", write=True)),
        timeout_s=30 * SECOND,
    ),
    # Incoming bank payments (klientportal/bank, docs/bank.md)
    Function(
        name="bank",
        handler="functions.bank.api.lambda_handler",
        description="Bank agreements, bank file imports (raw body or presigned upload), incoming payments "
        "and the manual-matching queue, the customer sub-ledger (open items)",
        routes=_bank_routes(),
        access=(
            _WRITE_TABLE,
            _IDEMPOTENCY,
            Access("bucket:vouchers", write=True),
            Access("bucket:inbound", write=True),
            Access("queue:bank-imports", write=True),
            Access("queue:invoice-receipts", write=True),
            _CURSORS,
        ),
        timeout_s=30 * SECOND,
    ),
    # sync (docs/sync.md) ---------------------------------------------------------------------
    Function(
        name="sync",
        handler="functions.sync.api.lambda_handler",
        description="Synchronisation with the bureau's system and collaboration: change feed, webhook "
        "subscriptions and their delivery log, bureau overview, questions on postings and vouchers",
        routes=_sync_routes(),
        access=(
            _WRITE_TABLE,
            _IDEMPOTENCY,
            _CURSORS,
            _SEND_EMAIL,
            Access("bucket:documents", write=True),
            Access("key:webhook-secrets", write=True),
            Access("queue:webhook-deliveries", write=True),
        ),
    ),
    Function(
        name="sync-webhook-fanout",
        handler="functions.sync.webhook_fanout.lambda_handler",
        description="Domain events (event rule) → one delivery per matching webhook subscription",
        queues=(QueueTrigger("webhook-events"),),
        access=(_WRITE_TABLE, Access("queue:webhook-deliveries", write=True)),
        timeout_s=60 * SECOND,
    ),
    Function(
        name="sync-webhook-delivery",
        handler="functions.sync.webhook_delivery.lambda_handler",
        description="Signed webhook POSTs: one attempt per message, retries with backoff, then dead letters",
        queues=(QueueTrigger("webhook-deliveries", batch_size=5),),
        access=(
            _WRITE_TABLE,
            _IDEMPOTENCY,
            Access("key:webhook-secrets"),
            Access("queue:webhook-deliveries", write=True),
        ),
        timeout_s=90 * SECOND,
    ),
    Function(
        name="sync-overview",
        handler="functions.sync.overview_counters.lambda_handler",
        description="Domain events (event rule) → the bureau overview's counters, once per event",
        queues=(QueueTrigger("overview-events"),),
        access=(_WRITE_TABLE, _IDEMPOTENCY),
        timeout_s=60 * SECOND,
    ),
    Function(
        name="bank-imports",
        handler="functions.bank.queue.lambda_handler",
        description="Bank files imported from the queue: read whole or rejected, payments matched by KID, "
        "booked (invoice payment, open item, journal entry) once each",
        queues=(QueueTrigger("bank-imports", batch_size=1),),
        access=(
            _WRITE_TABLE,
            Access("bucket:vouchers", write=True),
            Access("bucket:inbound"),
            Access("queue:bank-imports", write=True),
            Access("queue:invoice-receipts", write=True),
        ),
        memory_mb=1024 * MEGABYTE,
        timeout_s=15 * MINUTE,
    ),
    Function(
        name="bank-retrieval",
        handler="functions.bank.schedule.lambda_handler",
        description="Polls the bank channel of every client with a bank agreement (the agreements index): "
        "new files stored unaltered, queued for import, then acknowledged",
        schedules=(Schedule("bank-retrieval", "rate(15 minutes)"),),
        access=(_WRITE_TABLE, Access("bucket:vouchers", write=True), Access("queue:bank-imports", write=True)),
        timeout_s=5 * MINUTE,
    ),
    # Outgoing payments to the bank (klientportal/bank/outgoing.py, sending.py, answers.py; docs/formats-bank.md)
    Function(
        name="bank-outgoing",
        handler="functions.bank.outgoing.lambda_handler",
        description="Approved payment batches from the queue: pain.001 built and XSD-checked, stored in the "
        "documents bucket exactly as sent, uploaded through the bank channel at most once",
        queues=(QueueTrigger("payment-batches-outgoing", batch_size=1),),
        access=(_WRITE_TABLE, Access("bucket:documents", write=True), Access("queue:payment-batches-outgoing")),
        timeout_s=2 * MINUTE,
    ),
    Function(
        name="bank-answers",
        handler="functions.bank.answers.lambda_handler",
        description="The bank's pain.002 status reports from every client's bank channel applied to their "
        "payment batches (bank_status.report)",
        schedules=(Schedule("bank-answers", "rate(15 minutes)"),),
        access=(_WRITE_TABLE,),
        timeout_s=5 * MINUTE,
    ),
    Function(
        name="bank-outgoing-api",
        handler="functions.bank.outgoing_api.lambda_handler",
        description="The pain.001 file sent to the bank for a payment batch, byte for byte",
        routes=(Route("GET", "/clients/{client_id}/payment-batches/{batch_id}/pain001", "payments.read"),),
        access=(_READ_TABLE, Access("bucket:documents")),
        timeout_s=30 * SECOND,
    ),
    Function(
        name="ledger",
        handler="functions.ledger.api.lambda_handler",
        description="The general ledger: postings by account, period, source, customer and supplier; trial "
        "balance, profit and loss, balance sheet, open items; closing periods; SAF-T Financial export",
        routes=_ledger_routes(),
        access=(_WRITE_TABLE, _CURSORS),
        memory_mb=1024 * MEGABYTE,
        timeout_s=30 * SECOND,
    ),
    Function(
        name="payroll",
        handler="functions.payroll.api.lambda_handler",
        description="Payroll: tax cards (skattekort til arbeidsgiver), monthly runs with tabelltrekk, "
        "their approval (step-up) to the payroll-approval workflow, the a-melding and its submission",
        routes=_payroll_routes(),
        access=(
            _WRITE_TABLE,
            _IDEMPOTENCY,
            _PERSONAL_KEY,
            _CURSORS,
            Access("bucket:documents", write=True),  # payslip PDFs, hour invoice drafts (h-payroll2)
            Access("statemachine:payment-approval", write=True),  # the salary payments' batch
            Access("statemachine:payroll-approval", write=True),  # the run's approval workflow (h-payflow)
        ),
        memory_mb=1024 * MEGABYTE,
        timeout_s=60 * SECOND,
        extra_layers=("pdf",),
    ),
    Function(
        name="payroll-tasks",
        handler="functions.payroll.workflow_tasks.lambda_handler",
        description="The payroll-approval workflow's tasks: open the approval human task (token kept server "
        "side), book the approved run, issue its payslips, make its payment batch, return a rejected run",
        access=(
            _WRITE_TABLE,
            Access("bucket:documents", write=True),  # payslip PDFs
            Access("statemachine:payroll-approval", write=True),
            Access("statemachine:payment-approval", write=True),  # the salary payments' batch workflow
        ),
        memory_mb=1024 * MEGABYTE,
        timeout_s=5 * MINUTE,
        extra_layers=("pdf",),
    ),
    Function(
        name="payroll-reminders",
        handler="functions.payroll.schedule.lambda_handler",
        description="Daily: the a-melding deadline (the 5th) reminded to the admins of every client not yet accepted",
        schedules=(Schedule("a-melding-reminders", "cron(0 7 * * ? *)"),),
        access=(_WRITE_TABLE, _SEND_EMAIL),
        memory_mb=512 * MEGABYTE,
        timeout_s=5 * MINUTE,
    ),
)

# billing (docs/billing.md): the usage meter on the billing-usage queue (billable domain events from the
# bus), the API, and the monthly run on the 1st
FUNCTIONS += (
    Function(
        name="billing",
        handler="functions.billing.api.lambda_handler",
        description="Usage per client and bureau, price lists, billing agreements and licence events, "
        "the monthly run, statements (JSON, CSV, PDF) and draft re-invoices",
        routes=_billing_routes(),
        access=(_WRITE_TABLE, _IDEMPOTENCY, Access("bucket:documents", write=True), _CURSORS),
        memory_mb=1024 * MEGABYTE,
        timeout_s=29 * SECOND,
        extra_layers=("pdf",),
    ),
    Function(
        name="billing-meter",
        handler="functions.billing.meter.lambda_handler",
        description="Billable domain events counted once per client and month (usage aggregated on write)",
        queues=(QueueTrigger("billing-usage", batch_size=10),),
        access=(_WRITE_TABLE,),
        timeout_s=60 * SECOND,
    ),
    Function(
        name="billing-run",
        handler="functions.billing.schedule.lambda_handler",
        description="Monthly (the 1st): each billed bureau's statement of the month before, and its draft re-invoices",
        schedules=(Schedule("billing-monthly", "cron(0 3 1 * ? *)"),),
        access=(_WRITE_TABLE, Access("bucket:documents", write=True)),
        memory_mb=1536 * MEGABYTE,
        timeout_s=15 * MINUTE,
    ),
)


def stream_failure_queue(fn: Function) -> str:
    """The name of `fn`'s stream on-failure destination: an SQS queue nobody consumes (a DLQ)."""
    return f"{fn.name}-stream-failures"


def env_var(resource: str) -> str:
    """The environment variable that carries a resource's deployed name to a function.

    "table:main" → "KP_TABLE_MAIN", "bus:domain" → "KP_BUS_DOMAIN", "key:personal-data" →
    "KP_KEY_PERSONAL_DATA". infra/ sets them; klientportal.settings reads them.
    """
    kind, name = resource.split(":", 1)
    return f"KP_{kind}_{name}".upper().replace("-", "_")


def state_machine(name: str) -> StateMachine:
    """The state machine entry named `name`."""
    for sm in STATE_MACHINES:
        if sm.name == name:
            return sm
    raise KeyError(name)


def function(name: str) -> Function:
    """The catalogue entry named `name`."""
    for fn in FUNCTIONS:
        if fn.name == name:
            return fn
    raise KeyError(name)


def routes() -> tuple[tuple[Function, Route], ...]:
    """Every (function, route) pair of the HTTP API."""
    return tuple((fn, r) for fn in FUNCTIONS for r in fn.routes)


def route_actions() -> dict[str, str | None]:
    """Route key ("GET /clients/{client_id}") → policy action."""
    return {r.route_key: r.action for _, r in routes()}
