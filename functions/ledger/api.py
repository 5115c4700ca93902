"""HTTP handler of the ledger: entries and postings (by account, period, source, customer, supplier),
trial balance, profit and loss, balance sheet, open items, periods (close/reopen), SAF-T."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel, ConfigDict, Field

from functions import catalogue
from klientportal import clock
from klientportal.api.app import Context, build_app, http_handler, raw_response
from klientportal.api.problems import COMMON_RESPONSES
from klientportal.api.response_model import DeferredModel, ResponseModel
from klientportal.api.types import Text
from klientportal.bootstrap import ledger_service
from klientportal.errors import RuleViolation
from klientportal.ledger import reports
from klientportal.ledger.service import LedgerService, entry_view, month_range
from klientportal.repository.store import Page

router = Router()
MAX_INLINE_BYTES = 5_500_000  # a Lambda response carries 6 MB
TAGS = ["ledger"]
Limit = Annotated[int | None, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=2000)]
PeriodQuery = Annotated[str | None, Query(max_length=10, description="YYYY, YYYY-MM or YYYY-MM-DD")]
Month = Annotated[str | None, Query(max_length=7, description="YYYY-MM")]
FromMonth = Annotated[str | None, Query(alias="from", max_length=7, description="YYYY-MM")]
Party = Literal["customers", "suppliers"]


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
    period_from: Annotated[str, Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    period_to: Annotated[str, Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")]


class ReportSummary(DeferredModel):
    report_id: str
    title: str
    statement: str
    period_from: str
    period_to: str
    published_at: str
    published_by: str
    read_at: str | None
    read_by: str | None


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
    content: ProfitAndLoss | BalanceSheet | VatSummary


class Reports(DeferredModel):
    items: list[ReportSummary]


@router.post(
    "/clients/<client_id>/reports",
    tags=["reports"],
    summary="Publish a report generated from the ledger (frozen when published); the client is told by the "
    "report.published event",
    responses=COMMON_RESPONSES,
)
def publish_report(client_id: str, body: ReportIn, ctx: Context, ledger: Ledger) -> Response[Report]:
    rec = reports.publish(ledger, body.title, body.statement, body.period_from, body.period_to, ctx.actor)
    return Response(201, "application/json", Report(**rec.data))


@router.get(
    "/clients/<client_id>/reports",
    tags=["reports"],
    summary="Published reports, newest first, with when they were read",
    responses=COMMON_RESPONSES,
)
def list_reports(client_id: str, ledger: Ledger) -> Reports:
    return Reports(items=[ReportSummary(**r.data) for r in reports.reports(ledger)])


@router.get(
    "/clients/<client_id>/reports/<report_id>",
    tags=["reports"],
    summary="One report; the first opening by a member of the client marks it read",
    responses=COMMON_RESPONSES,
)
def get_report(client_id: str, report_id: str, ctx: Context, ledger: Ledger) -> Report:
    member = ctx.membership is not None and ctx.membership.scope == "client"
    return Report(**reports.open_report(ledger, report_id, ctx.actor, is_client_member=member).data)


app = build_app([router], catalogue.function("ledger").routes)
lambda_handler = http_handler(app)
