"""Notifications of the caller's side of a client: reports published, questions opened or answered
(klientportal/sync/notifications.py)."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import Field

from klientportal.api.app import Context
from klientportal.api.problems import COMMON_RESPONSES
from klientportal.api.response_model import DeferredModel
from klientportal.sync import notifications
from klientportal.tenancy.models import BUREAU_ROLES

router = Router()


class Notification(DeferredModel):
    id: str
    side: Literal["bureau", "client"]
    kind: str = Field(description="the action told of: report.published, question.opened, question.answered, …")
    subject_type: Literal["report", "question"]
    subject_id: str
    title: str
    text: str
    at: str
    recipients: list[str] = Field(description="who was e-mailed")


class NotificationPage(DeferredModel):
    items: list[Notification]
    next_cursor: str | None = None


@router.get(
    "/clients/<client_id>/notifications",
    tags=["notifications"],
    summary="Notifications of your side of the client (the bureau's or the client's), newest first",
    description="Client members see those meant for their role (a client user: reports of the module they "
    "have); bureau staff see the bureau side's.",
    responses=COMMON_RESPONSES,
)
def list_notifications(
    client_id: str,
    ctx: Context,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> NotificationPage:
    membership = ctx.membership
    assert membership is not None
    side: notifications.Side = "bureau" if membership.role in BUREAU_ROLES else "client"
    page = notifications.listing(ctx.store, client_id, side, membership.role, limit, cursor)
    return NotificationPage(items=[Notification(**r.data) for r in page.items], next_cursor=page.next_cursor)
