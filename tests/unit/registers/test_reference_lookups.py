"""The reference tables through their API: loading, lookups and internal consistency."""

from __future__ import annotations

from decimal import Decimal

from klientportal.reference.chart_of_accounts import Account, AccountType, get_account, standard_chart
from klientportal.reference.vat_codes import Direction, RateClass, get_vat_code, vat_codes


def test_vat_codes_load_once_and_look_up():
    assert vat_codes() is vat_codes()
    assert len(vat_codes()) == 30
    regular = get_vat_code("3")
    assert (regular.rate, regular.rate_class, regular.direction, regular.is_output) == (
        Decimal("25"),
        RateClass.REGULAR,
        Direction.OUTPUT,
        True,
    )
    assert get_vat_code("99") is None


def test_vat_rates_per_rate_class():
    rates = {
        RateClass.REGULAR: Decimal("25"),
        RateClass.REDUCED_MIDDLE: Decimal("15"),
        RateClass.REDUCED_LOW: Decimal("12"),
        RateClass.REDUCED_RAW_FISH: Decimal("11.11"),
        RateClass.ZERO: Decimal("0"),
        RateClass.NONE: None,
    }
    for vat in vat_codes():
        assert vat.rate == rates[vat.rate_class], vat.code
        assert vat.rate is None or isinstance(vat.rate, Decimal)


def test_only_input_codes_are_deductible():
    assert all(vat.is_input for vat in vat_codes() if vat.deductible)
    assert {v.code for v in vat_codes() if v.deductible} == {
        "1",
        "11",
        "12",
        "13",
        "14",
        "15",
        "81",
        "83",
        "86",
        "88",
        "91",
    }


def test_chart_loads_once_sorted_and_looks_up():
    chart = standard_chart()
    assert chart is standard_chart()
    assert 120 <= len(chart) <= 220
    assert [a.number for a in chart] == sorted(a.number for a in chart)
    assert get_account("3000") == Account("3000", "Salgsinntekt, avgiftspliktig", AccountType.INCOME, "3", "3000")
    assert get_account("4300").default_vat_code == "1"
    assert get_account("7140").default_vat_code == "13"
    assert get_account("6300").default_vat_code is None
    assert get_account("0000") is None


def test_account_numbers_unique_and_four_digits():
    numbers = [a.number for a in standard_chart()]
    assert len(numbers) == len(set(numbers))
    assert all(len(n) == 4 and n.isdigit() and n[0] in "12345678" for n in numbers)


def test_account_type_follows_the_class():
    def expected(number: str) -> AccountType:
        if number[0] == "1":
            return AccountType.ASSET
        if number[:2] == "20" or number[:2] in ("88", "89"):
            return AccountType.EQUITY
        if number[0] == "2":
            return AccountType.LIABILITY
        if number[0] == "3" or number[:2] == "80":
            return AccountType.INCOME
        return AccountType.EXPENSE

    assert [(a.number, a.type) for a in standard_chart()] == [(a.number, expected(a.number)) for a in standard_chart()]


def test_default_vat_codes_exist_and_fit_the_account():
    for account in standard_chart():
        if account.default_vat_code is None:
            continue
        vat = get_vat_code(account.default_vat_code)
        assert vat is not None, account.number
        if account.type is AccountType.INCOME:
            assert vat.is_output, account.number
        else:
            assert account.type is AccountType.EXPENSE and vat.is_input, account.number


def test_balance_sheet_flag():
    assert get_account("1920").is_balance_sheet and not get_account("3000").is_balance_sheet
