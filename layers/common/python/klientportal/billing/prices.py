"""Price lists: the platform's to the bureau (net) and the bureau's to its clients (gross, with
prices agreed per client), in versions with validity dates (decision 0702).

A version is valid from the 1st of a month to the last day of a month (or open-ended); versions of
one list never overlap and a new one leaves no gap between them; a price is never negative and has at
most two decimals (øre), so that quantity × price is exact. A month is priced by the version valid on
its first day. An open-ended version is ended (decision 0711) at the end of the month in progress or
later, never cutting a month a final statement was made for.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from klientportal.api.types import decimal_type
from klientportal.billing.months import Month
from klientportal.billing.transactions import TransactionType
from klientportal.errors import FieldError, InvalidInput, RuleViolation
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
    byraklient_user_month: Price | None = Field(
        None, description="ByråKlient: per user per month (members active in the month, 0712)"
    )
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


class PriceListGap(RuleViolation):
    slug, title = "price-list-gap", "Price list versions may not leave months without prices"


class PriceListVersionEnded(RuleViolation):
    slug, title = "price-list-version-ended", "The price list version has an end already"


class PriceListMonthsBilled(RuleViolation):
    slug, title = "price-list-months-billed", "Months priced by this version are billed in final statements"


class VersionEnd(_Model):
    """The end of an open-ended version (POST …/price-lists/{valid_from}/end)."""

    valid_to: date = Field(description="the last day of a month: the version's last day")

    @model_validator(mode="after")
    def _last_day(self) -> VersionEnd:
        if self.valid_to != Month.of(self.valid_to).last_day:
            raise ValueError("valid_to must be the last day of a month")
        return self


def gaps(versions: list[PriceListVersion]) -> list[tuple[date, date]]:
    """The spans between consecutive versions that no version covers (first day, last day)."""
    ordered = sorted(versions, key=lambda v: v.valid_from)
    return [
        (a.valid_to + timedelta(days=1), b.valid_from - timedelta(days=1))
        for a, b in itertools.pairwise(ordered)
        if a.valid_to is not None and a.valid_to + timedelta(days=1) < b.valid_from
    ]


def check_no_new_gap(new: PriceListVersion, existing: list[PriceListVersion]) -> None:
    """A new version joins the list without a gap: it starts the month after the one before it ends,
    or ends the month before the one after it starts (a list without versions takes any)."""
    before = set(gaps(existing))
    new_gaps = [g for g in gaps([*existing, new]) if g not in before]
    if new_gaps:
        spans = ", ".join(f"{a}–{b}" for a, b in new_gaps)
        raise PriceListGap(
            f"the version from {new.valid_from} leaves {spans} without prices; let it start or end next to "
            "the versions there are",
            [FieldError("valid_from" if new_gaps[0][1] < new.valid_from else "valid_to", f"leaves {spans} unpriced")],
            extra={"gaps": [{"from": a.isoformat(), "to": b.isoformat()} for a, b in new_gaps]},
        )


def ended(version: PriceListVersion, end: VersionEnd, current: Month, billed: list[Month]) -> PriceListVersion:
    """`version` ended on `end.valid_to`: refused when it has an end already, when the end is before it
    starts, when a month after the end is billed in a final statement (priced by this version), or when
    the end leaves months that have begun without a price (before the end of the month in progress)."""
    if version.valid_to is not None:
        raise PriceListVersionEnded(
            f"the version from {version.valid_from} ends {version.valid_to} already; versions are not edited",
            [FieldError("valid_to", f"ends {version.valid_to} already")],
            extra={"valid_to": version.valid_to.isoformat()},
        )
    last = end.valid_to
    if last < version.valid_from:
        raise InvalidInput(
            f"the version starts {version.valid_from}, after {last}",
            [FieldError("valid_to", f"before the version's start {version.valid_from}")],
        )
    cut = sorted(str(m) for m in billed if m > Month.of(last) and m.first_day >= version.valid_from)
    if cut:
        raise PriceListMonthsBilled(
            f"{', '.join(cut)} {'is' if len(cut) == 1 else 'are'} billed with this version in final statements; "
            f"it can end {cut[-1]} at the earliest",
            [FieldError("valid_to", f"cuts billed months: {', '.join(cut)}")],
            extra={"billed_months": cut},
        )
    if Month.of(last) < current:
        unpriced = f"{Month.of(last).next()}–{current}"
        raise PriceListGap(
            f"ending on {last} leaves {unpriced} without prices (months that have begun); end it on "
            f"{current.last_day} or later and add the next version from the month after",
            [FieldError("valid_to", f"before the end of the month in progress ({current.last_day})")],
            extra={"earliest_valid_to": current.last_day.isoformat()},
        )
    return version.model_copy(update={"valid_to": last})
