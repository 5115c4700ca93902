"""HTTP handler of the voucher inbox (bilag) and the document flow to the bureau. Thin: models in,
`klientportal.vouchers` does the work, models out."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, ConfigDict, Field

from functions import catalogue
from functions.vouchers.responses import (
    BureauQueue,
    BureauQueueItem,
    PaymentProposal,
    QuarantineItem,
    QuarantineList,
    Voucher,
    VoucherPage,
)
from klientportal.api.app import Context, build_app, http_handler
from klientportal.api.idempotency import run_idempotent
from klientportal.api.problems import COMMON_RESPONSES, created
from klientportal.api.response_model import DeferredModel
from klientportal.api.types import Date, Integer, Money, MultilineText, Text
from klientportal.api.uploads import UploadTarget, UploadTargets
from klientportal.repository.records import Record
from klientportal.settings import settings
from klientportal.vouchers import inbox, uploads
from klientportal.vouchers.bureau_queue import bureau_queue as queue_of_bureau
from klientportal.vouchers.limits import DEFAULT_MAIL_LIMITS
from klientportal.vouchers.originals import presigned_get
from klientportal.vouchers.payments import PaymentProposalService
from klientportal.vouchers.records import Queue
from klientportal.vouchers.workflow import VoucherService, preview_of, view

router = Router()
Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,20}$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class InboxAddress(DeferredModel):
    slug: str
    address: str


class InboxChange(_In):
    slug: Annotated[Text, Field(min_length=3, max_length=40)]


class UploadFile(_In):
    filename: Annotated[Text, Field(min_length=1, max_length=200)]
    content_type: Literal["application/pdf", "application/xml", "text/xml", "image/png", "image/jpeg", "image/tiff"]
    size: Annotated[Integer, Field(ge=1, le=DEFAULT_MAIL_LIMITS.max_attachment_bytes)]


class UploadRequest(_In):
    files: Annotated[list[UploadFile], Field(min_length=1, max_length=20)]


class DetailsPatch(_In):
    version: Integer = Field(ge=1)
    supplier_number: Integer | None = Field(default=None, ge=1, le=999_999_999)
    invoice_number: Annotated[Text, Field(max_length=80)] | None = None
    issue_date: Date | None = None
    due_date: Date | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    kid: Annotated[str, Field(pattern=r"^[0-9]{2,25}$")] | None = None
    bank_account: Annotated[Text, Field(max_length=34)] | None = None
    net_total: Money | None = None
    vat_total: Money | None = None
    total: Money | None = None
    payable: Money | None = Field(default=None, description="The amount to pay (after prepaid amounts and rounding)")
    description: Annotated[Text, Field(max_length=500)] | None = None
    document_type: Literal["invoice", "credit-note", "receipt"] | None = None


class CodingLine(_In):
    account: Annotated[str, Field(pattern=r"^[1-8][0-9]{3}$")]
    vat_code: Annotated[str, Field(pattern=r"^[0-9]{1,2}$")] | None = None
    net_amount: Annotated[Money, Field(description="negative for an allowance")]
    vat_amount: Annotated[Money, Field(ge=0)] | None = None
    project: Code | None = None
    department: Code | None = None
    description: Annotated[Text, Field(max_length=200)] | None = None


class Coding(_In):
    version: Integer = Field(ge=1)
    lines: Annotated[list[CodingLine], Field(min_length=1, max_length=100)]


class Step(_In):
    version: Integer = Field(ge=1)
    comment: Annotated[MultilineText, Field(max_length=1000)] | None = None


class AttestationRequest(Step):
    attester: (
        Annotated[
            Text,
            Field(min_length=1, max_length=200, description="User id of the attester (or client admin) to route to"),
        ]
        | None
    ) = None


class Override(_In):
    version: Integer = Field(ge=1)
    reason: Annotated[MultilineText, Field(min_length=1, max_length=1000)]


class Payment(_In):
    version: Integer = Field(ge=1)
    paid_on: Date


class Return(_In):
    version: Integer = Field(ge=1)
    comment: Annotated[MultilineText, Field(min_length=1, max_length=1000)]


class Preview(DeferredModel):
    url: str
    content_type: str
    kind: str
    expires_in: int


class ProposalAdd(_In):
    voucher_id: Annotated[str, Field(pattern=r"^[0-9a-f]{24}$")]


def _vouchers(ctx: Context) -> VoucherService:
    return ctx.invocation.vouchers(ctx.client_id)


def _payments(ctx: Context) -> PaymentProposalService:
    return ctx.invocation.payment_proposals(ctx.client_id)


Vouchers = Annotated[VoucherService, Depends(_vouchers)]
Payments = Annotated[PaymentProposalService, Depends(_payments)]


def _inbox_out(data: dict[str, Any]) -> InboxAddress:
    return InboxAddress(slug=data["slug"], address=inbox.address(data["slug"], settings().inbox_domain))


@router.get(
    "/clients/<client_id>/voucher-inbox",
    tags=["vouchers"],
    summary="The client's voucher e-mail address",
    responses=COMMON_RESPONSES,
)
def get_inbox(client_id: str, ctx: Context) -> InboxAddress:
    found = inbox.inbox_of(ctx.store, client_id)
    return _inbox_out(found or inbox.assign_inbox(ctx.store, ctx.authorized_client, ctx.actor))


@router.put(
    "/clients/<client_id>/voucher-inbox",
    tags=["vouchers"],
    summary="Choose the voucher e-mail address",
    responses=COMMON_RESPONSES,
)
def put_inbox(client_id: str, body: InboxChange, ctx: Context) -> InboxAddress:
    return _inbox_out(inbox.assign_inbox(ctx.store, ctx.authorized_client, ctx.actor, slug=body.slug))


@router.post(
    "/clients/<client_id>/voucher-uploads",
    tags=["vouchers"],
    summary="Presigned upload forms for one or more files (POST each file with its fields)",
    description="Each target is an S3 presigned POST whose policy fixes the key, the declared size and "
    "content type: send `fields` and then the file as multipart/form-data to `url`.",
    responses={201: created(UploadTargets), **COMMON_RESPONSES},
)
def create_uploads(client_id: str, body: UploadRequest, ctx: Context) -> Response[UploadTargets]:
    targets = uploads.presigned_uploads(
        ctx.invocation.s3,
        settings().inbound_bucket,
        client_id,
        ctx.actor.sub,
        [uploads.DeclaredFile(f.filename, f.content_type, f.size) for f in body.files],
    )
    items = [
        UploadTarget(
            filename=t.filename, key=t.key, url=t.url, method=t.method, fields=t.fields, expires_in=t.expires_in
        )
        for t in targets
    ]
    return Response(201, "application/json", UploadTargets(items=items))


@router.get(
    "/clients/<client_id>/vouchers", tags=["vouchers"], summary="Vouchers, all or one queue", responses=COMMON_RESPONSES
)
def list_vouchers(
    client_id: str,
    vouchers: Vouchers,
    queue: Annotated[Queue | None, Query()] = None,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> VoucherPage:
    page = vouchers.list(queue, limit, cursor)
    return VoucherPage(items=[Voucher.model_validate(view(r)) for r in page.items], next_cursor=page.next_cursor)


@router.get(
    "/clients/<client_id>/voucher-quarantine",
    tags=["vouchers"],
    summary="What the inbox refused or could not read, with the reason",
    responses=COMMON_RESPONSES,
)
def client_quarantine(client_id: str, vouchers: Vouchers) -> QuarantineList:
    return QuarantineList(items=[QuarantineItem.model_validate(i) for i in vouchers.quarantine()])


@router.get(
    "/clients/<client_id>/vouchers/<voucher_id>", tags=["vouchers"], summary="One voucher", responses=COMMON_RESPONSES
)
def get_voucher(client_id: str, voucher_id: str, vouchers: Vouchers) -> Voucher:
    return Voucher.model_validate(view(vouchers.get(voucher_id)))


@router.get(
    "/clients/<client_id>/vouchers/<voucher_id>/preview",
    tags=["vouchers"],
    summary="A short-lived URL of the voucher's preview (PDF, embedded PDF, image or summary)",
    responses=COMMON_RESPONSES,
)
def preview(client_id: str, voucher_id: str, vouchers: Vouchers, ctx: Context) -> Preview:
    return _preview(vouchers.get(voucher_id), ctx)


def _preview(rec: Record, ctx: Context) -> Preview:
    found = preview_of(rec)
    url = presigned_get(
        ctx.invocation.s3,
        found["bucket"],
        found["key"],
        content_type=found["content_type"],
        filename=rec.data["original"].get("filename"),
    )
    return Preview(url=url, content_type=found["content_type"], kind=found["kind"], expires_in=300)


@router.patch(
    "/clients/<client_id>/vouchers/<voucher_id>",
    tags=["vouchers"],
    summary="Edit the details",
    responses=COMMON_RESPONSES,
)
def edit_voucher(client_id: str, voucher_id: str, body: DetailsPatch, ctx: Context, vouchers: Vouchers) -> Voucher:
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    return Voucher.model_validate(view(vouchers.update_details(voucher_id, body.version, changes, ctx.actor)))


@router.put(
    "/clients/<client_id>/vouchers/<voucher_id>/coding",
    tags=["vouchers"],
    summary="Code the voucher (split lines: account, VAT code, project, department)",
    responses=COMMON_RESPONSES,
)
def code_voucher(client_id: str, voucher_id: str, body: Coding, ctx: Context, vouchers: Vouchers) -> Voucher:
    lines = [line.model_dump(mode="json") for line in body.lines]
    return Voucher.model_validate(view(vouchers.code(voucher_id, body.version, lines, ctx.actor)))


@router.post(
    "/clients/<client_id>/vouchers/<voucher_id>/attestation",
    tags=["vouchers"],
    summary="Send to attestation",
    description="The chain comes from the client's attestation rules (or the named `attester`, plus the rules' "
    "amount bands); the attestation workflow starts and from then on decides the voucher's status. The bureau "
    "can send an approved voucher from its queue out for attestation too.",
    responses=COMMON_RESPONSES,
)
def send_to_attestation(
    client_id: str, voucher_id: str, body: AttestationRequest, ctx: Context, vouchers: Vouchers
) -> Voucher:
    return Voucher.model_validate(
        view(vouchers.send_to_attestation(voucher_id, body.version, ctx.actor, body.comment, attester=body.attester))
    )


@router.post(
    "/clients/<client_id>/vouchers/<voucher_id>/approval",
    tags=["vouchers"],
    summary="Approve (for payment; the voucher goes to the bureau)",
    responses=COMMON_RESPONSES,
)
def approve(client_id: str, voucher_id: str, body: Step, ctx: Context, vouchers: Vouchers) -> Voucher:
    return Voucher.model_validate(view(vouchers.approve(voucher_id, body.version, ctx.actor, body.comment)))


@router.post(
    "/clients/<client_id>/vouchers/<voucher_id>/validation-override",
    tags=["vouchers"],
    summary="Accept an EHF that fails fatal rules, with the reason (recorded and audited)",
    responses=COMMON_RESPONSES,
)
def override_validation(client_id: str, voucher_id: str, body: Override, ctx: Context, vouchers: Vouchers) -> Voucher:
    return Voucher.model_validate(view(vouchers.override_validation(voucher_id, body.version, body.reason, ctx.actor)))


@router.post(
    "/clients/<client_id>/vouchers/<voucher_id>/correction-request",
    tags=["vouchers"],
    summary="Record that the supplier is asked for a corrected invoice (EHF failing fatal rules)",
    responses=COMMON_RESPONSES,
)
def request_correction(client_id: str, voucher_id: str, body: Return, ctx: Context, vouchers: Vouchers) -> Voucher:
    return Voucher.model_validate(view(vouchers.request_correction(voucher_id, body.version, body.comment, ctx.actor)))


@router.post(
    "/clients/<client_id>/vouchers/<voucher_id>/payment",
    tags=["vouchers"],
    summary="Mark paid",
    responses=COMMON_RESPONSES,
)
def mark_paid(client_id: str, voucher_id: str, body: Payment, ctx: Context, vouchers: Vouchers) -> Voucher:
    return Voucher.model_validate(view(vouchers.mark_paid(voucher_id, body.version, body.paid_on, ctx.actor)))


@router.post(
    "/clients/<client_id>/vouchers/<voucher_id>/booking",
    tags=["vouchers"],
    summary="Book (bureau): a balanced journal entry with the next voucher number",
    responses=COMMON_RESPONSES,
)
def book(client_id: str, voucher_id: str, body: Step, ctx: Context, vouchers: Vouchers) -> Response[Voucher]:
    return run_idempotent(
        ctx,
        {"voucher_id": voucher_id, **body.model_dump(mode="json")},
        Voucher,
        lambda: (200, view(vouchers.book(voucher_id, body.version, ctx.actor))),
    )


@router.post(
    "/clients/<client_id>/vouchers/<voucher_id>/return",
    tags=["vouchers"],
    summary="Return to the client with a comment (bureau)",
    responses=COMMON_RESPONSES,
)
def return_voucher(client_id: str, voucher_id: str, body: Return, ctx: Context, vouchers: Vouchers) -> Voucher:
    return Voucher.model_validate(view(vouchers.return_to_client(voucher_id, body.version, body.comment, ctx.actor)))


@router.get(
    "/bureau/voucher-queue",
    tags=["vouchers"],
    summary="The bureau's queue: approved vouchers of the clients you reach, oldest client first",
    responses=COMMON_RESPONSES,
)
def bureau_queue(
    ctx: Context,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> BureauQueue:
    page = queue_of_bureau(ctx.store, ctx.user, ctx.bureau_id, limit, cursor)
    return BureauQueue(items=[BureauQueueItem.model_validate(i) for i in page.items], next_cursor=page.next_cursor)


@router.get(
    "/clients/<client_id>/payment-proposal",
    tags=["vouchers"],
    summary="The open payment proposal (empty when there is none)",
    responses=COMMON_RESPONSES,
)
def get_payment_proposal(client_id: str, payments: Payments) -> PaymentProposal:
    return PaymentProposal.model_validate(payments.current())


@router.post(
    "/clients/<client_id>/payment-proposal/vouchers",
    tags=["vouchers"],
    summary="Add an approved voucher to the payment proposal (idempotent)",
    description="Amount, due date, KID or message and the creditor account come from the voucher (or its "
    "supplier). A voucher is in at most one proposal; adding it again changes nothing.",
    responses=COMMON_RESPONSES,
)
def add_to_payment(client_id: str, body: ProposalAdd, ctx: Context, payments: Payments) -> PaymentProposal:
    return PaymentProposal.model_validate(payments.add(body.voucher_id, ctx.actor))


@router.delete(
    "/clients/<client_id>/payment-proposal/vouchers/<voucher_id>",
    tags=["vouchers"],
    summary="Take a voucher out of the payment proposal",
    responses=COMMON_RESPONSES,
)
def remove_from_payment(client_id: str, voucher_id: str, ctx: Context, payments: Payments) -> PaymentProposal:
    return PaymentProposal.model_validate(payments.remove(voucher_id, ctx.actor))


from functions.vouchers.attestation_api import router as attestation_router  # noqa: E402 (uses _preview)

app = build_app([router, attestation_router], catalogue.function("vouchers").routes)
lambda_handler = http_handler(app)
