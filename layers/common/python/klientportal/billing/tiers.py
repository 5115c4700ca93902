"""The tier rules as pure functions of dates and prices (docs/billing.md, decisions 0703, 0704).

- Portal: a price per client per month plus transactions; no lock-in (a cancellation ends the
  agreement with the month it is made in).
- ByråKlient: a fixed price per company and per user per month (users counted from the client's
  memberships, billing/users.py, decision 0712); no lock-in.
- Byrålisens: the bureau owns the licence and resells the right of use. A new agreement costs the
  system price plus maintenance for the remaining months of the year: the months from the start
  month to December, the start month counted in full (decision 0703). Maintenance for a whole year
  is billed on 1 January (the January statement) for every licence in force on that day that did
  not start that same year. The licence renews each year; a cancellation made before 1 October
  ends it on 31 December of that year, one made on or after 1 October is accepted for the end of
  the next year (and the answer says so). When the relationship ends the client may buy the
  licence out (the difference between the system price of a licence of its own and the reseller
  system price), or the bureau transfers it to another of its Byrålisens clients (no new system
  price, the year's maintenance is paid already).
Every monthly fee is charged in full for each month the agreement is in force on at least one day.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from klientportal.billing.months import Month
from klientportal.billing.prices import Prices
from klientportal.errors import FieldError, RuleViolation
from klientportal.tenancy.models import Module, Tier

CENT = Decimal("0.01")
CANCELLATION_DEADLINE = (10, 1)  # month, day: from 1 October a cancellation is for the year after


@dataclass(frozen=True)
class Agreement:
    """A client's billing agreement: its tier, when it is in force (`ends` = the last day)."""

    client_id: str
    tier: Tier
    starts: date
    ends: date | None = None
    users: int = 1
    modules: tuple[Module, ...] = ()
    transferred_from: str | None = None
    bought_out_on: date | None = None

    def in_force_on(self, day: date) -> bool:
        return self.starts <= day and (self.ends is None or day <= self.ends)

    def in_force_in(self, month: Month) -> bool:
        return self.starts <= month.last_day and (self.ends is None or month.first_day <= self.ends)


@dataclass(frozen=True)
class Charge:
    """One licence line: what (`item`), how many, the unit price, the amount and how it was found."""

    item: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    note: str = ""


@dataclass(frozen=True)
class Cancellation:
    ends: date
    deferred: bool
    note: str


@dataclass(frozen=True)
class Transfer:
    source: Agreement
    target: Agreement


@dataclass(frozen=True)
class Buyout:
    agreement: Agreement
    amount: Decimal
    note: str = field(default="")


class NotByralisens(RuleViolation):
    slug, title = "licence-not-byralisens", "Only a Byrålisens licence can be bought out or transferred"


class AlreadyCancelled(RuleViolation):
    slug, title = "agreement-already-ended", "The agreement is cancelled or ended already"


class PriceMissing(RuleViolation):
    slug, title = "price-missing", "The price list has no price for this"


class TransferRefused(RuleViolation):
    slug, title = "licence-transfer-refused", "The licence cannot be transferred to this client"


def remaining_months(start: date) -> int:
    """The months of the start's year from its month to December, the start month counted in full
    (1 January → 12, 15 September → 4, 31 December → 1)."""
    return 13 - start.month


def pro_rata_maintenance(yearly: Decimal, start: date) -> tuple[Decimal, int]:
    """Maintenance for the remaining months: yearly × months / 12, to øre, half up (the one rounding)."""
    months = remaining_months(start)
    return (yearly * months / 12).quantize(CENT, rounding=ROUND_HALF_UP), months


def _charge(item: str, quantity: int, price: Decimal | None, note: str = "") -> list[Charge]:
    if price is None or quantity <= 0:
        return []
    return [Charge(item, quantity, price, price * quantity, note)]


def licence_charges(agreement: Agreement, month: Month, prices: Prices) -> list[Charge]:
    """The licence and module lines of one client and month (empty when not in force)."""
    out: list[Charge] = []
    if agreement.tier is Tier.BYRALISENS:
        out += _byralisens(agreement, month, prices)
        if agreement.bought_out_on is not None and Month.of(agreement.bought_out_on) == month:
            out += [_buyout_charge(prices, agreement.bought_out_on)]
        return out
    if not agreement.in_force_in(month):
        return []
    if agreement.tier is Tier.PORTAL:
        out += _charge("portal_client_month", 1, prices.portal_client_month)
    else:
        out += _charge("byraklient_company_month", 1, prices.byraklient_company_month)
        out += _charge("byraklient_user_month", agreement.users, prices.byraklient_user_month)
    for module in sorted(agreement.modules):
        out += _charge(f"module:{module}", 1, prices.modules.get(module))
    return out


def _byralisens(agreement: Agreement, month: Month, prices: Prices) -> list[Charge]:
    out: list[Charge] = []
    start = agreement.starts
    if Month.of(start) == month and agreement.transferred_from is None:
        out += _charge("byralisens_system_price", 1, prices.byralisens_system_price, "new agreement")
        if prices.byralisens_maintenance_year is not None:
            amount, months = pro_rata_maintenance(prices.byralisens_maintenance_year, start)
            note = f"{months}/12 of {prices.byralisens_maintenance_year} (rounded half up to øre)"
            out.append(Charge("byralisens_maintenance", 1, amount, amount, note))
    january = date(month.year, 1, 1)
    if month.month == 1 and agreement.in_force_on(january) and start.year < month.year:
        out += _charge("byralisens_maintenance", 1, prices.byralisens_maintenance_year, f"the year {month.year}")
    return out


def cancel(agreement: Agreement, on: date) -> Cancellation:
    """When a cancellation made on `on` ends the agreement (refused when it has ended or is set to)."""
    if agreement.ends is not None:
        raise AlreadyCancelled(
            f"the agreement ends {agreement.ends} already", [FieldError("date", "cancelled already")]
        )
    if agreement.tier is not Tier.BYRALISENS:
        ends = Month.of(on).last_day
        return Cancellation(ends, False, f"no lock-in: the agreement ends {ends}, with the month of the cancellation")
    if (on.month, on.day) < CANCELLATION_DEADLINE:
        ends = date(on.year, 12, 31)
        return Cancellation(ends, False, f"cancelled before 1 October: the licence ends {ends}")
    ends = date(on.year + 1, 12, 31)
    return Cancellation(
        ends,
        True,
        f"cancelled on or after 1 October {on.year}: the licence renews for {on.year + 1} and ends {ends} "
        f"(to end on 31 December {on.year} it had to be cancelled before 1 October)",
    )


def _buyout_charge(prices: Prices, on: date) -> Charge:
    amount = buyout_difference(prices)
    return Charge("byralisens_buyout", 1, amount, amount, f"licence rights bought out {on}")


def buyout_difference(prices: Prices) -> Decimal:
    """The direct system price less the reseller system price (never below zero)."""
    if prices.byralisens_direct_system_price is None or prices.byralisens_system_price is None:
        raise PriceMissing("the price list names no Byrålisens system prices (direct and reseller)")
    return max(prices.byralisens_direct_system_price - prices.byralisens_system_price, Decimal("0.00"))


def buy_out(agreement: Agreement, on: date, prices: Prices) -> Buyout:
    """The client buys the licence rights out: the agreement ends that day, the difference is billed."""
    if agreement.tier is not Tier.BYRALISENS:
        raise NotByralisens(
            f"the client's tier is {agreement.tier}: only a Byrålisens licence can be bought out",
            [FieldError("tier", f"{agreement.tier} is not byralisens")],
            extra={"tier": str(agreement.tier)},
        )
    if not agreement.in_force_on(on) or agreement.bought_out_on is not None:
        raise AlreadyCancelled(f"the licence is not in force on {on}")
    amount = buyout_difference(prices)
    return Buyout(replace(agreement, ends=on, bought_out_on=on), amount, f"difference amount {amount}")


def transfer(source: Agreement, target: Agreement | None, target_id: str, target_tier: Tier, on: date) -> Transfer:
    """The bureau moves the licence from one client to another of its Byrålisens clients."""
    if source.tier is not Tier.BYRALISENS:
        raise NotByralisens(
            f"the client's tier is {source.tier}: only a Byrålisens licence can be transferred",
            [FieldError("tier", f"{source.tier} is not byralisens")],
        )
    if not source.in_force_on(on) or source.bought_out_on is not None:
        raise AlreadyCancelled(f"the licence is not in force on {on}")
    if target_id == source.client_id or target_tier is not Tier.BYRALISENS:
        raise TransferRefused(
            "the licence goes to another Byrålisens client of the bureau",
            [FieldError("to_client_id", "not another Byrålisens client")],
        )
    if target is not None and (target.ends is None or target.ends >= on):
        raise TransferRefused(
            f"{target_id} has a licence in force already", [FieldError("to_client_id", "has a licence in force")]
        )
    moved = Agreement(target_id, Tier.BYRALISENS, on, source.ends, source.users, (), source.client_id)
    return Transfer(replace(source, ends=on), moved)
