"""HTTP routes of attestation (0501, 0502): the client's rules, the steps waiting for the caller (in
one client and across all of theirs), the decision on a step, and a voucher's attestation with its
execution. Thin: klientportal.vouchers.attestation_flow and the voucher service do the work."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, ConfigDict, Field, model_validator

from functions.vouchers.responses import AttestationOut, Voucher
from klientportal.api.app import Context
from klientportal.api.problems import COMMON_RESPONSES
from klientportal.api.types import Date, Integer, Money, MultilineText, Text
from klientportal.auth import policy
from klientportal.errors import DomainError, NotFound
from klientportal.repository.records import Record
from klientportal.tenancy.repository import TenancyRepository
from klientportal.vouchers.attestation_flow import KIND, AttestationRules
from klientportal.vouchers.attestation_rules import DEFAULT_DEADLINES
from klientportal.vouchers.workflow import VoucherService, view
from klientportal.workflows import executions, human_tasks

router = Router()
UserId = Annotated[Text, Field(min_length=1, max_length=200, description="A user id (sub) of the client")]
Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,20}$")]
Account = Annotated[str, Field(pattern=r"^[0-9]{4,6}$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class _Out(BaseModel):
    model_config = ConfigDict(defer_build=True)


class Person(_In):
    user: UserId
    substitute: UserId | None = Field(default=None, description="Takes the step over when it is escalated")


class Match(_In):
    """Every condition given must hold; a rule with none matches every voucher (the default)."""

    suppliers: Annotated[list[Annotated[Integer, Field(ge=1)]], Field(max_length=200)] = []
    projects: Annotated[list[Code], Field(max_length=200)] = []
    departments: Annotated[list[Code], Field(max_length=200)] = []
    accounts: Annotated[list[Account], Field(max_length=200)] = []
    amount_from: Annotated[Money, Field(ge=0)] | None = Field(default=None, description="total ≥ this")
    amount_below: Annotated[Money, Field(gt=0)] | None = Field(default=None, description="total < this")


class Rule(_In):
    name: Annotated[Text, Field(min_length=1, max_length=100)]
    match: Match = Field(default_factory=Match)
    attesters: Annotated[list[Person], Field(min_length=1, max_length=5, description="In order, one step each")]


class Band(_In):
    above: Annotated[Money, Field(gt=0, description="A voucher whose total is above this gets one more step")]
    attester: Person


class Delegation(_In):
    user: UserId
    to: UserId
    from_date: Date
    to_date: Date


class Deadlines(_In):
    remind_after_hours: Annotated[Integer, Field(ge=1)] = DEFAULT_DEADLINES["remind_after_hours"]
    escalate_after_hours: Annotated[Integer, Field(ge=1)] = DEFAULT_DEADLINES["escalate_after_hours"]
    expire_after_hours: Annotated[Integer, Field(ge=1)] = DEFAULT_DEADLINES["expire_after_hours"]


class RulesIn(_In):
    version: Integer = Field(ge=0, description="The version you read (0 when there are no rules yet)")
    rules: Annotated[list[Rule], Field(min_length=1, max_length=100)]
    bands: Annotated[list[Band], Field(max_length=10)] = []
    delegations: Annotated[list[Delegation], Field(max_length=100)] = []
    deadlines: Deadlines = Field(default_factory=Deadlines)


class RulesOut(_Out):
    version: int
    rules: list[Rule]
    bands: list[Band]
    delegations: list[Delegation]
    deadlines: Deadlines
    updated_at: str | None = None
    updated_by_email: str | None = None


class DecisionIn(_In):
    decision: Literal["approve", "reject"]
    comment: Annotated[MultilineText, Field(max_length=1000)] | None = Field(
        default=None, description="Required for a rejection: the reason the client sees"
    )


class TaskSubject(_Out):
    voucher_id: str
    attestation_id: str
    step: int
    steps: int
    supplier_name: str | None = None
    invoice_number: str | None = None
    total: str | None = None
    currency: str | None = None
    due_date: str | None = None


class TaskDecided(_Out):
    by: str
    by_email: str | None = None
    at: str


class TaskResult(_Out):
    """A decided step's answer (decision, comment, who, when), or why it was closed without one."""

    decision: Literal["approve", "reject"] | None = None
    comment: str | None = None
    by: str | None = None
    by_email: str | None = None
    at: str | None = None
    reason: str | None = None
    error: str | None = None
    cause: str | None = None


class AttestationTask(_Out):
    """One attestation step as a task: its id is all a person needs (never a token)."""

    task_id: str
    client_id: str
    status: Literal["open", "completed", "failed", "cancelled"]
    assignee: str
    assignee_email: str | None = None
    opened_at: str
    rounds: int
    subject: TaskSubject
    decided: TaskDecided | None = None
    result: TaskResult | None = None


class AttestationTaskList(_Out):
    items: list[AttestationTask]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page; absent on the last page")


class AttestationTaskDetail(AttestationTask):
    voucher: Voucher


class ExecutionOut(_Out):
    arn: str
    status: str
    started_at: str
    stopped_at: str | None = None


class ExecutionEvent(_Out):
    id: int
    type: str
    at: str
    state: str | None = None


class VoucherAttestation(_Out):
    voucher_id: str
    status: str
    attestation: AttestationOut | None
    execution: ExecutionOut | None = None
    history: list[ExecutionEvent] = []

    @model_validator(mode="after")
    def _history_needs_execution(self) -> VoucherAttestation:
        if self.history and self.execution is None:
            raise ValueError("history without an execution")
        return self


def _task(rec: Record) -> AttestationTask:
    return AttestationTask.model_validate(human_tasks.view(rec))


def _rules_out(rec: Record | None) -> RulesOut:
    if rec is None:
        return RulesOut(version=0, rules=[], bands=[], delegations=[], deadlines=Deadlines())
    return RulesOut.model_validate({**rec.data, "version": rec.version, "updated_at": rec.updated_at})


def _vouchers(ctx: Context) -> VoucherService:
    return ctx.invocation.vouchers(ctx.client_id)


@router.get(
    "/clients/<client_id>/attestation-rules",
    tags=["attestation"],
    summary="The client's attestation rules (version 0 and empty when none are written)",
    responses=COMMON_RESPONSES,
)
def get_rules(client_id: str, ctx: Context) -> RulesOut:
    return _rules_out(AttestationRules(ctx.store, ctx.client_id).get())


@router.put(
    "/clients/<client_id>/attestation-rules",
    tags=["attestation"],
    summary="Write the client's attestation rules",
    description="Versioned: send the version you read (0 for the first). Refused (422, each problem named) when "
    "a voucher could be left without an attester (no rule without conditions), when a person named is not an "
    "active attester or client admin of the client, or when one person would fill two steps of a chain.",
    responses=COMMON_RESPONSES,
)
def put_rules(client_id: str, body: RulesIn, ctx: Context) -> RulesOut:
    rules = body.model_dump(mode="json", exclude={"version"})
    return _rules_out(AttestationRules(ctx.store, ctx.client_id).put(body.version, rules, ctx.actor))


@router.get(
    "/me/attestations",
    tags=["attestation"],
    summary="Every attestation step waiting for you, in all your clients (oldest first)",
    responses=COMMON_RESPONSES,
)
def my_attestations_everywhere(
    ctx: Context,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> AttestationTaskList:
    repo = TenancyRepository(ctx.store)
    allowed: dict[str, bool] = {}
    items = []
    page = human_tasks.waiting_page(ctx.store, ctx.user.sub, limit=limit, cursor=cursor, scope={"kind": KIND})
    for rec in page.items:
        client_id = rec.data["client_id"]
        if rec.data["kind"] != KIND:
            continue
        if client_id not in allowed:
            found = repo.client(client_id)
            try:
                policy.authorize_client(ctx.user, "vouchers.attestation.read", found[0] if found else None)
                allowed[client_id] = True
            except DomainError:
                allowed[client_id] = False  # membership ended or module gone: not theirs to decide now
        if allowed[client_id]:
            items.append(_task(rec))
    return AttestationTaskList(items=items, next_cursor=page.next_cursor)


@router.get(
    "/clients/<client_id>/attestations",
    tags=["attestation"],
    summary="The attestation steps of this client waiting for you",
    responses=COMMON_RESPONSES,
)
def my_attestations(
    client_id: str,
    ctx: Context,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> AttestationTaskList:
    items, next_cursor = _vouchers(ctx).waiting_for(ctx.user.sub, limit, cursor)
    return AttestationTaskList(items=[_task(r) for r in items], next_cursor=next_cursor)


@router.get(
    "/clients/<client_id>/attestations/<attestation_id>",
    tags=["attestation"],
    summary="One attestation step assigned to you, with its voucher",
    responses=COMMON_RESPONSES,
)
def attestation_step(client_id: str, attestation_id: str, ctx: Context) -> AttestationTaskDetail:
    task, voucher = _vouchers(ctx).get_waiting(attestation_id, ctx.user.sub)
    return AttestationTaskDetail.model_validate(
        {**human_tasks.view(task), "voucher": Voucher.model_validate(view(voucher))}
    )


@router.get(
    "/clients/<client_id>/attestations/<attestation_id>/preview",
    tags=["attestation"],
    summary="A short-lived URL of the preview of the voucher of a step assigned to you",
    responses=COMMON_RESPONSES,
)
def attestation_preview(client_id: str, attestation_id: str, ctx: Context) -> Any:
    from functions.vouchers.api import _preview

    _, voucher = _vouchers(ctx).get_waiting(attestation_id, ctx.user.sub)
    return _preview(voucher, ctx)


@router.post(
    "/clients/<client_id>/attestations/<attestation_id>/decision",
    tags=["attestation"],
    summary="Approve or reject the step assigned to you, with a comment",
    description="Recorded once: a second decision (or a replay) is 409 and changes nothing; a step assigned to "
    "someone else is 404. The workflow then moves on: the next step, or the voucher approved (every step "
    "approved) or back to the client with the reason (a rejection).",
    responses=COMMON_RESPONSES,
)
def decide(client_id: str, attestation_id: str, body: DecisionIn, ctx: Context) -> AttestationTask:
    task, _ = _vouchers(ctx).decide_attestation(attestation_id, body.decision, body.comment, ctx.actor)
    return _task(task)


@router.get(
    "/clients/<client_id>/vouchers/<voucher_id>/attestation",
    tags=["attestation"],
    summary="The voucher's attestation: chain, assignees, decisions, and the execution with its history",
    responses=COMMON_RESPONSES,
)
def voucher_attestation(client_id: str, voucher_id: str, ctx: Context) -> VoucherAttestation:
    rec = _vouchers(ctx).get(voucher_id)
    att = rec.data.get("attestation")
    if att is None:
        raise NotFound("the voucher has not been sent to attestation")
    out: dict[str, Any] = {"voucher_id": voucher_id, "status": rec.data["status"], "attestation": att}
    if att.get("execution"):
        out["execution"] = executions.describe(att["execution"])
        out["history"] = executions.history(att["execution"])
    return VoucherAttestation.model_validate(out)
