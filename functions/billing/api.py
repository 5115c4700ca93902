"""HTTP handler of the billing routine: usage, price lists, agreements and licence events, the
monthly run and its statements (docs/billing.md)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from functions import catalogue
from functions.billing.responses import (
    AgreementOut,
    BureauUsageOut,
    BuyoutOut,
    CancellationOut,
    ClientUsageOut,
    PlatformPriceListOut,
    PriceListsOut,
    RunOut,
    SettingsOut,
    StatementOut,
    TransferOut,
)
from klientportal import clock
from klientportal.api.app import Context, build_app, http_handler, raw_response
from klientportal.api.problems import COMMON_RESPONSES, created
from klientportal.api.types import Integer
from klientportal.billing.agreements import AgreementTerms
from klientportal.billing.prices import PriceListVersion, VersionEnd
from klientportal.billing.service import BillingService, parse_month
from klientportal.repository import keys

router = Router()
TAGS = ["billing"]
Month = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]


def _billing(ctx: Context) -> BillingService:
    return ctx.invocation.billing()


Billing = Annotated[BillingService, Depends(_billing)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class LicenceDate(_In):
    date: dt.date | None = Field(None, description="the day it happens (default: today, Europe/Oslo)")


class LicenceTransfer(_In):
    to_client_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    date: dt.date | None = None


class RunRequest(_In):
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM: a past month is final, the current a preview")


class Settings(_In):
    version: Integer | None = Field(None, ge=1)
    own_client_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]{1,64}$", description="the bureau's own company")


def _file(description: str, media_type: str) -> OpenAPIResponse:
    """A download's documented response (bytes; also under octet-stream, which generated clients read)."""
    return {
        "description": description,
        "content": {
            media_type: {"schema": {"type": "string", "format": "binary"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }


def _day(given: dt.date | None) -> dt.date:
    return given or clock.today_oslo()


@router.get(
    "/clients/<client_id>/usage",
    tags=TAGS,
    summary="A client's usage of a month, as it happens",
    responses=COMMON_RESPONSES,
)
def client_usage(client_id: str, ctx: Context, billing: Billing, month: Month) -> ClientUsageOut:
    return ClientUsageOut.model_validate(billing.client_usage(ctx.client_id, parse_month(month)))


@router.get("/bureau/usage", tags=TAGS, summary="The bureau's usage of a month, per client", responses=COMMON_RESPONSES)
def bureau_usage(ctx: Context, billing: Billing, month: Month) -> BureauUsageOut:
    return BureauUsageOut.model_validate(billing.bureau_usage(ctx.bureau_id, parse_month(month)))


@router.get(
    "/clients/<client_id>/billing-agreement",
    tags=TAGS,
    summary="The client's billing agreement",
    responses=COMMON_RESPONSES,
)
def get_agreement(client_id: str, ctx: Context, billing: Billing) -> AgreementOut:
    return AgreementOut.model_validate(billing.view_agreement(ctx.client_id))


@router.put(
    "/clients/<client_id>/billing-agreement",
    tags=TAGS,
    summary="Set the agreement's start, users and re-invoicing",
    responses=COMMON_RESPONSES,
)
def put_agreement(client_id: str, body: AgreementTerms, ctx: Context, billing: Billing) -> AgreementOut:
    return AgreementOut.model_validate(billing.put_terms(ctx.client_id, body, ctx.actor))


@router.post(
    "/clients/<client_id>/licence-cancellation",
    tags=TAGS,
    summary="Cancel the agreement: when it ends, by the tier's rules",
    responses=COMMON_RESPONSES,
)
def cancel(client_id: str, body: LicenceDate, ctx: Context, billing: Billing) -> CancellationOut:
    return CancellationOut.model_validate(billing.cancel(ctx.client_id, _day(body.date), ctx.actor))


@router.post(
    "/clients/<client_id>/licence-buyout",
    tags=TAGS,
    summary="The client buys its Byrålisens licence out (a difference amount)",
    responses=COMMON_RESPONSES,
)
def buy_out(client_id: str, body: LicenceDate, ctx: Context, billing: Billing) -> BuyoutOut:
    return BuyoutOut.model_validate(billing.buy_out(ctx.client_id, _day(body.date), ctx.actor))


@router.post(
    "/clients/<client_id>/licence-transfer",
    tags=TAGS,
    summary="Transfer the Byrålisens licence to another client of the bureau",
    responses=COMMON_RESPONSES,
)
def transfer(client_id: str, body: LicenceTransfer, ctx: Context, billing: Billing) -> TransferOut:
    return TransferOut.model_validate(billing.transfer(ctx.client_id, body.to_client_id, _day(body.date), ctx.actor))


@router.get(
    "/bureau/price-lists",
    tags=TAGS,
    summary="The platform's (net) and the bureau's (gross) price lists",
    responses=COMMON_RESPONSES,
)
def price_lists(ctx: Context, billing: Billing) -> PriceListsOut:
    return PriceListsOut(
        platform=billing.versions(keys.PLATFORM_BILLING_PK), bureau=billing.versions(keys.bureau_pk(ctx.bureau_id))
    )


@router.post(
    "/bureau/price-lists",
    tags=TAGS,
    summary="Add a version of the bureau's price list",
    description="Refused (409) when its validity overlaps another version's or leaves a gap between them.",
    responses={201: created(PriceListVersion), **COMMON_RESPONSES},
)
def add_price_list(body: PriceListVersion, ctx: Context, billing: Billing) -> Response[PriceListVersion]:
    return Response(201, "application/json", billing.add_version(keys.bureau_pk(ctx.bureau_id), body, ctx.actor))


@router.post(
    "/bureau/price-lists/<valid_from>/end",
    tags=TAGS,
    summary="End the open-ended version of the bureau's price list",
    description="At the end of the month in progress or later; refused (409) when the version has an end, "
    "when a month after the end is billed in a final statement, or when months that have begun would be left "
    "without prices.",
    responses=COMMON_RESPONSES,
)
def end_price_list(valid_from: str, body: VersionEnd, ctx: Context, billing: Billing) -> PriceListVersion:
    return billing.end_version(keys.bureau_pk(ctx.bureau_id), valid_from, body, ctx.actor)


@router.get(
    "/platform/price-lists",
    tags=TAGS,
    summary="The platform's price list (net, to the bureaus): platform operators",
    responses=COMMON_RESPONSES,
)
def platform_price_lists(ctx: Context, billing: Billing) -> PlatformPriceListOut:
    return PlatformPriceListOut(platform=billing.versions(keys.PLATFORM_BILLING_PK))


@router.post(
    "/platform/price-lists",
    tags=TAGS,
    summary="Add a version of the platform's price list (platform operators)",
    description="Refused (409) when its validity overlaps another version's or leaves a gap between them.",
    responses={201: created(PriceListVersion), **COMMON_RESPONSES},
)
def add_platform_price_list(body: PriceListVersion, ctx: Context, billing: Billing) -> Response[PriceListVersion]:
    return Response(201, "application/json", billing.add_version(keys.PLATFORM_BILLING_PK, body, ctx.actor))


@router.post(
    "/platform/price-lists/<valid_from>/end",
    tags=TAGS,
    summary="End the open-ended version of the platform's price list (platform operators)",
    description="As for the bureau's list; a month is billed when any bureau's final statement is.",
    responses=COMMON_RESPONSES,
)
def end_platform_price_list(valid_from: str, body: VersionEnd, ctx: Context, billing: Billing) -> PriceListVersion:
    return billing.end_version(keys.PLATFORM_BILLING_PK, valid_from, body, ctx.actor)


@router.get("/bureau/billing/settings", tags=TAGS, summary="The bureau's billing settings", responses=COMMON_RESPONSES)
def get_settings(ctx: Context, billing: Billing) -> SettingsOut:
    return SettingsOut.model_validate(billing.settings(ctx.bureau_id))


@router.put(
    "/bureau/billing/settings",
    tags=TAGS,
    summary="Set the bureau's own company (seller of re-invoices)",
    responses=COMMON_RESPONSES,
)
def put_settings(body: Settings, ctx: Context, billing: Billing) -> SettingsOut:
    return SettingsOut.model_validate(billing.put_settings(ctx.bureau_id, body.own_client_id, body.version, ctx.actor))


@router.post(
    "/bureau/billing/runs",
    tags=TAGS,
    summary="Run the billing of a month",
    description="A past month: the final statement (made once; a re-run gives it unchanged) and the draft "
    "re-invoices. The month in progress: a preview. A future month: 422.",
    responses=COMMON_RESPONSES,
)
def run(body: RunRequest, ctx: Context, billing: Billing) -> RunOut:
    return RunOut.model_validate(billing.run(ctx.bureau_id, parse_month(body.month), ctx.actor))


@router.get(
    "/bureau/billing/statements/<month>",
    tags=TAGS,
    summary="The statement of a month (JSON)",
    responses=COMMON_RESPONSES,
)
def statement(month: str, ctx: Context, billing: Billing) -> StatementOut:
    return StatementOut.model_validate(billing.statement(ctx.bureau_id, parse_month(month)))


@router.get(
    "/bureau/billing/statements/<month>/csv",
    tags=TAGS,
    summary="The statement as CSV",
    responses={**COMMON_RESPONSES, 200: _file("One row per line, then the total", "text/csv")},
)
@raw_response
def statement_csv(month: str, ctx: Context, billing: Billing) -> Response[bytes]:
    from klientportal.billing.rendering import statement_csv as render

    doc = billing.statement(ctx.bureau_id, parse_month(month))
    name = f"statement-{doc['month']}{'-preview' if doc['status'] == 'preview' else ''}.csv"
    return Response(
        200, "text/csv; charset=utf-8", render(doc), headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get(
    "/bureau/billing/statements/<month>/pdf",
    tags=TAGS,
    summary="The statement as PDF",
    responses={**COMMON_RESPONSES, 200: _file("The statement, A4", "application/pdf")},
)
@raw_response
def statement_pdf(month: str, ctx: Context, billing: Billing) -> Response[bytes]:
    from klientportal.billing.rendering import statement_pdf as render

    doc = billing.statement(ctx.bureau_id, parse_month(month))
    name = f"statement-{doc['month']}{'-preview' if doc['status'] == 'preview' else ''}.pdf"
    return Response(200, "application/pdf", render(doc), headers={"Content-Disposition": f'inline; filename="{name}"'})


app = build_app([router], catalogue.function("billing").routes)
lambda_handler = http_handler(app)
