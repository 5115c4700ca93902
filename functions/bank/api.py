"""HTTP handler of incoming bank payments: the bank agreement, bank file imports, the payments and
their manual matching, and the customer sub-ledger. Thin: models in, `klientportal.bank` does the
work, models out."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, ConfigDict, Field, model_validator

from functions import catalogue
from functions.bank.responses import (
    BankAgreementOut,
    BankImportOut,
    BankImportPage,
    BankPaymentOut,
    BankPaymentPage,
    BankUploadTargetOut,
    ReceivableList,
    ReceivableOut,
)
from klientportal.api.app import Context, build_app, http_handler
from klientportal.api.problems import COMMON_RESPONSES, created
from klientportal.api.types import Integer, Money
from klientportal.bank.agreements import BankAgreement
from klientportal.bank.open_items import ReceivableIn
from klientportal.bank.service import BankService
from klientportal.errors import DomainError, FieldError, InvalidInput
from klientportal.repository import keys
from klientportal.repository.records import Record

router = Router()
TAGS = ["bank"]
IMPORT_ROUTE = "POST /clients/{client_id}/bank/imports"
MAX_UPLOAD_BYTES = 64 * 1024 * 1024


def _bank(ctx: Context) -> BankService:
    return ctx.invocation.bank(ctx.tenant)


Bank = Annotated[BankService, Depends(_bank)]


class EmptyFile(DomainError):
    status, slug, title = 422, "bank-file-empty", "The request carries no bank file"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class UploadRequest(_In):
    size: Annotated[Integer, Field(ge=1, le=MAX_UPLOAD_BYTES, description="the file's exact size in bytes")]


class MatchTarget(_In):
    invoice_id: Annotated[str, Field(pattern=r"^inv-[0-9a-f]{16}$")] | None = None
    invoice_number: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9/_-]{0,29}$")] | None = None
    amount: Annotated[Money, Field(gt=0)] | None = None

    @model_validator(mode="after")
    def _one_target(self) -> MatchTarget:
        if (self.invoice_id is None) == (self.invoice_number is None):
            raise ValueError("name either invoice_id (a portal invoice) or invoice_number (an open item)")
        return self


class MatchRequest(_In):
    version: Integer = Field(ge=1)
    items: Annotated[list[MatchTarget], Field(min_length=1, max_length=20)]


@router.get("/clients/<client_id>/bank/agreement", tags=TAGS, summary="The bank agreement", responses=COMMON_RESPONSES)
def get_agreement(client_id: str, bank: Bank) -> BankAgreementOut:
    return BankAgreementOut.model_validate(bank.agreement_view())


@router.put(
    "/clients/<client_id>/bank/agreement",
    tags=TAGS,
    summary="Set the bank agreement: accounts (MOD11-checked), OCR/eGiro agreement, channel id",
    responses=COMMON_RESPONSES,
)
def put_agreement(client_id: str, body: BankAgreement, bank: Bank, ctx: Context) -> BankAgreementOut:
    return BankAgreementOut.model_validate(bank.set_agreement(body, ctx.actor))


@router.post(
    "/clients/<client_id>/bank/imports",
    tags=TAGS,
    summary="Import a bank file: the raw file as the body (OCR giro text or camt XML)",
    description="Send the file's bytes unaltered with Content-Type application/octet-stream (or text/plain, "
    "application/xml). The file is stored first and imported from a queue: 202 with the import `received`; the "
    "same file again answers 200 with its import. Files larger than 6 MiB go through /bank/import-uploads.",
    responses={202: created(BankImportOut), **COMMON_RESPONSES},
)
def post_import(client_id: str, bank: Bank, ctx: Context) -> Response[BankImportOut]:
    event = router.current_event
    data = _body_bytes(event.body, bool(event.is_base64_encoded))
    rec, new = bank.imports.receive(data, "upload", ctx.actor)
    return Response(202 if new else 200, "application/json", _import_view(rec))


def _import_view(rec: Record) -> BankImportOut:
    from klientportal.bank.imports import view  # the file import's module (bank formats): its routes only

    return BankImportOut.model_validate(view(rec))


def _body_bytes(body: str | None, encoded: bool) -> bytes:
    if not body:
        raise EmptyFile("send the bank file's bytes as the request body")
    if not encoded:
        return body.encode("utf-8")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("the body is not valid base64", [FieldError("body", "malformed encoding")]) from None


@router.post(
    "/clients/<client_id>/bank/import-uploads",
    tags=TAGS,
    summary="A presigned upload for a large bank file (POST it with the fields); imported like a body",
    responses={201: created(BankUploadTargetOut), **COMMON_RESPONSES},
)
def post_upload(client_id: str, body: UploadRequest, bank: Bank, ctx: Context) -> Response[BankUploadTargetOut]:
    return Response(
        201, "application/json", BankUploadTargetOut.model_validate(bank.upload_target(body.size, ctx.actor.sub))
    )


@router.get("/clients/<client_id>/bank/imports", tags=TAGS, summary="Bank file imports", responses=COMMON_RESPONSES)
def list_imports(
    client_id: str,
    ctx: Context,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> BankImportPage:
    page = ctx.store.query(keys.client_pk(client_id), keys.BANK_IMPORT_PREFIX, limit=limit, cursor=cursor)
    return BankImportPage(items=[_import_view(r) for r in page.items], next_cursor=page.next_cursor)


@router.get(
    "/clients/<client_id>/bank/imports/<import_id>",
    tags=TAGS,
    summary="One import: state, format, counts, or why it was rejected",
    responses=COMMON_RESPONSES,
)
def get_import(client_id: str, import_id: str, bank: Bank) -> BankImportOut:
    return _import_view(bank.imports.get(import_id))


@router.get(
    "/clients/<client_id>/bank/payments",
    tags=TAGS,
    summary="Incoming payments; status=unmatched is the manual-matching queue, with suggestions",
    responses=COMMON_RESPONSES,
)
def list_payments(
    client_id: str,
    bank: Bank,
    status: Annotated[Literal["matched", "unmatched"] | None, Query()] = None,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> BankPaymentPage:
    items, next_cursor = bank.payments(status, limit, cursor)
    return BankPaymentPage(items=[BankPaymentOut.model_validate(i) for i in items], next_cursor=next_cursor)


@router.get(
    "/clients/<client_id>/bank/payments/<payment_id>",
    tags=TAGS,
    summary="One incoming payment and the explanation of its match",
    responses=COMMON_RESPONSES,
)
def get_payment(client_id: str, payment_id: str, bank: Bank) -> BankPaymentOut:
    return BankPaymentOut.model_validate(bank.payment(payment_id))


@router.post(
    "/clients/<client_id>/bank/payments/<payment_id>/match",
    tags=TAGS,
    summary="Match an unmatched payment by hand to one or more open items (booked like an automatic match)",
    responses=COMMON_RESPONSES,
)
def match_payment(client_id: str, payment_id: str, body: MatchRequest, bank: Bank, ctx: Context) -> BankPaymentOut:
    targets: list[dict[str, Any]] = [t.model_dump() for t in body.items]
    return BankPaymentOut.model_validate(bank.match_by_hand(payment_id, body.version, targets, ctx.actor))


@router.get(
    "/clients/<client_id>/receivables",
    tags=TAGS,
    summary="The customer sub-ledger, a page at a time: items issued outside the portal, then portal invoices",
    responses=COMMON_RESPONSES,
)
def list_receivables(
    client_id: str,
    bank: Bank,
    status: Annotated[Literal["open", "partly_paid", "paid", "overpaid"] | None, Query()] = None,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> ReceivableList:
    items, next_cursor = bank.receivables.page(status, limit, cursor)
    return ReceivableList(items=[ReceivableOut.model_validate(i) for i in items], next_cursor=next_cursor)


@router.post(
    "/clients/<client_id>/receivables",
    tags=TAGS,
    summary="Register an open item issued outside the portal (idempotent per invoice number)",
    responses={201: created(ReceivableOut), **COMMON_RESPONSES},
)
def post_receivable(client_id: str, body: ReceivableIn, bank: Bank, ctx: Context) -> Response[ReceivableOut]:
    from klientportal.bank.open_items import external_view

    rec, new = bank.receivables.add(body, ctx.actor)
    return Response(201 if new else 200, "application/json", ReceivableOut.model_validate(external_view(rec.data)))


app = build_app([router], catalogue.function("bank").routes, raw_bodies=[IMPORT_ROUTE])
lambda_handler = http_handler(app)
