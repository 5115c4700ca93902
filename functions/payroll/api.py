"""HTTP handler of the payroll routine: thin routes over `klientportal.payroll.service`."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from functions import catalogue
from functions.payroll.responses import (
    AMeldingSubmissionOut,
    HoursInvoiceOut,
    IssuedPayslipList,
    IssuedPayslipOut,
    PayrollRunOut,
    PayrollSettingsOut,
    TaxCardFetchOut,
    TaxCardList,
    WeekOut,
)
from klientportal import bootstrap
from klientportal.api.app import Context, build_app, http_handler, raw_response
from klientportal.api.idempotency import run_idempotent, run_idempotent_by_reference
from klientportal.api.problems import COMMON_RESPONSES
from klientportal.payroll import hours_invoicing
from klientportal.payroll.hours_invoicing import HoursInvoiceIn
from klientportal.payroll.models import PayrollSettingsIn, RunIn, TaxCardFetchIn
from klientportal.payroll.run_approval import RejectionIn, RunApproval
from klientportal.payroll.service import PayrollService
from klientportal.payroll.timesheets import WEEK_PATTERN, Timesheets, WeekIn

router = Router()
TAGS = ["payroll"]
BASE = "/clients/<client_id>"


def _payroll(ctx: Context) -> PayrollService:
    return bootstrap.payroll(ctx.invocation, ctx.client_id)


Payroll = Annotated[PayrollService, Depends(_payroll)]


@router.get(BASE + "/payroll-settings", tags=TAGS, summary="The payroll settings", responses=COMMON_RESPONSES)
def get_settings(client_id: str, payroll: Payroll) -> PayrollSettingsOut:
    return PayrollSettingsOut.model_validate(payroll.settings() or {})


@router.put(BASE + "/payroll-settings", tags=TAGS, summary="Set the business and zone", responses=COMMON_RESPONSES)
def put_settings(client_id: str, body: PayrollSettingsIn, ctx: Context, payroll: Payroll) -> PayrollSettingsOut:
    return PayrollSettingsOut.model_validate(payroll.put_settings(body, ctx.actor))


@router.post(
    BASE + "/tax-card-orders",
    tags=TAGS,
    summary="Fetch the employees' tax cards from Skatteetaten (all, or only changes)",
    responses=COMMON_RESPONSES,
)
def order_tax_cards(client_id: str, body: TaxCardFetchIn, ctx: Context, payroll: Payroll) -> Response[TaxCardFetchOut]:
    payload = body.model_dump(mode="json")
    return run_idempotent(ctx, payload, TaxCardFetchOut, lambda: (200, payroll.fetch_tax_cards(body, ctx.actor)))


@router.get(BASE + "/tax-cards", tags=TAGS, summary="The stored tax cards of a year", responses=COMMON_RESPONSES)
def list_tax_cards(
    client_id: str, payroll: Payroll, year: Annotated[int, Query(ge=2026, le=2026)] = 2026
) -> TaxCardList:
    return TaxCardList.model_validate({"items": payroll.tax_cards(year)})


@router.post(BASE + "/payroll-runs", tags=TAGS, summary="Compute a payroll run for a month", responses=COMMON_RESPONSES)
def create_run(client_id: str, body: RunIn, ctx: Context, payroll: Payroll) -> Response[PayrollRunOut]:
    def computed() -> tuple[int, dict[str, Any], dict[str, Any]]:
        run = payroll.create_run(body, ctx.actor)
        return 201, {"run_id": run["run_id"]}, run

    # a run of 1,000 payslips does not fit the idempotency record: it keeps the run id, a replay reads the run
    return run_idempotent_by_reference(
        ctx, body.model_dump(mode="json"), PayrollRunOut, computed, lambda ref: payroll.get_run(ref["run_id"])
    )


@router.get(
    BASE + "/payroll-runs/<run_id>",
    tags=TAGS,
    summary="A payroll run with its payslips, its approval task and workflow execution (status and history)",
    responses=COMMON_RESPONSES,
)
def get_run(client_id: str, run_id: str, ctx: Context, payroll: Payroll) -> PayrollRunOut:
    from klientportal.payroll.run_workflow_view import workflow_view

    run = payroll.get_run(run_id)
    return PayrollRunOut.model_validate({**run, "workflow": workflow_view(ctx.store, client_id, run)})


def _approval(payroll: PayrollService) -> RunApproval:
    return RunApproval(payroll, payroll.run_workflow)


@router.post(
    BASE + "/payroll-runs/<run_id>/approval",
    tags=TAGS,
    summary="Approve the run (a fresh BankID step-up, as payment approval): the approval workflow then books it "
    "in series lonn, issues the payslips and makes the payment batch, once each",
    responses=COMMON_RESPONSES,
)
def approve_run(client_id: str, run_id: str, ctx: Context, payroll: Payroll) -> PayrollRunOut:
    return PayrollRunOut.model_validate(_approval(payroll).decide(run_id, "approve", ctx.user, ctx.actor))


@router.post(
    BASE + "/payroll-runs/<run_id>/rejection",
    tags=TAGS,
    summary="Reject the run with a reason: the workflow returns it to draft (a new run for the period recomputes it)",
    responses=COMMON_RESPONSES,
)
def reject_run(client_id: str, run_id: str, body: RejectionIn, ctx: Context, payroll: Payroll) -> PayrollRunOut:
    decided = _approval(payroll).decide(run_id, "reject", ctx.user, ctx.actor, comment=body.reason)
    return PayrollRunOut.model_validate(decided)


@router.get(
    BASE + "/payroll-runs/<run_id>/a-melding",
    tags=TAGS,
    responses={
        **COMMON_RESPONSES,
        200: {
            "description": "The a-melding (v2_3 XML)",
            "content": {"application/xml": {"schema": {"type": "string"}}},
        },
    },
    summary="The run's a-melding as it would be submitted now",
)
@raw_response
def get_a_melding(client_id: str, run_id: str, payroll: Payroll) -> Response[bytes]:
    return Response(200, "application/xml", payroll.a_melding_xml(run_id))


@router.post(
    BASE + "/payroll-runs/<run_id>/a-melding/submissions",
    tags=TAGS,
    summary="Submit the a-melding (a replacement when one was accepted before)",
    responses=COMMON_RESPONSES,
)
def submit_a_melding(client_id: str, run_id: str, ctx: Context, payroll: Payroll) -> Response[AMeldingSubmissionOut]:
    submit = payroll.submit_a_melding
    return run_idempotent(ctx, {"run_id": run_id}, AMeldingSubmissionOut, lambda: (201, submit(run_id, ctx.actor)))


@router.post(
    BASE + "/payroll-runs/<run_id>/a-melding/status",
    tags=TAGS,
    summary="Read the tax authority's answer and feedback for the last submission",
    responses=COMMON_RESPONSES,
)
def refresh_a_melding(client_id: str, run_id: str, ctx: Context, payroll: Payroll) -> AMeldingSubmissionOut:
    return AMeldingSubmissionOut.model_validate(payroll.refresh_a_melding(run_id, ctx.actor))


@router.get(
    BASE + "/payroll-runs/<run_id>/payslips/<employee_number>",
    tags=TAGS,
    summary="One issued payslip of the run with a short-lived link to its PDF",
    responses=COMMON_RESPONSES,
)
def get_payslip(client_id: str, run_id: str, employee_number: int, ctx: Context) -> IssuedPayslipOut:
    from klientportal.payroll import payslips  # the payslip routes' own use case (cold start, bench/)

    return IssuedPayslipOut.model_validate(payslips.for_admin(ctx.store, ctx.client_id, run_id, employee_number))


@router.get("/me/payslips", tags=TAGS, summary="Your own payslips in every client", responses=COMMON_RESPONSES)
def my_payslips(ctx: Context) -> IssuedPayslipList:
    from klientportal.payroll import payslips

    return IssuedPayslipList.model_validate({"items": payslips.mine(ctx.store, ctx.user.sub)})


@router.get(
    "/me/payslips/<payslip_id>",
    tags=TAGS,
    summary="One of your own payslips with a short-lived link to its PDF (another person's is 404)",
    responses=COMMON_RESPONSES,
)
def my_payslip(payslip_id: str, ctx: Context) -> IssuedPayslipOut:
    from klientportal.payroll import payslips

    return IssuedPayslipOut.model_validate(payslips.my_payslip(ctx.store, ctx.user.sub, payslip_id))


def _timesheets(ctx: Context) -> Timesheets:
    return Timesheets(ctx.store, ctx.client_id)


Sheets = Annotated[Timesheets, Depends(_timesheets)]
WEEK = BASE + "/timesheets/<employee_number>/<week>"


@router.get(WEEK, tags=TAGS, summary="An employee's hours of one ISO week (yyyy-Www)", responses=COMMON_RESPONSES)
def get_week(
    client_id: str, employee_number: int, week: Annotated[str, Path(pattern=WEEK_PATTERN)], sheets: Sheets
) -> WeekOut:
    return WeekOut.model_validate(sheets.get(employee_number, week))


@router.put(
    WEEK,
    tags=TAGS,
    summary="Register the week's hours (all entries; refused when the week is submitted or approved)",
    responses=COMMON_RESPONSES,
)
def put_week(
    client_id: str,
    employee_number: int,
    week: Annotated[str, Path(pattern=WEEK_PATTERN)],
    body: WeekIn,
    ctx: Context,
    sheets: Sheets,
) -> WeekOut:
    return WeekOut.model_validate(sheets.put(employee_number, week, body, ctx.actor))


@router.post(WEEK + "/submission", tags=TAGS, summary="Submit the week for approval", responses=COMMON_RESPONSES)
def submit_week(
    client_id: str, employee_number: int, week: Annotated[str, Path(pattern=WEEK_PATTERN)], ctx: Context, sheets: Sheets
) -> WeekOut:
    return WeekOut.model_validate(sheets.submit(employee_number, week, ctx.actor))


@router.post(
    WEEK + "/approval",
    tags=TAGS,
    summary="Approve the submitted week: its hours are locked",
    responses=COMMON_RESPONSES,
)
def approve_week(
    client_id: str, employee_number: int, week: Annotated[str, Path(pattern=WEEK_PATTERN)], ctx: Context, sheets: Sheets
) -> WeekOut:
    return WeekOut.model_validate(sheets.approve(employee_number, week, ctx.actor))


@router.post(
    BASE + "/hours-invoices",
    tags=TAGS,
    summary="An invoice draft of the customer's approved billable hours not invoiced yet (each hour once)",
    responses=COMMON_RESPONSES,
)
def invoice_hours(client_id: str, body: HoursInvoiceIn, ctx: Context) -> Response[HoursInvoiceOut]:
    drafts = ctx.invocation.invoices(ctx.client_id).drafts
    return run_idempotent(
        ctx,
        body.model_dump(mode="json"),
        HoursInvoiceOut,
        lambda: (201, hours_invoicing.invoice_hours(ctx.store, drafts, ctx.client_id, body, ctx.actor)),
    )


app = build_app([router], catalogue.function("payroll").routes)
lambda_handler = http_handler(app)
