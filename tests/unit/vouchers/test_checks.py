"""Check digits, sums and dates on extracted voucher data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.no import kontonr

from klientportal.vouchers.checks import bank_account_is_valid, kid_is_valid, run_checks
from klientportal.vouchers.models import Extracted, ExtractedVoucher, Totals, VatSubtotal, VoucherLine, VoucherSource

D = Decimal


def money(value: str) -> Extracted[Decimal]:
    return Extracted[Decimal].exact(D(value))


def voucher(source: VoucherSource = VoucherSource.EHF, **fields: object) -> ExtractedVoucher:
    return ExtractedVoucher(source=source, **fields)


@given(st.text("0123456789", min_size=1, max_size=24))
def test_kid_mod10_agrees_with_luhn(body: str) -> None:
    assert kid_is_valid(body + luhn.calc_check_digit(body))


@given(st.text("123456789", min_size=1, max_size=1), st.text("0123456789", min_size=9, max_size=9))
def test_kid_mod11_agrees_with_the_kontonummer_check_digit(lead: str, rest: str) -> None:
    body = lead + rest  # kontonr treats a leading 0000 as an old postgiro number
    valid = [digit for digit in "0123456789" if kontonr.is_valid(body + digit)]
    assert kid_is_valid(body + (valid[0] if valid else "-"))


@pytest.mark.parametrize("kid", ["1234567897", "0000000000000000000000000"])
def test_valid_kids(kid: str) -> None:
    assert kid_is_valid(kid)


@pytest.mark.parametrize("kid", ["1234567890", "1", "12a4", "1" * 26, "", "0003434323213231"])
def test_invalid_kids(kid: str) -> None:
    assert not kid_is_valid(kid)


def test_kid_mod11_with_dash_check_digit() -> None:
    body = next(
        str(n)
        for n in range(10**9, 10**9 + 1000)
        if not any(kontonr.is_valid(str(n) + digit) for digit in "0123456789")
    )
    assert kid_is_valid(body + "-")
    assert not kid_is_valid(body[:-1] + str((int(body[-1]) + 1) % 10) + "-")


@pytest.mark.parametrize(
    ("account", "ok"),
    [
        ("86011117947", True),
        ("8601.11.17947", True),
        ("86011117948", False),
        ("NO9386011117947", True),
        ("NO9386011117948", False),
        ("1234567", False),
    ],
)
def test_bank_accounts(account: str, ok: bool) -> None:
    assert bank_account_is_valid(account) is ok


def test_identifier_checks_report_each_field() -> None:
    results = run_checks(
        voucher(
            supplier_orgnr=Extracted[str].exact("123456785"),
            buyer_orgnr=Extracted[str].exact("123456789"),
            bank_account=Extracted[str].exact("86011117947"),
            kid=Extracted[str].exact("1234567890"),
        )
    )
    assert [(r.code, r.ok) for r in results] == [
        ("supplier-orgnr", True),
        ("buyer-orgnr", False),
        ("bank-account", True),
        ("kid", False),
    ]


def _priced(**totals: str) -> ExtractedVoucher:
    return voucher(
        lines=(VoucherLine(net_amount=money("100.00")), VoucherLine(net_amount=money("50.00"))),
        vat_breakdown=(VatSubtotal(category="S", rate=D(25), taxable_amount=D("150.00"), tax_amount=D("37.50")),),
        totals=Totals(**{name: money(value) for name, value in totals.items()}),
    )


CONSISTENT = {
    "line_extension": "150.00",
    "tax_exclusive": "150.00",
    "tax": "37.50",
    "tax_inclusive": "187.50",
    "payable": "187.50",
}


def test_consistent_totals_pass_every_sum_check() -> None:
    results = {r.code: r.ok for r in run_checks(_priced(**CONSISTENT))}
    assert results == {
        "lines-sum": True,
        "tax-exclusive": True,
        "vat-sum": True,
        "tax-inclusive": True,
        "payable": True,
    }


@pytest.mark.parametrize(
    ("field", "value", "failing"),
    [
        ("line_extension", "150.01", {"lines-sum", "tax-exclusive"}),
        ("tax", "37.49", {"vat-sum", "tax-inclusive"}),
        ("payable", "187.00", {"payable"}),
    ],
)
def test_ehf_sums_have_zero_tolerance(field: str, value: str, failing: set[str]) -> None:
    results = run_checks(_priced(**{**CONSISTENT, field: value}))
    assert {r.code for r in results if not r.ok} == failing


def test_extracted_sums_tolerate_small_differences_only() -> None:
    near = _priced(**{**CONSISTENT, "payable": "188.00"}).model_copy(update={"source": VoucherSource.OCR})
    far = _priced(**{**CONSISTENT, "payable": "190.00"}).model_copy(update={"source": VoucherSource.OCR})
    assert all(r.ok for r in run_checks(near))
    assert {r.code for r in run_checks(far) if not r.ok} == {"payable"}


def test_payable_accounts_for_prepaid_and_rounding() -> None:
    ok = _priced(**{**CONSISTENT, "prepaid": "100.00", "rounding": "0.50", "payable": "88.00"})
    assert all(r.ok for r in run_checks(ok))


@pytest.mark.parametrize(
    ("issue", "due", "ok"),
    [
        (date(2024, 1, 1), date(2024, 1, 15), True),
        (date(2024, 1, 1), date(2024, 1, 1), True),
        (date(2024, 1, 15), date(2024, 1, 1), False),
    ],
)
def test_due_date_not_before_issue_date(issue: date, due: date, ok: bool) -> None:
    results = run_checks(voucher(issue_date=Extracted[date].exact(issue), due_date=Extracted[date].exact(due)))
    assert [(r.code, r.ok) for r in results] == [("due-date", ok)]


def test_checks_without_data_are_not_run() -> None:
    assert run_checks(voucher()) == []
