"""The tier rules at every date edge: 1 January, 30 September vs 1 October, mid-month starts, leap years."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from klientportal.billing import tiers
from klientportal.billing.months import Month
from klientportal.billing.prices import Prices
from klientportal.tenancy.models import Module, Tier

PRICES = Prices(
    portal_client_month=Decimal("99.00"),
    byraklient_company_month=Decimal("150.00"),
    byraklient_user_month=Decimal("40.00"),
    modules={Module.PAYROLL: Decimal("25.00")},
    byralisens_system_price=Decimal("6000.00"),
    byralisens_maintenance_year=Decimal("1000.00"),
    byralisens_direct_system_price=Decimal("9500.00"),
)


def lisens(starts: date, **kw: object) -> tiers.Agreement:
    return tiers.Agreement("c-1", Tier.BYRALISENS, starts, **kw)  # type: ignore[arg-type]


def items(charges: list[tiers.Charge]) -> dict[str, Decimal]:
    return {c.item: c.amount for c in charges}


@pytest.mark.parametrize(
    ("start", "months"),
    [
        (date(2026, 1, 1), 12),
        (date(2026, 1, 31), 12),
        (date(2026, 2, 1), 11),
        (date(2028, 2, 29), 11),  # leap day
        (date(2026, 9, 15), 4),
        (date(2026, 9, 30), 4),
        (date(2026, 10, 1), 3),
        (date(2026, 12, 1), 1),
        (date(2026, 12, 31), 1),
    ],
)
def test_remaining_months_count_the_start_month_in_full(start, months):
    assert tiers.remaining_months(start) == months


def test_pro_rata_maintenance_rounds_half_up_to_ore_once():
    assert tiers.pro_rata_maintenance(Decimal("1000.00"), date(2026, 2, 10)) == (Decimal("916.67"), 11)
    assert tiers.pro_rata_maintenance(Decimal("1000.00"), date(2026, 4, 1)) == (Decimal("750.00"), 9)
    assert tiers.pro_rata_maintenance(Decimal("0.06"), date(2026, 7, 1)) == (Decimal("0.03"), 6)
    assert tiers.pro_rata_maintenance(Decimal("0.01"), date(2026, 7, 1)) == (Decimal("0.01"), 6)  # 0.005 → 0.01


def test_new_byralisens_agreement_mid_month_bills_system_price_and_remaining_maintenance():
    charges = tiers.licence_charges(lisens(date(2026, 9, 15)), Month(2026, 9), PRICES)
    assert items(charges) == {
        "byralisens_system_price": Decimal("6000.00"),
        "byralisens_maintenance": Decimal("333.33"),
    }
    assert "4/12" in charges[1].note
    assert tiers.licence_charges(lisens(date(2026, 9, 15)), Month(2026, 10), PRICES) == []
    assert tiers.licence_charges(lisens(date(2026, 9, 15)), Month(2026, 8), PRICES) == []


def test_agreement_on_leap_day_bills_eleven_months():
    charges = tiers.licence_charges(lisens(date(2028, 2, 29)), Month(2028, 2), PRICES)
    assert items(charges)["byralisens_maintenance"] == Decimal("916.67")


def test_maintenance_for_the_year_is_billed_in_january_but_not_twice_in_the_start_year():
    started_jan = lisens(date(2027, 1, 1))
    assert items(tiers.licence_charges(started_jan, Month(2027, 1), PRICES)) == {
        "byralisens_system_price": Decimal("6000.00"),
        "byralisens_maintenance": Decimal("1000.00"),  # 12/12 as the new agreement's, not a second year charge
    }
    assert items(tiers.licence_charges(started_jan, Month(2028, 1), PRICES)) == {
        "byralisens_maintenance": Decimal("1000.00")
    }
    ended = lisens(date(2025, 5, 1), ends=date(2026, 12, 31))
    assert tiers.licence_charges(ended, Month(2027, 1), PRICES) == []
    assert items(tiers.licence_charges(ended, Month(2026, 1), PRICES)) == {"byralisens_maintenance": Decimal("1000.00")}
    started_dec31 = lisens(date(2026, 12, 31))
    assert items(tiers.licence_charges(started_dec31, Month(2027, 1), PRICES)) == {
        "byralisens_maintenance": Decimal("1000.00")
    }


def test_cancellation_on_30_september_ends_this_year_on_1_october_the_next():
    assert tiers.cancel(lisens(date(2025, 3, 1)), date(2026, 9, 30)) == tiers.Cancellation(
        date(2026, 12, 31), False, "cancelled before 1 October: the licence ends 2026-12-31"
    )
    late = tiers.cancel(lisens(date(2025, 3, 1)), date(2026, 10, 1))
    assert late.ends == date(2027, 12, 31) and late.deferred
    assert "renews for 2027" in late.note
    assert tiers.cancel(lisens(date(2025, 3, 1)), date(2026, 1, 1)).ends == date(2026, 12, 31)
    assert tiers.cancel(lisens(date(2025, 3, 1)), date(2026, 12, 31)).ends == date(2027, 12, 31)
    assert tiers.cancel(lisens(date(2027, 2, 1)), date(2028, 2, 29)).ends == date(2028, 12, 31)


def test_cancelled_twice_is_refused():
    with pytest.raises(tiers.AlreadyCancelled):
        tiers.cancel(lisens(date(2025, 3, 1), ends=date(2026, 12, 31)), date(2026, 5, 1))


def test_portal_and_byraklient_have_no_lock_in_and_bill_every_month_in_force_in_full():
    portal = tiers.Agreement("c-1", Tier.PORTAL, date(2026, 11, 17), modules=(Module.PAYROLL,))
    assert items(tiers.licence_charges(portal, Month(2026, 11), PRICES)) == {
        "portal_client_month": Decimal("99.00"),
        "module:payroll": Decimal("25.00"),
    }
    assert tiers.licence_charges(portal, Month(2026, 10), PRICES) == []
    cancelled = tiers.cancel(portal, date(2026, 12, 2))
    assert cancelled.ends == date(2026, 12, 31) and not cancelled.deferred
    ended = tiers.Agreement("c-1", Tier.PORTAL, date(2026, 11, 17), ends=cancelled.ends)
    assert tiers.licence_charges(ended, Month(2026, 12), PRICES) != []
    assert tiers.licence_charges(ended, Month(2027, 1), PRICES) == []
    feb = tiers.Agreement("c-2", Tier.BYRAKLIENT, date(2028, 2, 29), users=3)
    assert items(tiers.licence_charges(feb, Month(2028, 2), PRICES)) == {
        "byraklient_company_month": Decimal("150.00"),
        "byraklient_user_month": Decimal("120.00"),
    }
    assert tiers.cancel(feb, date(2028, 2, 29)).ends == date(2028, 2, 29)


def test_buy_out_bills_the_difference_and_ends_the_licence():
    bought = tiers.buy_out(lisens(date(2025, 3, 1)), date(2026, 6, 10), PRICES)
    assert bought.amount == Decimal("3500.00")
    assert bought.agreement.ends == date(2026, 6, 10)
    assert items(tiers.licence_charges(bought.agreement, Month(2026, 6), PRICES)) == {
        "byralisens_buyout": Decimal("3500.00")
    }
    assert tiers.licence_charges(bought.agreement, Month(2027, 1), PRICES) == []


def test_buy_out_of_a_licence_that_is_not_byralisens_is_refused():
    for tier in (Tier.PORTAL, Tier.BYRAKLIENT):
        with pytest.raises(tiers.NotByralisens) as refused:
            tiers.buy_out(tiers.Agreement("c-1", tier, date(2026, 1, 1)), date(2026, 6, 1), PRICES)
        assert refused.value.status == 409 and str(tier) in refused.value.detail


def test_transfer_moves_the_licence_without_a_new_system_price():
    moved = tiers.transfer(lisens(date(2025, 3, 1)), None, "c-2", Tier.BYRALISENS, date(2026, 6, 10))
    assert moved.source.ends == date(2026, 6, 10)
    assert moved.target.starts == date(2026, 6, 10) and moved.target.transferred_from == "c-1"
    assert tiers.licence_charges(moved.target, Month(2026, 6), PRICES) == []
    assert items(tiers.licence_charges(moved.target, Month(2027, 1), PRICES)) == {
        "byralisens_maintenance": Decimal("1000.00")
    }
    with pytest.raises(tiers.TransferRefused):
        tiers.transfer(lisens(date(2025, 3, 1)), None, "c-2", Tier.PORTAL, date(2026, 6, 10))
    with pytest.raises(tiers.TransferRefused):
        tiers.transfer(lisens(date(2025, 3, 1)), lisens(date(2026, 1, 1)), "c-2", Tier.BYRALISENS, date(2026, 6, 10))
    with pytest.raises(tiers.NotByralisens):
        tiers.transfer(
            tiers.Agreement("c-1", Tier.PORTAL, date(2026, 1, 1)), None, "c-2", Tier.BYRALISENS, date(2026, 6, 1)
        )
