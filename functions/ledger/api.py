"""HTTP handler of the ledger: entries and postings (by account, period, source, customer, supplier),
trial balance, profit and loss, balance sheet, open items, periods (close/reopen), SAF-T."""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel, ConfigDict, Field

from functions import catalogue
from klientportal import clock
from klientportal.api.app import Context, build_app, http_handler, raw_response
from klientportal.api.body import UnsupportedMediaType
from klientportal.api.problems import COMMON_RESPONSES, created, problem_doc
from klientportal.api.response_model import DeferredModel, ResponseModel
from klientportal.api.types import QueryFlag, Text
from klientportal.bootstrap import ledger_service
from klientportal.errors import FieldError, InvalidInput, RuleViolation
from klientportal.ledger import reports
from klientportal.ledger.service import LedgerService, entry_view, month_range
from klientportal.repository.records import Record
from klientportal.repository.store import Page
from klientportal.settings import settings
from klientportal.sync import notifications
from klientportal.tenancy.models import Membership, Module

router = Router()
MAX_INLINE_BYTES = 5_500_000  # a Lambda response carries 6 MB
TAGS = ["ledger"]
Limit = Annotated[int | None, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=2000)]
PeriodQuery = Annotated[str | None, Query(max_length=10, description="YYYY, YYYY-MM or YYYY-MM-DD")]
Month = Annotated[str | None, Query(max_length=7, description="YYYY-MM")]
FromMonth = Annotated[str | None, Query(alias="from", max_length=7, description="YYYY-MM")]
Party = Literal["customers", "suppliers"]
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
PDF_REPORT_ROUTE = "POST /clients/{client_id}/reports/pdf"


def _ledger(ctx: Context) -> LedgerService:
    return ledger_service(ctx.invocation, ctx.client_id)


Ledger = Annotated[LedgerService, Depends(_ledger)]


class Line(ResponseModel):
    """A posting line: the dimensions it has (absent, not null, when it has none)."""

    account: str
    debit: str
    credit: str
    text: str
    vat_code: str | None = None
    customer_number: int | None = None
    supplier_number: int | None = None
    employee_number: int | None = None
    department: str | None = None
    project: str | None = None


class Source(DeferredModel):
    kind: str
    id: str | None


class Entry(DeferredModel):
    series: str
    year: int
    number: int
    voucher_number: str
    date: str
    period: str
    text: str
    source: Source
    lines: list[Line]
    booked_by: str | None = None
    booked_at: str


class EntryPage(DeferredModel):
    items: list[Entry]
    next_cursor: str | None = None


class Posting(Line):
    """One line of an entry, with the entry it belongs to."""

    series: str
    voucher_number: str
    date: str
    entry_text: str
    source: Source


class PostingPage(DeferredModel):
    items: list[Posting]
    next_cursor: str | None = None


class TrialRow(DeferredModel):
    account: str
    name: str
    opening: str
    debit: str
    credit: str
    closing: str


class TrialTotals(DeferredModel):
    opening: str
    debit: str
    credit: str
    closing: str


class TrialBalance(DeferredModel):
    period_from: str
    period_to: str
    accounts: list[TrialRow]
    totals: TrialTotals
    balanced: bool


class StatementLine(DeferredModel):
    account: str
    name: str
    amount: str
    last_year: str


class StatementGroup(DeferredModel):
    group: str
    title: str
    lines: list[StatementLine]
    amount: str
    last_year: str


class ProfitAndLoss(DeferredModel):
    period_from: str
    period_to: str
    groups: list[StatementGroup]
    result: str
    result_last_year: str


class BalanceSheet(DeferredModel):
    at: str
    assets: list[StatementGroup]
    equity_and_liabilities: list[StatementGroup]
    total_assets: str
    total_equity_and_liabilities: str
    total_assets_last_year: str
    total_equity_and_liabilities_last_year: str
    balanced: bool


class OpenItem(DeferredModel):
    voucher_number: str
    date: str
    text: str
    source: Source
    amount: str
    open: str


class OpenItems(DeferredModel):
    party: Party
    number: int
    balance: str
    items: list[OpenItem]
    unallocated: str


class Period(DeferredModel):
    period: str
    status: Literal["open", "closed"]
    entries: int
    total: str
    closed_at: str | None = None
    closed_by: str | None = None
    version: int


class Periods(DeferredModel):
    items: list[Period]


def _postings(page: Page) -> PostingPage:
    items = []
    for rec in page.items:
        ref = rec.data["ref"]
        for line in rec.data["lines"]:
            items.append(
                Posting(
                    **line,
                    series=ref["series"],
                    voucher_number=ref["voucher_number"],
                    date=ref["date"],
                    entry_text=ref["text"],
                    source=Source(**ref["source"]),
                )
            )
    return PostingPage(items=items, next_cursor=page.next_cursor)


@router.get(
    "/clients/<client_id>/ledger/entries", tags=TAGS, summary="Journal entries by date", responses=COMMON_RESPONSES
)
def list_entries(
    client_id: str, ledger: Ledger, period: PeriodQuery = None, limit: Limit = None, cursor: Cursor = None
) -> EntryPage:
    page = ledger.entries(period, limit, cursor)
    return EntryPage(items=[Entry(**entry_view(r)) for r in page.items], next_cursor=page.next_cursor)


@router.get(
    "/clients/<client_id>/ledger/entries/<series>/<year>/<number>",
    tags=TAGS,
    summary="One journal entry by series, year and number",
    responses=COMMON_RESPONSES,
)
def get_entry(
    client_id: str,
    series: str,
    year: Annotated[int, Path(ge=1900, le=2100)],
    number: Annotated[int, Path(ge=1, le=99_999_999)],
    ledger: Ledger,
) -> Entry:
    return Entry(**entry_view(ledger.entry(series, year, number)))


@router.get(
    "/clients/<client_id>/ledger/sources/<kind>/<source_id>",
    tags=TAGS,
    summary="The entry that booked a voucher, invoice, credit note, bank entry or payroll run",
    responses=COMMON_RESPONSES,
)
def get_entry_of_source(client_id: str, kind: str, source_id: str, ledger: Ledger) -> Entry:
    return Entry(**entry_view(ledger.entry_of_source(kind, source_id)))


@router.get(
    "/clients/<client_id>/ledger/accounts/<account>/postings",
    tags=TAGS,
    summary="Postings on one account, by date (optionally of one period)",
    responses=COMMON_RESPONSES,
)
def account_postings(
    client_id: str, account: str, ledger: Ledger, period: PeriodQuery = None, limit: Limit = None, cursor: Cursor = None
) -> PostingPage:
    return _postings(ledger.account_postings(account, period, limit, cursor))


@router.get(
    "/clients/<client_id>/ledger/<party>/<number>/postings",
    tags=TAGS,
    summary="Postings of one customer or supplier (the sub-ledger), by date",
    responses=COMMON_RESPONSES,
)
def party_postings(
    client_id: str,
    party: Party,
    number: Annotated[int, Path(ge=1, le=999_999_999)],
    ledger: Ledger,
    period: PeriodQuery = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> PostingPage:
    return _postings(ledger.party_postings(party, number, period, limit, cursor))


@router.get(
    "/clients/<client_id>/ledger/<party>/<number>/open-items",
    tags=TAGS,
    summary="Open items of one customer or supplier (settled oldest first)",
    responses=COMMON_RESPONSES,
)
def open_items(
    client_id: str, party: Party, number: Annotated[int, Path(ge=1, le=999_999_999)], ledger: Ledger
) -> OpenItems:
    return OpenItems(**ledger.open_items(party, number))


@router.get(
    "/clients/<client_id>/ledger/trial-balance",
    tags=TAGS,
    summary="Trial balance (saldobalanse) of the months from..to of one year, from balances kept on write",
    responses=COMMON_RESPONSES,
)
def trial_balance(client_id: str, ledger: Ledger, from_: FromMonth = None, to: Month = None) -> TrialBalance:
    year, first, last = month_range(from_, to, clock.today_oslo().year)
    return TrialBalance(**(ledger.trial_balance(year, first, last)))


@router.get(
    "/clients/<client_id>/ledger/profit-and-loss",
    tags=TAGS,
    summary="Profit and loss (resultatregnskap) of the months from..to, beside the same months last year",
    responses=COMMON_RESPONSES,
)
def profit_and_loss(client_id: str, ledger: Ledger, from_: FromMonth = None, to: Month = None) -> ProfitAndLoss:
    year, first, last = month_range(from_, to, clock.today_oslo().year)
    return ProfitAndLoss(**(ledger.profit_and_loss(year, first, last)))


@router.get(
    "/clients/<client_id>/ledger/balance-sheet",
    tags=TAGS,
    summary="Balance sheet (balanse) at the end of a month, beside the same month last year",
    responses=COMMON_RESPONSES,
)
def balance_sheet(client_id: str, ledger: Ledger, at: Month = None) -> BalanceSheet:
    return BalanceSheet(**ledger.balance_sheet(at or clock.today_oslo().isoformat()[:7]))


@router.get("/clients/<client_id>/ledger/periods", tags=TAGS, summary="The ledger's months", responses=COMMON_RESPONSES)
def list_periods(
    client_id: str, ledger: Ledger, year: Annotated[int | None, Query(ge=1900, le=2100)] = None
) -> Periods:
    return Periods(items=[Period(**p) for p in ledger.periods(year)])


@router.post(
    "/clients/<client_id>/ledger/periods/<period>/close",
    tags=TAGS,
    summary="Close a month: no postings into it until it is reopened",
    responses=COMMON_RESPONSES,
)
def close_period(client_id: str, period: str, ctx: Context, ledger: Ledger) -> Period:
    return Period(**ledger.close(period, ctx.actor))


@router.post(
    "/clients/<client_id>/ledger/periods/<period>/reopen",
    tags=TAGS,
    summary="Reopen a closed month (refused while a later month is closed)",
    responses=COMMON_RESPONSES,
)
def reopen_period(client_id: str, period: str, ctx: Context, ledger: Ledger) -> Period:
    return Period(**ledger.reopen(period, ctx.actor))


class MappingRow(DeferredModel):
    account: str
    name: str
    grouping_category: str | None
    grouping_code: str | None
    source: Literal["client", "standard", "none"]
    used: bool


class Mapping(DeferredModel):
    items: list[MappingRow]
    unmapped_in_use: list[str]


class MappingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    grouping_category: Annotated[str, Field(min_length=1, max_length=100)]
    grouping_code: Annotated[str, Field(min_length=1, max_length=20)]


@router.get(
    "/clients/<client_id>/ledger/account-mapping",
    tags=TAGS,
    summary="SAF-T grouping (næringsspesifikasjon) of every account: the bureau's, else the standard default",
    responses=COMMON_RESPONSES,
)
def get_mapping(client_id: str, ledger: Ledger) -> Mapping:
    from klientportal.ledger.mapping import grouping_of, mapped  # the SAF-T grouping lists: these routes only

    own = mapped(ledger.store, ledger.pk)
    used = set(ledger.balances().accounts())
    rows = []
    for account, name in sorted(ledger.account_names().items()):
        found, source = grouping_of(account, own)
        rows.append(
            MappingRow(
                account=account,
                name=name,
                grouping_category=found.category if found else None,
                grouping_code=found.code if found else None,
                source=source,
                used=account in used,
            )
        )
    return Mapping(items=rows, unmapped_in_use=[r.account for r in rows if r.used and r.source == "none"])


@router.put(
    "/clients/<client_id>/ledger/account-mapping/<account>",
    tags=TAGS,
    summary="Map one account to a næringsspesifikasjon grouping (category and code of Skatteetaten's list)",
    responses=COMMON_RESPONSES,
)
def put_mapping(client_id: str, account: str, body: MappingIn, ctx: Context, ledger: Ledger) -> MappingRow:
    from klientportal.ledger.mapping import set_mapping

    set_mapping(ledger.store, ledger.pk, account, body.grouping_category, body.grouping_code, ctx.actor)
    return MappingRow(
        account=account,
        name=ledger.account_names().get(account, ""),
        grouping_category=body.grouping_category,
        grouping_code=body.grouping_code,
        source="client",
        used=account in set(ledger.balances().accounts()),
    )


@router.get(
    "/clients/<client_id>/saft",
    tags=TAGS,
    summary="SAF-T Financial 1.30 for whole months of one year (refused with the list of unmapped accounts)",
    responses={
        200: {"description": "The SAF-T file", "content": {"application/xml": {"schema": {"type": "string"}}}},
        **COMMON_RESPONSES,
    },
)
@raw_response
def get_saft(
    client_id: str,
    ctx: Context,
    ledger: Ledger,
    from_: Annotated[date, Query(alias="from")],
    to: Annotated[date, Query()],
) -> Response[bytes]:
    from klientportal.formats.saft.writer import write  # SAF-T (its writer and export) for this route only
    from klientportal.ledger.saft_export import export

    client = ctx.authorized_client
    xml = write(export(ledger, client, from_, to))
    if len(xml) > MAX_INLINE_BYTES:
        raise RuleViolation(
            f"the file is {len(xml)} bytes, more than one response carries; export fewer months",
            extra={"bytes": len(xml)},
        )
    stamp = clock.now().astimezone(clock.OSLO).strftime("%Y%m%d%H%M%S")
    name = f"SAF-T Financial_{client.orgnr}_{stamp}.xml"
    return Response(200, "application/xml", xml, headers={"Content-Disposition": f'attachment; filename="{name}"'})


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    title: Annotated[Text, Field(min_length=1, max_length=200)]
    statement: Literal["profit-and-loss", "balance-sheet", "vat-summary"]
    period_from: Annotated[str, Field(pattern=MONTH_PATTERN)]
    period_to: Annotated[str, Field(pattern=MONTH_PATTERN)]


class ReportRead(DeferredModel):
    by: str
    at: str


class ReportFile(DeferredModel):
    filename: str
    size: int
    sha256: str = Field(description="of the file as uploaded; the download is checked against it")
    pages: int


class ReportSummary(DeferredModel):
    report_id: str
    kind: Literal["generated", "pdf"] = "generated"
    title: str
    statement: str | None = None
    period_from: str
    period_to: str
    published_at: str
    published_by: str
    read_at: str | None = Field(description="the first time a member of the client opened it")
    read_by: str | None
    reads: list[ReportRead] = Field(default=[], description="each client member's first opening")
    file: ReportFile | None = None


class VatLine(DeferredModel):
    account: str
    name: str
    amount: str


class VatSummary(DeferredModel):
    period_from: str
    period_to: str
    lines: list[VatLine]
    to_pay: str


class Report(ReportSummary):
    content: ProfitAndLoss | BalanceSheet | VatSummary | None = None


class Reports(DeferredModel):
    items: list[ReportSummary]
    next_cursor: str | None = Field(default=None, description="the next page's `cursor`; null on the last page")


class ReportFileLink(DeferredModel):
    url: str
    expires_in: int


def _client_member(ctx: Context) -> bool:
    return ctx.membership is not None and ctx.membership.scope == "client"


def _readers(ctx: Context) -> list[Membership]:
    return notifications.recipients(ctx.invocation.tenancy.repo, ctx.authorized_client, "client", Module.REPORTS)


def _tell(ctx: Context, notification: Record) -> None:
    from klientportal.invoicing.delivery import adapters

    s = settings()
    notifications.mail(adapters(s.delivery_mode).email, notification, ctx.authorized_client, s.invoice_from_address)


@router.post(
    "/clients/<client_id>/reports",
    tags=["reports"],
    summary="Publish a report generated from the ledger (frozen when published); the client is notified "
    "(a notification, e-mail, the report.published event)",
    responses={201: created(Report), **COMMON_RESPONSES},
)
def publish_report(client_id: str, body: ReportIn, ctx: Context, ledger: Ledger) -> Response[Report]:
    rec, note = reports.publish(
        ledger, body.title, body.statement, body.period_from, body.period_to, ctx.actor, _readers(ctx)
    )
    _tell(ctx, note)
    return Response(201, "application/json", Report(**rec.data))


@router.post(
    PDF_REPORT_ROUTE.split(" ", 1)[1].replace("{client_id}", "<client_id>"),
    tags=["reports"],
    summary="Publish an uploaded PDF report: the PDF's bytes as the body; the client is notified",
    description="Send the file unaltered with Content-Type application/pdf (at most 4 MiB; another type is "
    "415). It must begin "
    "with %PDF-, open without a password and have pages; otherwise 422 `report-file-refused` (413 when too "
    "large) and nothing is stored. The file is kept as uploaded, with its SHA-256.",
    responses={
        201: created(Report),
        **COMMON_RESPONSES,
        415: problem_doc("The body is not sent as application/pdf"),
    },
)
def publish_pdf_report(
    client_id: str,
    ctx: Context,
    ledger: Ledger,
    title: Annotated[Text, Query(min_length=1, max_length=200)],
    period_from: Annotated[str, Query(pattern=MONTH_PATTERN)],
    period_to: Annotated[str, Query(pattern=MONTH_PATTERN)],
    filename: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
) -> Response[Report]:
    media_type = ctx.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/pdf":
        raise UnsupportedMediaType(f"a report file is sent as application/pdf, not {media_type or 'without a type'}")
    event = router.current_event
    body = event.body or ""
    try:
        data = base64.b64decode(body, validate=True) if event.is_base64_encoded else body.encode("utf-8")
    except (binascii.Error, ValueError):
        raise InvalidInput("the body is not valid base64", [FieldError("body", "malformed encoding")]) from None
    rec, note = reports.publish_pdf(
        ledger,
        ctx.invocation.s3,
        settings().documents_bucket,
        (title, period_from, period_to, filename, data),
        ctx.actor,
        _readers(ctx),
    )
    _tell(ctx, note)
    return Response(201, "application/json", Report(**rec.data))


@router.get(
    "/clients/<client_id>/reports",
    tags=["reports"],
    summary="Published reports, newest first, with who read them and when, a page at a time (`limit`, "
    "default 50, and `next_cursor`)",
    responses=COMMON_RESPONSES,
)
def list_reports(client_id: str, ledger: Ledger, limit: Limit = None, cursor: Cursor = None) -> Reports:
    page = reports.reports(ledger, limit, cursor)
    return Reports(items=[ReportSummary(**r.data) for r in page.items], next_cursor=page.next_cursor)


@router.get(
    "/clients/<client_id>/reports/<report_id>",
    tags=["reports"],
    summary="One report; a generated one opened by a member of the client is marked read",
    responses=COMMON_RESPONSES,
)
def get_report(client_id: str, report_id: str, ctx: Context, ledger: Ledger) -> Report:
    return Report(**reports.open_report(ledger, report_id, ctx.actor, is_client_member=_client_member(ctx)).data)


@router.get(
    "/clients/<client_id>/reports/<report_id>/pdf",
    tags=["reports"],
    summary="The uploaded PDF (bytes, as uploaded), or with ?link=true a short-lived download URL; opened by a "
    "member of the client it is marked read",
    responses={
        **COMMON_RESPONSES,
        200: {
            "description": "The PDF; with ?link=true a JSON download link",
            "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "application/json": {"model": ReportFileLink},
            },
        },
    },
)
@raw_response
def report_pdf(
    client_id: str,
    report_id: str,
    ctx: Context,
    ledger: Ledger,
    link: Annotated[QueryFlag, Query(description="`true`: a download link; `true` or `false`, nothing else")] = False,
) -> Response[dict[str, Any] | bytes]:
    bucket = settings().documents_bucket
    rec, pdf = reports.open_file(
        ledger, ctx.invocation.s3, bucket, report_id, ctx.actor, is_client_member=_client_member(ctx)
    )
    file = rec.data["file"]
    if link:
        from klientportal.vouchers.originals import presigned_get

        url = presigned_get(
            ctx.invocation.s3,
            bucket,
            file["key"],
            content_type="application/pdf",
            filename=file["filename"],
            expires_in=300,
        )
        return Response(200, "application/json", {"url": url, "expires_in": 300})
    headers = {"Content-Disposition": f'inline; filename="{file["filename"]}"'}
    return Response(200, "application/pdf", pdf, headers=headers)


app = build_app([router], catalogue.function("ledger").routes, raw_bodies=[PDF_REPORT_ROUTE])
lambda_handler = http_handler(app)
