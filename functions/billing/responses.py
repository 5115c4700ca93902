"""What the billing API answers, typed to the last field (`ResponseModel`: closed, true to the
stored shape; decision 0012)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from klientportal.api.response_model import ResponseModel
from klientportal.api.types import Money
from klientportal.billing.prices import PriceListVersion


class LateOut(ResponseModel):
    month: str
    type: str
    quantity: int


class ClientUsageOut(ResponseModel):
    client_id: str
    month: str
    in_progress: bool
    counts: dict[str, int]
    late: list[LateOut]


class BureauClientUsageOut(ResponseModel):
    client_id: str
    name: str
    counts: dict[str, int]
    late: list[LateOut]


class BureauUsageOut(ResponseModel):
    bureau_id: str
    month: str
    in_progress: bool
    clients: list[BureauClientUsageOut]


class CancellationNote(ResponseModel):
    on: date
    note: str


class AgreementOut(ResponseModel):
    always_sent = frozenset({"ends", "customer_number", "transferred_from", "bought_out_on"})

    client_id: str
    tier: str
    starts: date
    ends: date | None = None
    users: int = Field(
        description="ByråKlient: the client's users active at any moment of users_month, counted from its memberships"
    )
    users_month: str
    re_invoice: bool
    customer_number: int | None = None
    transferred_from: str | None = None
    transferred_to: str | None = None
    bought_out_on: date | None = None
    cancellation: CancellationNote | None = None
    version: int


class CancellationOut(ResponseModel):
    client_id: str
    cancelled_on: date
    ends: date
    for_the_year_after: bool
    note: str


class BuyoutOut(ResponseModel):
    client_id: str
    bought_out_on: date
    difference_amount: Money
    billed_in: str


class TransferOut(ResponseModel):
    from_client_id: str
    to_client_id: str
    on: date


class PriceListsOut(ResponseModel):
    platform: list[PriceListVersion]
    bureau: list[PriceListVersion]


class PlatformPriceListOut(ResponseModel):
    platform: list[PriceListVersion]


class SettingsOut(ResponseModel):
    always_sent = frozenset({"own_client_id"})

    own_client_id: str | None = None
    version: int


class StatementClientOut(ResponseModel):
    client_id: str
    name: str
    tier: str
    net: Money


class StatementLineOut(ResponseModel):
    client_id: str
    kind: Literal["transaction", "licence"]
    item: str
    month: str
    late: bool
    quantity: int
    unit_price: Money
    amount: Money
    note: str


class StatementTotalsOut(ResponseModel):
    net: Money
    by_item: dict[str, Money]
    lines: int
    clients: int


class StatementOut(ResponseModel):
    bureau_id: str
    month: str
    status: Literal["final", "preview"]
    currency: str
    price_list_valid_from: str | None = None
    clients: list[StatementClientOut]
    lines: list[StatementLineOut]
    totals: StatementTotalsOut
    unpriced: dict[str, int]
    generated_at: str | None = None
    as_of: str | None = None
    note: str | None = None


class DraftOut(ResponseModel):
    client_id: str
    result: Literal["created", "exists", "skipped"]
    invoice_id: str | None = None
    own_client_id: str | None = None
    reason: str | None = None


class RunOut(ResponseModel):
    statement: StatementOut
    drafts: list[DraftOut]
