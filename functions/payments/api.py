"""HTTP handler of outgoing payments: payment batches and their approval (step-up, four eyes, bound
to the content hash), the client's payment settings, supplier account changes. Thin: models in,
`klientportal.payments` does the work, models out."""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, ConfigDict, Field

from functions import catalogue
from functions.payments.responses import (
    AccountChange,
    AccountChanges,
    BatchWorkflow,
    PaymentBatch,
    PaymentBatchPage,
    PaymentSettings,
)
from klientportal.api.app import Context, build_app, http_handler
from klientportal.api.idempotency import run_idempotent
from klientportal.api.problems import COMMON_RESPONSES, created
from klientportal.api.types import Integer, Money, MultilineText
from klientportal.errors import NotFound
from klientportal.payments import settings as payment_settings
from klientportal.payments.batches import MAX_BATCH_LINES, PaymentBatchService, batch_view
from klientportal.payments.supplier_accounts import SupplierAccountChanges
from klientportal.repository import keys
from klientportal.validation.norwegian import BankAccount, Bic, Iban

router = Router()
TAGS = ["payments"]
VoucherId = Annotated[str, Field(pattern=r"^[0-9a-f]{24}$")]
Hash = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="The content hash of the batch you reviewed")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class BatchCreate(_In):
    execution_date: date | None = Field(
        default=None, description="A Norwegian bank business day, today or later (default: the next business day)"
    )
    voucher_ids: Annotated[list[VoucherId], Field(min_length=1, max_length=MAX_BATCH_LINES)] | None = Field(
        default=None, description="The proposal's vouchers to pay in this batch (default: all of them)"
    )


class BatchChange(_In):
    version: Integer = Field(ge=1)
    execution_date: date | None = None
    remove_voucher_ids: Annotated[list[VoucherId], Field(max_length=MAX_BATCH_LINES)] = []


class ApprovalIn(_In):
    content_hash: Hash


class CancelIn(_In):
    version: Integer = Field(ge=1)
    reason: Annotated[MultilineText, Field(min_length=1, max_length=500)]


class SettingsIn(_In):
    version: Integer = Field(ge=0, description="The current version (0 while the default applies)")
    two_approver_threshold: Annotated[Money, Field(ge=0, le=1_000_000_000)]


class AccountChangeIn(_In):
    bank_account: BankAccount | None = None
    iban: Iban | None = None
    bic: Bic | None = None
    reason: Annotated[MultilineText, Field(max_length=500)] | None = None


class DecisionIn(_In):
    change_id: Annotated[str, Field(pattern=r"^ac-[0-9a-f]{12}$")]
    comment: Annotated[MultilineText, Field(max_length=500)] | None = None


def _batches(ctx: Context) -> PaymentBatchService:
    return ctx.invocation.payment_batches(ctx.client_id)


def _accounts(ctx: Context) -> SupplierAccountChanges:
    return ctx.invocation.supplier_account_changes(ctx.client_id)


Batches = Annotated[PaymentBatchService, Depends(_batches)]
Accounts = Annotated[SupplierAccountChanges, Depends(_accounts)]


def _supplier_number(item_id: str) -> int:
    if not item_id.isdigit() or not 1 <= int(item_id) <= 999_999_999:
        raise NotFound(f"no supplier {item_id[:20]}")
    return int(item_id)


@router.get(
    "/clients/<client_id>/payment-batches",
    tags=TAGS,
    summary="Payment batches, newest first",
    responses=COMMON_RESPONSES,
)
def list_batches(
    client_id: str,
    batches: Batches,
    limit: Annotated[int | None, Query(ge=1, le=100)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> PaymentBatchPage:
    page = batches.list(limit, cursor)
    return PaymentBatchPage.model_validate(
        {"items": [batch_view(r) for r in page.items], "next_cursor": page.next_cursor}
    )


@router.post(
    "/clients/<client_id>/payment-batches",
    tags=TAGS,
    summary="Make a payment batch of the payment proposal's vouchers",
    description="The lines are frozen from the vouchers and the supplier register (payable amount, creditor "
    "account, KID or message) and the vouchers leave the proposal; the batch's content hash identifies what "
    "is paid. Its approval workflow starts at once. Idempotency-Key replays the first answer.",
    responses={201: created(PaymentBatch), **COMMON_RESPONSES},
)
def create_batch(client_id: str, body: BatchCreate, ctx: Context, batches: Batches) -> Response[PaymentBatch]:
    payload = body.model_dump(mode="json")
    return run_idempotent(
        ctx,
        payload,
        PaymentBatch,
        lambda: (201, batch_view(batches.create(body.execution_date, body.voucher_ids, ctx.actor))),
    )


@router.get(
    "/clients/<client_id>/payment-batches/<batch_id>",
    tags=TAGS,
    summary="One payment batch",
    responses=COMMON_RESPONSES,
)
def get_batch(client_id: str, batch_id: str, batches: Batches) -> PaymentBatch:
    return PaymentBatch.model_validate(batch_view(batches.get(batch_id)))


@router.get(
    "/clients/<client_id>/payment-batches/<batch_id>/workflow",
    tags=TAGS,
    summary="The batch's payment-approval execution: status and history",
    responses=COMMON_RESPONSES,
)
def get_batch_workflow(client_id: str, batch_id: str, batches: Batches) -> BatchWorkflow:
    from botocore.exceptions import ClientError

    from klientportal.workflows import executions

    batches.get(batch_id)
    execution = batches.workflow.execution_arn(client_id, batch_id)
    try:
        found = executions.describe(execution)
    except ClientError as exc:  # ExecutionDoesNotExist: the workflow did not start
        raise NotFound(f"the batch {batch_id} has no workflow execution") from exc
    return BatchWorkflow.model_validate({**found, "events": executions.history(execution)})


@router.patch(
    "/clients/<client_id>/payment-batches/<batch_id>",
    tags=TAGS,
    summary="Change a batch awaiting approval (execution date, fewer lines): earlier approvals no longer count",
    responses=COMMON_RESPONSES,
)
def change_batch(client_id: str, batch_id: str, body: BatchChange, ctx: Context, batches: Batches) -> PaymentBatch:
    rec = batches.change(
        batch_id,
        body.version,
        ctx.actor,
        execution_date=body.execution_date,
        remove_voucher_ids=list(dict.fromkeys(body.remove_voucher_ids)),
    )
    return PaymentBatch.model_validate(batch_view(rec))


@router.post(
    "/clients/<client_id>/payment-batches/<batch_id>/approvals",
    tags=TAGS,
    summary="Approve the batch's content (fresh BankID sign-in required)",
    description="The token must carry a BankID-level `acr` and an `auth_time` within the step-up window "
    "(401 step-up-required / step-up-stale otherwise). `content_hash` is the hash of the batch you reviewed; "
    "if the batch changed since, 409 content-hash-mismatch. Above the client's threshold two different people "
    "approve; the creator never approves alone.",
    responses=COMMON_RESPONSES,
)
def approve_batch(
    client_id: str, batch_id: str, body: ApprovalIn, ctx: Context, batches: Batches
) -> Response[PaymentBatch]:
    return run_idempotent(
        ctx,
        {"approve": batch_id, "content_hash": body.content_hash},
        PaymentBatch,
        lambda: (200, batch_view(batches.approve(batch_id, body.content_hash, ctx.user))),
    )


@router.post(
    "/clients/<client_id>/payment-batches/<batch_id>/cancellation",
    tags=TAGS,
    summary="Cancel a batch awaiting approval; its vouchers are freed",
    responses=COMMON_RESPONSES,
)
def cancel_batch(client_id: str, batch_id: str, body: CancelIn, ctx: Context, batches: Batches) -> PaymentBatch:
    rec = batches.cancel(batch_id, ctx.actor, body.reason, version=body.version)
    return PaymentBatch.model_validate(batch_view(rec or batches.get(batch_id)))


@router.get(
    "/clients/<client_id>/payment-settings",
    tags=TAGS,
    summary="The client's payment settings",
    responses=COMMON_RESPONSES,
)
def get_settings(client_id: str, ctx: Context) -> PaymentSettings:
    return PaymentSettings.model_validate(payment_settings.current(ctx.store, client_id))


@router.put(
    "/clients/<client_id>/payment-settings",
    tags=TAGS,
    summary="Set the two-approver threshold (fresh BankID sign-in required)",
    description="Applies to batches made or changed afterwards.",
    responses=COMMON_RESPONSES,
)
def put_settings(client_id: str, body: SettingsIn, ctx: Context, batches: Batches) -> PaymentSettings:
    batches.step_up.check(ctx.user)
    return PaymentSettings.model_validate(
        payment_settings.put(ctx.store, client_id, body.version, body.two_approver_threshold, ctx.actor)
    )


@router.get(
    "/clients/<client_id>/suppliers/<item_id>/account-change",
    tags=TAGS,
    summary="A supplier's account changes: the pending one first, then the decided ones",
    responses=COMMON_RESPONSES,
)
def get_account_changes(client_id: str, item_id: str, accounts: Accounts) -> AccountChanges:
    items = accounts.history(_supplier_number(item_id))
    return AccountChanges.model_validate({"items": sorted(items, key=lambda x: x["status"] != "pending")})


@router.post(
    "/clients/<client_id>/suppliers/<item_id>/account-change",
    tags=TAGS,
    summary="Request a change of the supplier's bank account (a second person approves it)",
    responses={201: created(AccountChange), **COMMON_RESPONSES},
)
def request_account_change(
    client_id: str, item_id: str, body: AccountChangeIn, ctx: Context, accounts: Accounts
) -> Response[AccountChange]:
    new = body.model_dump(mode="json", exclude={"reason"})
    made = accounts.request(_supplier_number(item_id), new, body.reason, ctx.actor)
    return Response(201, "application/json", AccountChange.model_validate(made))


@router.post(
    "/clients/<client_id>/suppliers/<item_id>/account-change/approval",
    tags=TAGS,
    summary="Approve the pending account change (not by the person who requested it); the register changes",
    responses=COMMON_RESPONSES,
)
def approve_account_change(
    client_id: str, item_id: str, body: DecisionIn, ctx: Context, accounts: Accounts
) -> AccountChange:
    return AccountChange.model_validate(
        accounts.approve(_supplier_number(item_id), body.change_id, ctx.actor, body.comment)
    )


@router.post(
    "/clients/<client_id>/suppliers/<item_id>/account-change/rejection",
    tags=TAGS,
    summary="Reject (or, by its requester, withdraw) the pending account change",
    responses=COMMON_RESPONSES,
)
def reject_account_change(
    client_id: str, item_id: str, body: DecisionIn, ctx: Context, accounts: Accounts
) -> AccountChange:
    return AccountChange.model_validate(
        accounts.reject(_supplier_number(item_id), body.change_id, ctx.actor, body.comment)
    )


def _preload(route_key: str, path: dict[str, str]) -> list[str]:
    batch_id = path.get("batch_id")
    out: list[str] = [keys.PAYMENT_SETTINGS_SK] if "payment-batches" in route_key else []
    if batch_id:
        with contextlib.suppress(ValueError):
            out.append(keys.payment_batch_sk(batch_id))
    return out


app = build_app([router], catalogue.function("payments").routes, _preload)
lambda_handler = http_handler(app)
