"""Price lists: the platform's to the bureau (net) and the bureau's to its clients (gross, with
prices agreed per client), in versions with validity dates (decision 0702).

A version is valid from the 1st of a month to the last day of a month (or open-ended); versions of
one list never overlap; a price is never negative and has at most two decimals (øre), so that
quantity × price is exact. A month is priced by the version valid on its first day.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from klientportal.api.types import decimal_type
from klientportal.billing.months import Month
from klientportal.billing.transactions import TransactionType
from klientportal.errors import FieldError, RuleViolation
from klientportal.tenancy.models import Module


def _not_negative(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError("a price cannot be negative")
    return value


if TYPE_CHECKING:  # to a type checker a Decimal; at runtime a decimal string with the rules below
    Price = Decimal
else:
    Price = Annotated[
        decimal_type(2, 9, description="a price in NOK, at most 2 decimals"), AfterValidator(_not_negative)
    ]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Prices(_Model):
    """The prices of one version (any may be absent: what has no price is not charged)."""

    transactions: dict[TransactionType, Price] = Field(default_factory=dict, description="per transaction of each type")
    portal_client_month: Price | None = Field(None, description="Portal: per client per month")
    byraklient_company_month: Price | None = Field(None, description="ByråKlient: per company per month")
    byraklient_user_month: Price | None = Field(None, description="ByråKlient: per agreed user per month")
    modules: dict[Module, Price] = Field(
        default_factory=dict, description="per client per month for each module it has (Portal, ByråKlient)"
    )
    byralisens_system_price: Price | None = Field(None, description="Byrålisens: once, on a new agreement")
    byralisens_maintenance_year: Price | None = Field(
        None, description="Byrålisens: maintenance per year (billed 1 January; pro rata on a new agreement)"
    )
    byralisens_direct_system_price: Price | None = Field(
        None, description="Byrålisens: the system price of a licence of one's own (the buy-out difference base)"
    )

    def overlaid(self, agreed: Prices | None) -> Prices:
        """These prices with a client's agreed prices in their place where it has them."""
        if agreed is None:
            return self
        given = agreed.model_dump(exclude_unset=True, exclude={"transactions", "modules"})
        return self.model_copy(
            update={
                **given,
                "transactions": {**self.transactions, **agreed.transactions},
                "modules": {**self.modules, **agreed.modules},
            }
        )


class PriceListVersion(_Model):
    valid_from: date = Field(description="the 1st of a month")
    valid_to: date | None = Field(None, description="the last day of a month; none: until further notice")
    prices: Prices
    clients: dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")], Prices] = Field(
        default_factory=dict, description="the bureau's list only: prices agreed with a client"
    )

    @model_validator(mode="after")
    def _months(self) -> PriceListVersion:
        if self.valid_from.day != 1:
            raise ValueError("valid_from must be the first day of a month")
        if self.valid_to is not None:
            if self.valid_to != Month.of(self.valid_to).last_day:
                raise ValueError("valid_to must be the last day of a month")
            if self.valid_to < self.valid_from:
                raise ValueError("valid_to is before valid_from")
        return self

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def overlaps(self, other: PriceListVersion) -> bool:
        ends = self.valid_to or date.max
        other_ends = other.valid_to or date.max
        return self.valid_from <= other_ends and other.valid_from <= ends

    def for_client(self, client_id: str) -> Prices:
        return self.prices.overlaid(self.clients.get(client_id))


class PriceListOverlap(RuleViolation):
    slug, title = "price-list-overlap", "Price list versions may not overlap"


def check_no_overlap(new: PriceListVersion, existing: list[PriceListVersion]) -> None:
    clash = [v for v in existing if v.overlaps(new)]
    if clash:
        spans = ", ".join(f"{v.valid_from}–{v.valid_to or 'open'}" for v in clash)
        raise PriceListOverlap(
            f"the version from {new.valid_from} overlaps {spans}; end that version first or choose other dates",
            [FieldError("valid_from", f"overlaps the version valid {spans}")],
            extra={"overlaps": [v.valid_from.isoformat() for v in clash]},
        )


def version_for(versions: list[PriceListVersion], month: Month) -> PriceListVersion | None:
    """The version valid on the month's first day (versions never overlap: at most one)."""
    return next((v for v in versions if v.covers(month.first_day)), None)


def stored(version: PriceListVersion) -> dict[str, Any]:
    return version.model_dump(mode="json", exclude_none=True)
