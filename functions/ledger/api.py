"""HTTP handler of the ledger: entries and postings (by account, period, source, customer, supplier),
trial balance, profit and loss, balance sheet, open items, periods (close/reopen), SAF-T."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel

from functions import catalogue
from klientportal import clock
from klientportal.api.app import Context, build_app, http_handler
from klientportal.api.problems import COMMON_RESPONSES
from klientportal.api.response_model import ResponseModel
from klientportal.bootstrap import ledger_service
from klientportal.ledger.service import LedgerService, entry_view, month_range
from klientportal.repository.store import Page

router = Router()
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


class Source(BaseModel):
    kind: str
    id: str | None


class Entry(BaseModel):
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


class EntryPage(BaseModel):
    items: list[Entry]
    next_cursor: str | None = None


class Posting(Line):
    """One line of an entry, with the entry it belongs to."""

    series: str
    voucher_number: str
    date: str
    entry_text: str
    source: Source


class PostingPage(BaseModel):
    items: list[Posting]
    next_cursor: str | None = None


class TrialRow(BaseModel):
    account: str
    name: str
    opening: str
    debit: str
    credit: str
    closing: str


class TrialTotals(BaseModel):
    opening: str
    debit: str
    credit: str
    closing: str


class TrialBalance(BaseModel):
    period_from: str
    period_to: str
    accounts: list[TrialRow]
    totals: TrialTotals
    balanced: bool


class StatementLine(BaseModel):
    account: str
    name: str
    amount: str
    last_year: str


class StatementGroup(BaseModel):
    group: str
    title: str
    lines: list[StatementLine]
    amount: str
    last_year: str


class ProfitAndLoss(BaseModel):
    period_from: str
    period_to: str
    groups: list[StatementGroup]
    result: str
    result_last_year: str


class BalanceSheet(BaseModel):
    at: str
    assets: list[StatementGroup]
    equity_and_liabilities: list[StatementGroup]
    total_assets: str
    total_equity_and_liabilities: str
    total_assets_last_year: str
    total_equity_and_liabilities_last_year: str
    balanced: bool


class OpenItem(BaseModel):
    voucher_number: str
    date: str
    text: str
    source: Source
    amount: str
    open: str


class OpenItems(BaseModel):
    party: Party
    number: int
    balance: str
    items: list[OpenItem]
    unallocated: str


class Period(BaseModel):
    period: str
    status: Literal["open", "closed"]
    entries: int
    total: str
    closed_at: str | None = None
    closed_by: str | None = None
    version: int


class Periods(BaseModel):
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


app = build_app([router], catalogue.function("ledger").routes)
lambda_handler = http_handler(app)
