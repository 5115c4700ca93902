"""HTTP handler of the audit routine."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from functions import catalogue
from klientportal.api.app import Context, build_app, http_handler
from klientportal.api.problems import COMMON_RESPONSES
from klientportal.api.response_model import DeferredModel
from klientportal.repository import keys

router = Router()


class AuditActor(DeferredModel):
    sub: str
    email: str | None = None
    kind: Literal["user", "system"] = "user"


class AuditEvent(DeferredModel):
    """One hash-chained event; `before` and `after` are the entity as stored (any entity type)."""

    seq: int
    prev_hash: str
    hash: str
    at: str
    actor: AuditActor
    action: str
    entity: str
    key: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AuditPage(DeferredModel):
    items: list[AuditEvent]
    next_cursor: str | None = None


class Verification(DeferredModel):
    ok: bool
    events: int
    head_seq: int
    problems: list[str]


@router.get(
    "/clients/<client_id>/audit-events",
    tags=["audit"],
    summary="The client's audit trail, newest first",
    responses=COMMON_RESPONSES,
)
def list_audit_events(
    client_id: str,
    ctx: Context,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> AuditPage:
    events, next_cursor = ctx.store.audit_page(keys.client_pk(client_id), limit=limit, cursor=cursor)
    return AuditPage(items=[AuditEvent.model_validate(e) for e in events], next_cursor=next_cursor)


@router.get(
    "/clients/<client_id>/audit-verification",
    tags=["audit"],
    summary="Verify the client's hash-chained audit trail",
    description="Checks every event's hash and link, the head, and the anchors of the chain's head "
    "written hourly to the Object-Lock bucket (a rolled-back or rewritten chain fails).",
    responses=COMMON_RESPONSES,
)
def verify(client_id: str, ctx: Context) -> Verification:
    pk = keys.client_pk(client_id)
    return Verification(**ctx.store.verify_audit(pk, ctx.invocation.audit_anchors().all(pk)).as_dict())


app = build_app([router], catalogue.function("audit").routes)
lambda_handler = http_handler(app)
