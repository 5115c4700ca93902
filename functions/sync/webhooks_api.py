"""Webhook subscriptions of a client and of the bureau: create (the secret answered once), list,
change, delete, rotate the secret, the delivery log, the dead-letter list, redelivery."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, ConfigDict, Field

from functions.sync.common import delivery_sender, is_local, operational
from klientportal.api.app import Context
from klientportal.api.problems import COMMON_RESPONSES, created
from klientportal.api.response_model import DeferredModel
from klientportal.api.types import Flag, Integer, Text
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.sync.webhooks.deliveries import Deliveries, dead_gsi, delivery_prefix
from klientportal.sync.webhooks.subscriptions import Subscriptions, public_view

router = Router()
EventType = Annotated[str, Field(min_length=1, max_length=100)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class WebhookCreate(_In):
    url: Annotated[Text, Field(min_length=8, max_length=2000)]
    event_types: Annotated[list[EventType], Field(min_length=1, max_length=100)] = ["*"]
    description: Annotated[Text | None, Field(max_length=200)] = None


class WebhookUpdate(_In):
    version: Integer
    url: Annotated[Text | None, Field(min_length=8, max_length=2000)] = None
    event_types: Annotated[list[EventType] | None, Field(min_length=1, max_length=100)] = None
    active: Flag | None = None
    description: Annotated[Text | None, Field(max_length=200)] = None


class Rotation(_In):
    version: Integer
    overlap_hours: Annotated[Integer, Field(ge=0, le=168)] = 24


class Webhook(DeferredModel):
    id: str
    url: str
    event_types: list[str]
    description: str | None
    active: bool
    previous_secret_signs_until: str | None
    version: int
    created_at: str
    updated_at: str


class WebhookWithSecret(Webhook):
    secret: str = Field(description="the signing secret: shown this once, store it now")


class WebhookList(DeferredModel):
    items: list[Webhook]


class Attempt(DeferredModel):
    at: str
    attempt: int
    status_code: int | None
    error: str | None
    duration_ms: int


class Delivery(DeferredModel):
    id: str
    event_id: str
    event_type: str
    status: Literal["pending", "delivered", "dead", "cancelled"]
    attempts: int
    next_attempt_at: str | None = None
    delivered_at: str | None = None
    dead_at: str | None = None
    log: list[Attempt]


class DeliveryPage(DeferredModel):
    items: list[Delivery]
    next_cursor: str | None = None


def _subs(ctx: Context, partition: str) -> Subscriptions:
    return Subscriptions(ctx.store, partition, local=is_local())


def _deliveries(ctx: Context) -> Deliveries:
    return Deliveries(ctx.store, operational(ctx.invocation), delivery_sender(), local=is_local())


def _delivery(rec: Record) -> Delivery:
    d = rec.data
    return Delivery(
        id=d["id"],
        event_id=d["event"]["id"],
        event_type=d["event"]["action"],
        status=d["status"],
        attempts=d["attempts"],
        next_attempt_at=d.get("next_attempt_at") if d["status"] == "pending" else None,
        delivered_at=d.get("delivered_at"),
        dead_at=d.get("dead_at"),
        log=[Attempt.model_validate(a) for a in d["log"]],
    )


# one implementation for both scopes -----------------------------------------------------------
def _create(ctx: Context, partition: str, body: WebhookCreate) -> Response[WebhookWithSecret]:
    made = _subs(ctx, partition).create(body.url, body.event_types, body.description, ctx.actor)
    return Response(201, "application/json", WebhookWithSecret(**public_view(made.record), secret=made.secret))


def _update(ctx: Context, partition: str, webhook_id: str, body: WebhookUpdate) -> Webhook:
    rec = _subs(ctx, partition).update(
        webhook_id,
        version=body.version,
        url=body.url,
        event_types=body.event_types,
        active=body.active,
        description=body.description,
        actor=ctx.actor,
    )
    return Webhook(**public_view(rec))


def _rotate(ctx: Context, partition: str, webhook_id: str, body: Rotation) -> WebhookWithSecret:
    made = _subs(ctx, partition).rotate(
        webhook_id, version=body.version, overlap_hours=body.overlap_hours, actor=ctx.actor
    )
    return WebhookWithSecret(**public_view(made.record), secret=made.secret)


def _log(
    ctx: Context, partition: str, webhook_id: str, dead: bool, limit: int | None, cursor: str | None
) -> DeliveryPage:
    _subs(ctx, partition).get(webhook_id)
    if dead:
        page = ctx.store.query(dead_gsi(partition, webhook_id), index="GSI1", limit=limit, cursor=cursor)
    else:
        page = ctx.store.query(partition, delivery_prefix(webhook_id), limit=limit, cursor=cursor, forward=False)
    return DeliveryPage(items=[_delivery(r) for r in page.items], next_cursor=page.next_cursor)


def _redeliver(ctx: Context, partition: str, webhook_id: str, delivery_id: str) -> Delivery:
    _subs(ctx, partition).get(webhook_id)
    return _delivery(_deliveries(ctx).redeliver(partition, webhook_id, delivery_id))


Limit = Annotated[int | None, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=2000)]
TAGS = ["webhooks"]
C = "/clients/<client_id>/webhooks"
B = "/bureau/webhooks"


# client scope ----------------------------------------------------------------------------------
@router.post(
    C,
    tags=TAGS,
    summary="Subscribe to the client's domain events (the secret is answered once)",
    responses={201: created(WebhookWithSecret), **COMMON_RESPONSES},
)
def create_client_webhook(client_id: str, body: WebhookCreate, ctx: Context) -> Response[WebhookWithSecret]:
    return _create(ctx, keys.client_pk(client_id), body)


@router.get(C, tags=TAGS, summary="The client's webhook subscriptions", responses=COMMON_RESPONSES)
def list_client_webhooks(client_id: str, ctx: Context) -> WebhookList:
    return WebhookList(items=[Webhook(**public_view(r)) for r in _subs(ctx, keys.client_pk(client_id)).all()])


@router.get(C + "/<webhook_id>", tags=TAGS, summary="One webhook subscription", responses=COMMON_RESPONSES)
def get_client_webhook(client_id: str, webhook_id: str, ctx: Context) -> Webhook:
    return Webhook(**public_view(_subs(ctx, keys.client_pk(client_id)).get(webhook_id)))


@router.patch(
    C + "/<webhook_id>", tags=TAGS, summary="Change URL, event types, pause or resume", responses=COMMON_RESPONSES
)
def update_client_webhook(client_id: str, webhook_id: str, body: WebhookUpdate, ctx: Context) -> Webhook:
    return _update(ctx, keys.client_pk(client_id), webhook_id, body)


@router.delete(
    C + "/<webhook_id>",
    tags=TAGS,
    summary="Delete a subscription (pending deliveries are cancelled)",
    responses=COMMON_RESPONSES,
)
def delete_client_webhook(
    client_id: str, webhook_id: str, version: Annotated[int, Query(ge=1)], ctx: Context
) -> Response[None]:
    _subs(ctx, keys.client_pk(client_id)).delete(webhook_id, version=version, actor=ctx.actor)
    return Response(204, None, None)


@router.post(
    C + "/<webhook_id>/secret-rotation",
    tags=TAGS,
    summary="A new signing secret (answered once); the old one keeps signing for the overlap",
    responses=COMMON_RESPONSES,
)
def rotate_client_webhook(client_id: str, webhook_id: str, body: Rotation, ctx: Context) -> WebhookWithSecret:
    return _rotate(ctx, keys.client_pk(client_id), webhook_id, body)


@router.get(C + "/<webhook_id>/deliveries", tags=TAGS, summary="The delivery log", responses=COMMON_RESPONSES)
def client_deliveries(
    client_id: str, webhook_id: str, ctx: Context, limit: Limit = None, cursor: Cursor = None
) -> DeliveryPage:
    return _log(ctx, keys.client_pk(client_id), webhook_id, False, limit, cursor)


@router.get(
    C + "/<webhook_id>/dead-letters",
    tags=TAGS,
    summary="Deliveries that failed every retry",
    responses=COMMON_RESPONSES,
)
def client_dead_letters(
    client_id: str, webhook_id: str, ctx: Context, limit: Limit = None, cursor: Cursor = None
) -> DeliveryPage:
    return _log(ctx, keys.client_pk(client_id), webhook_id, True, limit, cursor)


@router.post(
    C + "/<webhook_id>/deliveries/<delivery_id>/redelivery",
    tags=TAGS,
    summary="Deliver a dead (or delivered) event again",
    responses=COMMON_RESPONSES,
)
def redeliver_client(client_id: str, webhook_id: str, delivery_id: str, ctx: Context) -> Delivery:
    return _redeliver(ctx, keys.client_pk(client_id), webhook_id, delivery_id)


# bureau scope ----------------------------------------------------------------------------------
@router.post(
    B,
    tags=TAGS,
    summary="Subscribe to every client's domain events (the secret is answered once)",
    responses={201: created(WebhookWithSecret), **COMMON_RESPONSES},
)
def create_bureau_webhook(body: WebhookCreate, ctx: Context) -> Response[WebhookWithSecret]:
    return _create(ctx, keys.bureau_pk(ctx.bureau_id), body)


@router.get(B, tags=TAGS, summary="The bureau's webhook subscriptions", responses=COMMON_RESPONSES)
def list_bureau_webhooks(ctx: Context) -> WebhookList:
    return WebhookList(items=[Webhook(**public_view(r)) for r in _subs(ctx, keys.bureau_pk(ctx.bureau_id)).all()])


@router.get(B + "/<webhook_id>", tags=TAGS, summary="One webhook subscription", responses=COMMON_RESPONSES)
def get_bureau_webhook(webhook_id: str, ctx: Context) -> Webhook:
    return Webhook(**public_view(_subs(ctx, keys.bureau_pk(ctx.bureau_id)).get(webhook_id)))


@router.patch(
    B + "/<webhook_id>", tags=TAGS, summary="Change URL, event types, pause or resume", responses=COMMON_RESPONSES
)
def update_bureau_webhook(webhook_id: str, body: WebhookUpdate, ctx: Context) -> Webhook:
    return _update(ctx, keys.bureau_pk(ctx.bureau_id), webhook_id, body)


@router.delete(B + "/<webhook_id>", tags=TAGS, summary="Delete a subscription", responses=COMMON_RESPONSES)
def delete_bureau_webhook(webhook_id: str, version: Annotated[int, Query(ge=1)], ctx: Context) -> Response[None]:
    _subs(ctx, keys.bureau_pk(ctx.bureau_id)).delete(webhook_id, version=version, actor=ctx.actor)
    return Response(204, None, None)


@router.post(
    B + "/<webhook_id>/secret-rotation",
    tags=TAGS,
    summary="A new signing secret (answered once); the old one keeps signing for the overlap",
    responses=COMMON_RESPONSES,
)
def rotate_bureau_webhook(webhook_id: str, body: Rotation, ctx: Context) -> WebhookWithSecret:
    return _rotate(ctx, keys.bureau_pk(ctx.bureau_id), webhook_id, body)


@router.get(B + "/<webhook_id>/deliveries", tags=TAGS, summary="The delivery log", responses=COMMON_RESPONSES)
def bureau_deliveries(webhook_id: str, ctx: Context, limit: Limit = None, cursor: Cursor = None) -> DeliveryPage:
    return _log(ctx, keys.bureau_pk(ctx.bureau_id), webhook_id, False, limit, cursor)


@router.get(
    B + "/<webhook_id>/dead-letters",
    tags=TAGS,
    summary="Deliveries that failed every retry",
    responses=COMMON_RESPONSES,
)
def bureau_dead_letters(webhook_id: str, ctx: Context, limit: Limit = None, cursor: Cursor = None) -> DeliveryPage:
    return _log(ctx, keys.bureau_pk(ctx.bureau_id), webhook_id, True, limit, cursor)


@router.post(
    B + "/<webhook_id>/deliveries/<delivery_id>/redelivery",
    tags=TAGS,
    summary="Deliver a dead (or delivered) event again",
    responses=COMMON_RESPONSES,
)
def redeliver_bureau(webhook_id: str, delivery_id: str, ctx: Context) -> Delivery:
    return _redeliver(ctx, keys.bureau_pk(ctx.bureau_id), webhook_id, delivery_id)
