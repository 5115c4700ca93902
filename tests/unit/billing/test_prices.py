"""Price list versions: month-bound validity, no overlap, no negative price, client overrides."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from klientportal.billing.months import Month
from klientportal.billing.prices import PriceListOverlap, PriceListVersion, check_no_overlap, version_for


def version(valid_from: str, valid_to: str | None = None, **prices: object) -> PriceListVersion:
    return PriceListVersion.model_validate(
        {"valid_from": valid_from, "valid_to": valid_to, "prices": prices or {"portal_client_month": "99"}}
    )


def test_a_negative_price_is_refused_with_its_field():
    with pytest.raises(ValidationError) as refused:
        version("2027-01-01", transactions={"ehf_sent": "-0.50"})
    assert "a price cannot be negative" in str(refused.value)
    assert refused.value.errors()[0]["loc"][-1] == "ehf_sent"


def test_prices_have_at_most_two_decimals():
    with pytest.raises(ValidationError):
        version("2027-01-01", transactions={"ehf_sent": "0.505"})
    assert version("2027-01-01", transactions={"ehf_sent": "0.50"}).prices.transactions["ehf_sent"] == Decimal("0.50")


def test_validity_runs_from_a_first_to_a_last_day_of_a_month():
    with pytest.raises(ValidationError, match="first day"):
        version("2027-01-15")
    with pytest.raises(ValidationError, match="last day"):
        version("2027-01-01", "2027-02-27")
    assert version("2028-01-01", "2028-02-29").valid_to == date(2028, 2, 29)  # leap year
    with pytest.raises(ValidationError, match="day value is outside"):
        version("2027-01-01", "2027-02-29")  # no leap day in 2027
    with pytest.raises(ValidationError, match="last day"):
        version("2028-01-01", "2028-02-28")  # 2028 has one


def test_overlapping_versions_are_refused_adjacent_ones_accepted():
    existing = [version("2026-01-01", "2026-12-31"), version("2027-01-01")]
    with pytest.raises(PriceListOverlap) as refused:
        check_no_overlap(version("2026-12-01", "2026-12-31"), existing)
    assert refused.value.extra["overlaps"] == ["2026-01-01"]
    with pytest.raises(PriceListOverlap):
        check_no_overlap(version("2030-01-01"), existing)  # the open-ended one runs on
    check_no_overlap(version("2025-01-01", "2025-12-31"), existing)


def test_a_month_is_priced_by_the_version_valid_on_its_first_day():
    versions = [version("2026-01-01", "2026-09-30"), version("2026-10-01", portal_client_month="120")]
    assert version_for(versions, Month(2026, 9)) is versions[0]
    assert version_for(versions, Month(2026, 10)) is versions[1]
    assert version_for(versions, Month(2025, 12)) is None


def test_prices_agreed_with_a_client_replace_the_list_price_for_that_client_only():
    v = PriceListVersion.model_validate(
        {
            "valid_from": "2027-01-01",
            "prices": {"portal_client_month": "99", "transactions": {"ehf_sent": "1.00", "payslip": "5.00"}},
            "clients": {"c-1": {"transactions": {"ehf_sent": "0.80"}}},
        }
    )
    agreed = v.for_client("c-1")
    assert agreed.transactions == {"ehf_sent": Decimal("0.80"), "payslip": Decimal("5.00")}
    assert agreed.portal_client_month == Decimal("99")
    assert v.for_client("c-2").transactions["ehf_sent"] == Decimal("1.00")
