"""The push API of the bureau's system: master data, journal entries and payment status, idempotent
by the external id, version-aware (klientportal/sync/push.py; rules in docs/sync.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, ConfigDict, Field

from klientportal.api.app import Context
from klientportal.api.problems import COMMON_RESPONSES
from klientportal.api.response_model import DeferredModel
from klientportal.api.types import Date, Integer, Money, Text
from klientportal.errors import FieldError, InvalidInput
from klientportal.invoicing.records import Payment
from klientportal.sync import push

router = Router()
TAGS = ["sync"]
ExternalId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]{1,90}$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class MasterDataPush(_In):
    base_version: Integer | None = Field(description="the portal version the change is based on; null for a new item")
    data: dict[str, Any]


class PostingPush(_In):
    account: Annotated[Text, Field(min_length=4, max_length=6)]
    amount: Money
    text: Annotated[Text, Field(min_length=1, max_length=200)]
    vat_code: Annotated[Text | None, Field(max_length=4)] = None
    customer_number: Annotated[Integer | None, Field(ge=1, le=999_999_999)] = None
    supplier_number: Annotated[Integer | None, Field(ge=1, le=999_999_999)] = None
    department: Annotated[Text | None, Field(max_length=20)] = None
    project: Annotated[Text | None, Field(max_length=20)] = None


class JournalEntryPush(_In):
    date: Date
    text: Annotated[Text, Field(min_length=1, max_length=200)]
    postings: Annotated[list[PostingPush], Field(min_length=2, max_length=30)]


class PaymentPush(_In):
    invoice_id: Annotated[Text, Field(min_length=1, max_length=64)]
    amount: Annotated[Money, Field(gt=0)]
    paid_on: Date
    reference: Annotated[Text | None, Field(max_length=100)] = None


class Pushed(DeferredModel):
    outcome: Literal["created", "updated", "unchanged"]
    kind: str
    external_id: str
    local_key: str
    version: int
    data: dict[str, Any]


def _answer(result: push.Pushed, kind: str, external_id: str) -> Response[Pushed]:
    body = Pushed(
        outcome=result.outcome,
        kind=kind,
        external_id=external_id,
        local_key=result.record.sk,
        version=result.record.version,
        data=result.record.data,
    )
    return Response(201 if result.outcome == "created" else 200, "application/json", body)


def _external(external_id: str) -> str:
    import re

    if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,90}", external_id):
        raise InvalidInput("not an external id", [FieldError("external_id", "1 to 90 of A-Z a-z 0-9 _ . : -")])
    return external_id


@router.put(
    "/clients/<client_id>/sync/master-data/<kind>/<external_id>",
    tags=TAGS,
    summary="Create or update an account, VAT code, department, project or dimension value by the bureau's id",
    description="`base_version` is the portal version the change is based on (null: new). A stale base is "
    "409 sync-conflict with the portal's current item; see docs/sync.md for every rule.",
    responses=COMMON_RESPONSES,
)
def push_master_data(
    client_id: str,
    kind: Literal["accounts", "vat-codes", "departments", "projects", "dimensions"],
    external_id: str,
    body: MasterDataPush,
    ctx: Context,
) -> Response[Pushed]:
    result = push.Push(ctx.store, client_id, ctx.actor).master_data(
        kind, _external(external_id), body.base_version, body.data
    )
    return _answer(result, kind, external_id)


@router.put(
    "/clients/<client_id>/sync/journal-entries/<external_id>",
    tags=TAGS,
    summary="A journal entry booked in the bureau's system, into the ledger once per external id",
    responses=COMMON_RESPONSES,
)
def push_journal_entry(client_id: str, external_id: str, body: JournalEntryPush, ctx: Context) -> Response[Pushed]:
    postings = [push.PostingIn.model_validate(p.model_dump()) for p in body.postings]
    result = push.journal_entry(ctx.store, client_id, _external(external_id), body.date, body.text, postings, ctx.actor)
    return _answer(result, "journal-entries", external_id)


@router.put(
    "/clients/<client_id>/sync/payments/<external_id>",
    tags=TAGS,
    summary="A payment of an invoice registered in the bureau's system (once per external id)",
    description="The first push records the payment (`updated`: the invoice's payment status changed); the "
    "same push again is `unchanged` and writes nothing; other content under the same external id is 409.",
    responses=COMMON_RESPONSES,
)
def push_payment(client_id: str, external_id: str, body: PaymentPush, ctx: Context) -> Response[Pushed]:
    payment = Payment(
        payment_id=f"bureau.{_external(external_id)}",
        amount=body.amount,
        paid_on=body.paid_on,
        reference=body.reference,
    )
    rec, recorded = ctx.invocation.invoices(client_id).register_payment_once(body.invoice_id, payment, ctx.actor)
    body_out = Pushed(
        outcome="updated" if recorded else "unchanged",
        kind="payments",
        external_id=external_id,
        local_key=rec.sk,
        version=rec.version,
        data={"status": rec.data.get("status"), "paid_amount": rec.data.get("paid_amount")},
    )
    return Response(200, "application/json", body_out)
