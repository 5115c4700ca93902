"""The change feeds (of a client, of the bureau) and the bureau overview."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import Field

from klientportal import clock
from klientportal.api.app import Context
from klientportal.api.problems import COMMON_RESPONSES
from klientportal.api.response_model import DeferredModel
from klientportal.errors import FieldError, InvalidInput
from klientportal.sync import bureau_feed
from klientportal.sync import changes as feed
from klientportal.sync import overview as ov
from klientportal.tenancy.models import Role

router = Router()


class Change(DeferredModel):
    id: str = Field(description="stable across redeliveries: tenant + sequence number")
    tenant: str
    seq: int
    at: str
    actor: str | None
    entity: str
    key: str
    action: str = Field(description="the audit action, = the EventBridge detail-type and the webhook type")


class ChangePage(DeferredModel):
    items: list[Change]
    cursor: str | None = Field(description="pass as ?cursor= to continue after the last item; always returned")
    has_more: bool


@router.get(
    "/clients/<client_id>/changes",
    tags=["sync"],
    summary="Every domain event of the client in order, from a signed cursor (at least once)",
    description="Start without a cursor; store the answered `cursor` after handling the items and ask "
    "again with it. Ids are stable: an event seen twice (after a crash) has the same id.",
    responses=COMMON_RESPONSES,
)
def client_changes(
    client_id: str,
    ctx: Context,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
) -> ChangePage:
    page = feed.changes(ctx.store, client_id, cursor, limit)
    return ChangePage(items=[Change(**e) for e in page.events], cursor=page.cursor, has_more=page.has_more)


class BureauChange(Change):
    client_id: str
    position: int = Field(description="the place in the bureau's feed (1, 2, 3 …)")


class BureauChangePage(DeferredModel):
    items: list[BureauChange]
    cursor: str | None = Field(description="pass as ?cursor= to continue after the last item; always returned")
    has_more: bool


@router.get(
    "/bureau/changes",
    tags=["sync"],
    summary="Every domain event of all the bureau's clients, in one order, from a signed cursor (at least once)",
    description="As /clients/{client_id}/changes, across clients: each client's events in its own order, "
    "with the same ids. Events reach this feed through the event bus (seconds). An accountant sees the events "
    "of the clients assigned to them. A cursor of another bureau is 422.",
    responses=COMMON_RESPONSES,
)
def bureau_changes(
    ctx: Context,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
) -> BureauChangePage:
    membership = ctx.membership
    assert membership is not None
    page = bureau_feed.changes(ctx.store, ctx.bureau_id, cursor, limit, ov.visible_clients(membership, None))
    return BureauChangePage(items=[BureauChange(**e) for e in page.events], cursor=page.cursor, has_more=page.has_more)


class Vouchers(DeferredModel):
    received: int
    quarantined: int
    new: int
    to_approve: int
    in_attestation: int
    approved: int
    paid: int
    booked: int
    returned: int
    rejected: int
    correction_requested: int


class AMeldingAnswer(DeferredModel):
    period: str
    run_id: str | None
    message_id: str
    status: str
    findings: list[dict[str, str | None]]
    findings_total: int
    at: str | None


class PayrollStatus(DeferredModel):
    """Runs by status, the a-meldinger (each approved run's latest message) by status, the latest answer
    with its first findings, and the next deadline (last month's unless it is accepted or past)."""

    runs_draft: int
    runs_awaiting_approval: int
    runs_approved: int
    a_meldinger_awaiting_answer: int
    a_meldinger_accepted: int
    a_meldinger_rejected: int
    latest_a_melding: AMeldingAnswer | None
    next_a_melding_deadline: str
    waiting: int


class ClientBacklog(DeferredModel):
    client_id: str
    name: str
    active: bool
    vouchers: Vouchers
    vouchers_waiting: int
    attestations_waiting: int
    unmatched_payments: int
    payment_batches_waiting: int
    open_questions: int
    answered_questions: int
    open_invoices: int
    overdue_invoices: int
    payslips_issued: int
    last_payslip_at: str | None
    a_meldinger_submitted: int
    last_a_melding_at: str | None
    next_a_melding_deadline: str
    backlog: int
    payroll: PayrollStatus | None = None


class Overview(DeferredModel):
    today: str
    accountant: str | None
    items: list[ClientBacklog]


@router.get(
    "/bureau/overview",
    tags=["sync"],
    summary="Every client's backlog at a glance (counters kept on write)",
    description="Sort by `backlog` (default), `name`, `vouchers`, `overdue_invoices`, `open_questions` or "
    "`attestations_waiting`; `accountant` (a user id) narrows to the clients assigned to that accountant. "
    "An accountant sees only the clients assigned to them.",
    responses=COMMON_RESPONSES,
)
def bureau_overview(
    ctx: Context,
    sort: Annotated[ov.SortKey, Query()] = "backlog",
    order: Annotated[Literal["asc", "desc"], Query()] = "desc",
    accountant: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
) -> Overview:
    staff = None
    if accountant is not None:
        found = ctx.invocation.tenancy.repo.membership("bureau", ctx.bureau_id, accountant)
        if found is None or found[0].role != Role.BUREAU_ACCOUNTANT:
            raise InvalidInput(
                "no accountant with that user id in this bureau", [FieldError("accountant", "unknown accountant")]
            )
        staff = found[0]
    membership = ctx.membership
    assert membership is not None
    allowed = ov.visible_clients(membership, staff)
    today = clock.today_oslo(clock.now())
    rows = ov.overview(ctx.store, ctx.bureau_id, today, allowed=allowed, sort=sort, descending=order == "desc")
    return Overview(
        today=today.isoformat(),
        accountant=accountant,
        items=[ClientBacklog.model_validate(r, from_attributes=True) for r in rows],
    )
