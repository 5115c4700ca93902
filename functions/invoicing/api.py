"""HTTP handler of the invoicing routine: thin routes over `klientportal.invoicing.service`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema, model_validator

from functions import catalogue
from functions.invoicing.responses import CustomerCreditOut, InvoiceOut, InvoicePage, PdfLink, SettlementOut
from klientportal.api.app import Context, build_app, http_handler, raw_response
from klientportal.api.context import RequestContext
from klientportal.api.idempotency import run_idempotent
from klientportal.api.problems import COMMON_RESPONSES, created
from klientportal.api.response_model import DeferredModel
from klientportal.api.types import (
    Date,
    Flag,
    Integer,
    Money,
    MultilineText,
    Percent,
    Quantity,
    QueryFlag,
    Rate,
    Text,
    UnitPrice,
)
from klientportal.errors import FieldError, InvalidInput
from klientportal.formats.ehf.codelists import (
    ALLOWANCE_REASON_CODES,
    ATTACHMENT_MIME_TYPES,
    CHARGE_REASON_CODES,
    CURRENCY_CODES,
    VATEX_CODES,
)
from klientportal.invoicing import attachments as files_attached
from klientportal.invoicing.delivery import CHANNELS
from klientportal.invoicing.lifecycle import OPEN
from klientportal.invoicing.records import Payment
from klientportal.invoicing.service import InvoiceService
from klientportal.invoicing.settings import InvoiceSettings
from klientportal.repository import keys
from klientportal.repository.records import Record

router = Router()
TAGS = ["invoicing"]


Channel = Literal["email", "ehf", "print"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


# --- EHF shapes (ISSUE-8 §3): periods, line allowances/charges, exemption reasons, attachments ----


def _in(codes: frozenset[str], what: str) -> AfterValidator:
    def check(value: str | None) -> str | None:
        if value is not None and value not in codes:
            raise ValueError(f"{value} is not {what}")
        return value

    return AfterValidator(check)


VatexCode = Annotated[str | None, _in(VATEX_CODES, "a VATEX exemption reason code")]
Currency = Annotated[str | None, _in(CURRENCY_CODES, "an ISO 4217 currency code")]
MimeCode = Annotated[
    str,
    _in(ATTACHMENT_MIME_TYPES, "a MIME type PEPPOL allows: " + ", ".join(sorted(ATTACHMENT_MIME_TYPES))),
    WithJsonSchema({"type": "string", "enum": sorted(ATTACHMENT_MIME_TYPES)}),
]
_REASON_CODE = "UNCL 5189 code for an allowance, UNCL 7161 code for a charge"


def _check_reason_code(is_charge: bool, code: str | None) -> None:
    if code is not None and code not in (CHARGE_REASON_CODES if is_charge else ALLOWANCE_REASON_CODES):
        raise ValueError(
            f"reason_code {code} is not a {'UNCL 7161 charge' if is_charge else 'UNCL 5189 allowance'} reason code"
        )


class PeriodIn(_In):
    start: Date | None = None
    end: Date | None = None

    @model_validator(mode="after")
    def _dates(self) -> PeriodIn:
        if self.start is None and self.end is None:
            raise ValueError("give a start date, an end date or both")
        if self.start and self.end and self.end < self.start:
            raise ValueError("the period ends before it starts")
        return self


class LineAllowanceChargeIn(_In):
    """A line charge (is_charge true, e.g. a surcharge) or allowance: an amount, or a percent of the
    line's gross amount (quantity × unit_price / base_quantity)."""

    is_charge: Flag
    amount: Money | None = Field(default=None, gt=0)
    percent: Percent | None = Field(default=None, gt=0)
    reason: Text = Field(min_length=1, max_length=500)
    reason_code: str | None = Field(default=None, pattern=r"^[A-Z0-9]{1,3}$", description=_REASON_CODE)

    @model_validator(mode="after")
    def _rules(self) -> LineAllowanceChargeIn:
        if (self.amount is None) == (self.percent is None):
            raise ValueError("give an amount or a percent")
        _check_reason_code(self.is_charge, self.reason_code)
        return self


class AttachmentIn(_In):
    """One of the customer's own documents, embedded in the EHF beside the invoice PDF."""

    filename: str = Field(min_length=1, max_length=200, pattern=r"^[^/\\\x00-\x1f]+$")
    mime_code: MimeCode
    description: Text | None = Field(default=None, min_length=1, max_length=500)
    content_base64: str = Field(
        min_length=4,
        max_length=4 * ((files_attached.MAX_ATTACHMENT_BYTES + 2) // 3),
        description=f"the file, base64; at most {files_attached.MAX_ATTACHMENT_BYTES} bytes",
    )

    @model_validator(mode="after")
    def _content(self) -> AttachmentIn:
        if len(files_attached.decode(self.content_base64)) > files_attached.MAX_ATTACHMENT_BYTES:
            raise ValueError(f"an attachment has at most {files_attached.MAX_ATTACHMENT_BYTES} bytes")
        return self


def _attachments_fit(items: list[AttachmentIn] | None) -> list[AttachmentIn] | None:
    total = sum(len(files_attached.decode(x.content_base64)) for x in items or [])
    if total > files_attached.MAX_TOTAL_BYTES:
        raise ValueError(f"the attachments have at most {files_attached.MAX_TOTAL_BYTES} bytes together")
    return items


Attachments = Annotated[
    list[AttachmentIn] | None, Field(max_length=files_attached.MAX_ATTACHMENTS), AfterValidator(_attachments_fit)
]
ExchangeRate = Annotated[Rate | None, Field(gt=0, description="NOK for 1 unit of `currency` (at most 6 decimals)")]


class LineIn(_In):
    """A line from a product (price, VAT code and unit from the product unless given) or free text."""

    product_number: Text | None = Field(default=None, max_length=20)
    description: Text | None = Field(default=None, min_length=1, max_length=500)
    quantity: Quantity = Field(description="at most 4 decimals; negative for a returned item")
    unit_price: UnitPrice | None = None
    unit_code: str | None = Field(default=None, pattern=r"^[A-Z0-9]{2,3}$")
    vat_code: str | None = Field(
        default=None, pattern=r"^[0-9]{1,2}$", description="SAF-T output VAT code (3, 31, 33, 5, 51, 52, 6, 7)"
    )
    discount_percent: Percent | None = Field(default=None, gt=0)
    discount_amount: Money | None = Field(default=None, gt=0)
    gross_price: UnitPrice | None = Field(
        default=None, description="Price before the price discount (BT-148); unit_price is the net price (BT-146)"
    )
    base_quantity: Quantity | None = Field(default=None, gt=0, description="unit_price is per this many units (BT-149)")
    allowances_charges: list[LineAllowanceChargeIn] = Field(default_factory=list, max_length=20)
    period: PeriodIn | None = None
    exemption_reason: Text | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="Replaces the VAT code's exemption text (E, AE, G lines)",
    )
    exemption_reason_code: VatexCode = Field(default=None, description="VATEX code (E, AE, G lines)")


class AllowanceChargeIn(_In):
    """A document allowance/charge: an amount, or a percent of `base_amount` (default: the net amount of
    the lines with the same VAT code)."""

    is_charge: Flag
    amount: Money | None = Field(default=None, gt=0)
    percent: Percent | None = Field(default=None, gt=0)
    base_amount: Money | None = Field(default=None, gt=0)
    reason: Text = Field(min_length=1, max_length=500)
    reason_code: str | None = Field(default=None, pattern=r"^[A-Z0-9]{1,3}$", description=_REASON_CODE)
    vat_code: str = Field(default="3", pattern=r"^[0-9]{1,2}$")
    exemption_reason: Text | None = Field(default=None, min_length=1, max_length=500)
    exemption_reason_code: VatexCode = None

    @model_validator(mode="after")
    def _rules(self) -> AllowanceChargeIn:
        if (self.amount is None) == (self.percent is None):
            raise ValueError("give an amount or a percent")
        if self.base_amount is not None and self.percent is None:
            raise ValueError("base_amount goes with percent")
        _check_reason_code(self.is_charge, self.reason_code)
        return self


class InvoiceCreate(_In):
    customer_number: Integer = Field(ge=1, le=999_999_999)
    lines: list[LineIn] = Field(min_length=1, max_length=500)
    allowances_charges: list[AllowanceChargeIn] = Field(default_factory=list, max_length=50)
    buyer_reference: Text | None = Field(default=None, max_length=200)
    order_reference: Text | None = Field(default=None, max_length=200)
    note: MultilineText | None = Field(default=None, max_length=2000)
    due_days: Integer | None = Field(default=None, ge=0, le=365, description="Default: the customer's terms")
    channel: Channel | None = Field(default=None, description="Default: the customer's delivery channel")
    currency: Currency = Field(default=None, description="Default NOK; another currency needs nok_exchange_rate")
    nok_exchange_rate: ExchangeRate = None
    period: PeriodIn | None = None
    prepaid_amount: Money | None = Field(default=None, ge=0, description="Already paid; payable = total - prepaid")
    round_payable_to_krone: Flag | None = Field(default=None, description="Round payable to whole units")
    attachments: Attachments = None


class InvoicePatch(_In):
    version: Integer = Field(ge=1, description="The version you read; a stale one gets 409")
    customer_number: Integer | None = Field(default=None, ge=1, le=999_999_999)
    lines: list[LineIn] | None = Field(default=None, min_length=1, max_length=500)
    allowances_charges: list[AllowanceChargeIn] | None = Field(default=None, max_length=50)
    buyer_reference: Text | None = Field(default=None, max_length=200)
    order_reference: Text | None = Field(default=None, max_length=200)
    note: MultilineText | None = Field(default=None, max_length=2000)
    due_days: Integer | None = Field(default=None, ge=0, le=365)
    channel: Channel | None = None
    currency: Currency = None
    nok_exchange_rate: ExchangeRate = None
    period: PeriodIn | None = None
    prepaid_amount: Money | None = Field(default=None, ge=0)
    round_payable_to_krone: Flag | None = None
    attachments: Attachments = None


class SettingsIn(InvoiceSettings):
    version: Integer | None = Field(default=None, ge=1, description="The version you read (when updating)")


class SettingsOut(InvoiceSettings):
    model_config = ConfigDict(extra="ignore")
    version: int
    next_number: int


class SendIn(_In):
    channel: Channel | None = Field(default=None, description="Default: the invoice's, else the customer's")


class PaymentIn(_In):
    payment_id: str = Field(
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="The bank's id of the payment; the same id twice is recorded once",
    )
    amount: Money = Field(gt=0, description="At most 2 decimals: more is refused, never rounded")
    paid_on: Date
    reference: Text | None = Field(default=None, max_length=100)
    ledger_account: str = Field(
        default="1920",
        pattern=r"^[0-9]{4,6}$",
        description="Where the money came in (bank or cash account): booked against 1500 for the customer",
    )


class CreditNoteIn(_In):
    lines: list[LineIn] | None = Field(
        default=None, min_length=1, max_length=500, description="Lines to credit (partial); leave out to credit all"
    )
    note: MultilineText | None = Field(default=None, max_length=2000)


class ParticipantOut(DeferredModel):
    participant_id: str
    registered: bool
    accepts_invoice: bool
    accepts_credit_note: bool


def _invoices(ctx: Context) -> InvoiceService:
    return ctx.invocation.invoices(ctx.client_id)


Invoices = Annotated[InvoiceService, Depends(_invoices)]


def preload(route_key: str, path: dict[str, str]) -> list[str]:
    """What the invoicing routes read of the client's partition: the settings and the number
    counter, and the invoice named in the path; read with the authorization (one batch)."""
    invoice_id = path.get("invoice_id")
    return [keys.INVOICE_SETTINGS_SK, keys.INVOICE_COUNTER_SK, *([keys.invoice_sk(invoice_id)] if invoice_id else [])]


def _out(rec: Record) -> dict[str, Any]:
    data = {k: v for k, v in rec.data.items() if k != "document"}
    return {**data, "version": rec.version, "created_at": rec.created_at, "updated_at": rec.updated_at}


def _idempotent(
    ctx: RequestContext, payload: dict[str, Any], operation: Callable[[], tuple[int, dict[str, Any]]]
) -> Response[InvoiceOut]:
    return run_idempotent(ctx, payload, InvoiceOut, operation)


@router.get(
    "/clients/<client_id>/invoice-settings",
    tags=TAGS,
    summary="The client's invoice settings",
    responses=COMMON_RESPONSES,
)
def get_settings(client_id: str, invoices: Invoices) -> SettingsOut:
    return SettingsOut.model_validate(invoices.settings_view())


@router.put(
    "/clients/<client_id>/invoice-settings",
    tags=TAGS,
    responses=COMMON_RESPONSES,
    summary="Set the seller profile, KID, bank account, due days and first invoice number",
)
def put_settings(client_id: str, body: SettingsIn, ctx: Context, invoices: Invoices) -> SettingsOut:
    settings = InvoiceSettings.model_validate(body.model_dump(exclude={"version"}))
    return SettingsOut.model_validate(invoices.put_settings(settings, body.version, ctx.actor))


#: The statuses the list filters on (`InvoiceStatus`), and `open`.
StatusFilter = Literal[
    "draft", "issued", "sent", "delivery_failed", "partly_paid", "paid", "reminded", "in_collection", "credited", "open"
]
OPEN_STATUSES = frozenset(str(s) for s in OPEN)


@router.get(
    "/clients/<client_id>/invoices", tags=TAGS, summary="List invoices and credit notes", responses=COMMON_RESPONSES
)
def list_invoices(
    client_id: str,
    invoices: Invoices,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
    status: Annotated[
        StatusFilter | None,
        Query(
            description="Only invoices in this status; `open`: those the customer owes money on (sent, "
            "partly paid, reminded, in collection). A page may then hold fewer items than `limit`, or "
            "none, while `next_cursor` says there is more."
        ),
    ] = None,
) -> InvoicePage:
    statuses = None if status is None else OPEN_STATUSES if status == "open" else frozenset({status})
    page = invoices.repo.list(limit, cursor, statuses)
    return InvoicePage(items=[InvoiceOut.model_validate(_out(r)) for r in page.items], next_cursor=page.next_cursor)


@router.post(
    "/clients/<client_id>/invoices",
    tags=TAGS,
    summary="Create a draft invoice",
    responses={201: created(InvoiceOut), **COMMON_RESPONSES},
)
def create_invoice(client_id: str, body: InvoiceCreate, ctx: Context, invoices: Invoices) -> Response[InvoiceOut]:
    payload = body.model_dump(mode="json")
    return _idempotent(ctx, payload, lambda: (201, _out(invoices.create_draft(payload, ctx.actor))))


@router.get(
    "/clients/<client_id>/invoices/<invoice_id>",
    tags=TAGS,
    summary="One invoice or credit note",
    responses=COMMON_RESPONSES,
)
def get_invoice(client_id: str, invoice_id: str, invoices: Invoices) -> InvoiceOut:
    return InvoiceOut.model_validate(_out(invoices.get(invoice_id)))


@router.patch(
    "/clients/<client_id>/invoices/<invoice_id>",
    tags=TAGS,
    responses=COMMON_RESPONSES,
    summary="Change a draft (an issued invoice is frozen: 409; correct it with a credit note)",
)
def update_invoice(client_id: str, invoice_id: str, body: InvoicePatch, ctx: Context, invoices: Invoices) -> InvoiceOut:
    changes = body.model_dump(mode="json", exclude_unset=True, exclude={"version"})
    return InvoiceOut.model_validate(_out(invoices.update_draft(invoice_id, body.version, changes, ctx.actor)))


@router.post(
    "/clients/<client_id>/invoices/<invoice_id>/issue",
    tags=TAGS,
    responses=COMMON_RESPONSES,
    summary="Issue: next number of the gapless series, KID, dates, PDF; the invoice is frozen",
)
def issue_invoice(client_id: str, invoice_id: str, ctx: Context, invoices: Invoices) -> Response[InvoiceOut]:
    return _idempotent(ctx, {"issue": invoice_id}, lambda: (200, _out(invoices.issue(invoice_id, ctx.actor))))


@router.post(
    "/clients/<client_id>/invoices/<invoice_id>/send",
    tags=TAGS,
    responses=COMMON_RESPONSES,
    summary="Send by the customer's channel (e-mail, EHF, print); sending twice sends once",
)
def send_invoice(
    client_id: str, invoice_id: str, ctx: Context, invoices: Invoices, body: SendIn | None = None
) -> Response[InvoiceOut]:
    channel = body.channel if body else None
    return _idempotent(
        ctx,
        {"send": invoice_id, "channel": channel},
        lambda: (200, _out(invoices.send(invoice_id, ctx.actor, channel))),
    )


@router.get(
    "/clients/<client_id>/invoices/<invoice_id>/pdf",
    tags=TAGS,
    responses={
        **COMMON_RESPONSES,
        200: {
            "description": "The PDF; with ?link=true a JSON download link",
            "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "application/json": {"model": PdfLink},
            },
        },
    },
    summary="The invoice PDF (bytes), or with ?link=true a short-lived download URL",
)
@raw_response
def invoice_pdf(
    client_id: str,
    invoice_id: str,
    invoices: Invoices,
    link: Annotated[QueryFlag, Query(description="`true`: a download link; `true` or `false`, nothing else")] = False,
) -> Response[dict[str, Any] | bytes]:
    rec, pdf = invoices.pdf(invoice_id)
    if link:
        return Response(
            200,
            "application/json",
            {"url": invoices.files.presigned_url(rec.data["pdf_key"]), "key": rec.data["pdf_key"], "expires_in": 300},
        )
    name = rec.data["pdf_key"].rsplit("/", 1)[1]
    return Response(200, "application/pdf", pdf, headers={"Content-Disposition": f'inline; filename="{name}"'})


@router.get(
    "/clients/<client_id>/invoices/<invoice_id>/ehf",
    tags=TAGS,
    responses={
        **COMMON_RESPONSES,
        200: {
            "description": "The EHF document (UBL 2.1 XML)",
            "content": {"application/xml": {"schema": {"type": "string"}}},
        },
    },
    summary="The invoice as EHF (PEPPOL BIS Billing 3.0 UBL, PDF embedded)",
)
@raw_response
def invoice_ehf(client_id: str, invoice_id: str, invoices: Invoices) -> Response[bytes]:
    return Response(200, "application/xml", invoices.ehf(invoice_id))


@router.post(
    "/clients/<client_id>/invoices/<invoice_id>/credit-notes",
    tags=TAGS,
    summary="Draft a credit note for the invoice (all of it, or the lines given)",
    responses={201: created(InvoiceOut), **COMMON_RESPONSES},
)
def create_credit_note(
    client_id: str, invoice_id: str, body: CreditNoteIn, ctx: Context, invoices: Invoices
) -> Response[InvoiceOut]:
    payload = body.model_dump(mode="json", exclude_none=True)
    return _idempotent(
        ctx,
        {"credit": invoice_id, **payload},
        lambda: (201, _out(invoices.create_credit_note(invoice_id, payload, ctx.actor))),
    )


@router.post(
    "/clients/<client_id>/invoices/<invoice_id>/payments",
    tags=TAGS,
    responses=COMMON_RESPONSES,
    summary="Register a (partial) payment; closes a debt-collection case when paid",
)
def register_payment(
    client_id: str, invoice_id: str, body: PaymentIn, ctx: Context, invoices: Invoices
) -> Response[InvoiceOut]:
    payment = _payment(body)
    return _idempotent(
        ctx,
        {"pay": invoice_id, **payment.stored(), "ledger_account": body.ledger_account},
        lambda: (
            200,
            _out(invoices.register_payment(invoice_id, payment, ctx.actor, ledger_account=body.ledger_account)),
        ),
    )


def _payment(body: PaymentIn) -> Payment:
    try:
        return Payment.model_validate(body.model_dump(exclude={"ledger_account"}))
    except ValidationError as exc:
        raise InvalidInput(
            "the payment is not valid",
            [FieldError(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors(include_input=False)],
        ) from exc


@router.get(
    "/clients/<client_id>/customer-credits/<customer_number>",
    tags=TAGS,
    responses=COMMON_RESPONSES,
    summary="What the client owes the customer: overpayments and credit beyond what was owed, per currency",
)
def get_customer_credit(client_id: str, customer_number: int, invoices: Invoices) -> CustomerCreditOut:
    return CustomerCreditOut.model_validate(invoices.customer_credit(customer_number))


class SettlementIn(_In):
    settlement_id: str = Field(
        min_length=1,
        max_length=80,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="Your id of this settlement: the same id again is the same settlement (nothing settled twice)",
    )
    invoice_id: str = Field(
        min_length=1, max_length=100, description="An invoice to the same customer with something owed"
    )
    amount: Money | None = Field(
        default=None,
        gt=0,
        description="At most what is owed and what the credit holds; left out: the remainder, up to the credit",
    )
    version: Integer = Field(ge=0, description="The credit's version as read (two settlements of one balance: 409)")


@router.post(
    "/clients/<client_id>/customer-credits/<customer_number>/settlements",
    tags=TAGS,
    responses={201: created(SettlementOut), **COMMON_RESPONSES},
    summary="Settle an invoice of the same customer with the customer's credit (no money moves, no journal entry)",
)
def settle_from_credit(
    client_id: str, customer_number: int, body: SettlementIn, ctx: Context, invoices: Invoices
) -> Response[SettlementOut]:
    credit, invoice, new = invoices.settle_from_credit(
        customer_number,
        invoice_id=body.invoice_id,
        settlement_id=body.settlement_id,
        amount=body.amount,
        version=body.version,
        actor=ctx.actor,
    )
    out = SettlementOut(
        credit=CustomerCreditOut.model_validate(credit), invoice=InvoiceOut.model_validate(_out(invoice))
    )
    return Response(201 if new else 200, "application/json", out)


@router.post(
    "/clients/<client_id>/invoices/<invoice_id>/payment-request",
    tags=TAGS,
    responses=COMMON_RESPONSES,
    summary="Send a payment request (betalingsanmodning) by e-mail",
)
def payment_request(client_id: str, invoice_id: str, ctx: Context, invoices: Invoices) -> Response[InvoiceOut]:
    return _idempotent(
        ctx, {"payment-request": invoice_id}, lambda: (200, _out(invoices.payment_request(invoice_id, ctx.actor)))
    )


@router.post(
    "/clients/<client_id>/invoices/<invoice_id>/reminders",
    tags=TAGS,
    responses=COMMON_RESPONSES,
    summary="Send a reminder now (purring; the second is the inkassovarsel), within the law",
)
def send_reminder(client_id: str, invoice_id: str, ctx: Context, invoices: Invoices) -> Response[InvoiceOut]:
    return _idempotent(
        ctx, {"remind": invoice_id}, lambda: (200, _out(invoices.remind(invoice_id, ctx.actor, on_demand=True)))
    )


@router.post(
    "/clients/<client_id>/invoices/<invoice_id>/collection",
    tags=TAGS,
    responses=COMMON_RESPONSES,
    summary="Hand the claim over to debt collection (Svea Finans)",
)
def start_collection(client_id: str, invoice_id: str, ctx: Context, invoices: Invoices) -> Response[InvoiceOut]:
    return _idempotent(
        ctx, {"collect": invoice_id}, lambda: (200, _out(invoices.start_collection(invoice_id, ctx.actor)))
    )


@router.get(
    "/clients/<client_id>/peppol-participants/<participant_id>",
    tags=TAGS,
    responses=COMMON_RESPONSES,
    summary="Can this PEPPOL participant receive EHF invoices? (SMP lookup via the access point)",
)
def lookup_participant(client_id: str, participant_id: str, invoices: Invoices) -> ParticipantOut:
    from urllib.parse import unquote

    found = invoices.adapters.access_point.lookup(unquote(participant_id))
    return ParticipantOut(
        participant_id=found.participant_id,
        registered=found.registered,
        accepts_invoice=found.accepts_invoice,
        accepts_credit_note=found.accepts_credit_note,
    )


assert set(CHANNELS) == {"email", "ehf", "print"}
app = build_app([router], catalogue.function("invoicing").routes, preload)
lambda_handler = http_handler(app)
