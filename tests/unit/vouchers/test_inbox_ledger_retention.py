"""Pure parts of the voucher inbox: inbox slugs, retention dates, the journal entry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klientportal.errors import InvalidInput, RuleViolation
from klientportal.vouchers.inbox import check_slug, slug_from_name
from klientportal.vouchers.ledger import journal_lines
from klientportal.vouchers.originals import retain_until


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Fjordkaffe AS", "fjordkaffe"),
        ("Lakk & Lim AS", "lakk-lim"),
        ("Byggmester Hansen AS", "byggmester-hansen"),
        ("Ærlig Øl og Å ASA", "aerlig-ol-og-a"),
        ("AS", "klient-as"),
        ("Café Noël DA", "cafe-noel"),
    ],
)
def test_slug_from_name(name, slug):
    assert slug_from_name(name) == slug
    check_slug(slug)


@pytest.mark.parametrize("bad", ["ab", "-abc", "abc-", "a--b", "postmaster", "ÆØÅ", "a" * 41, "a b"])
def test_bad_slugs(bad):
    with pytest.raises(InvalidInput):
        check_slug(bad)


def test_retention_is_five_years_after_the_financial_year():
    until = retain_until(date(2026, 3, 15))
    assert (until.year, until.month, until.day, until.hour) == (2032, 1, 1, 0)
    assert retain_until(date(2026, 12, 31)) == retain_until(date(2026, 1, 1))


def _lines(*amounts):
    return [{"account": "6800", "vat_code": code, "net_amount": net} for net, code in amounts]


def test_journal_entry_balances_and_credits_the_supplier():
    entry = journal_lines(
        _lines(("1000.00", "1"), ("200.00", "11")), total="1480.00", supplier_number=7, credit_note=False, text="x"
    )
    assert [(x["account"], x["debit"], x["credit"]) for x in entry] == [
        ("6800", "1000.00", "0.00"),
        ("2710", "250.00", "0.00"),
        ("6800", "200.00", "0.00"),
        ("2711", "30.00", "0.00"),
        ("2400", "0.00", "1480.00"),
    ]
    assert entry[-1]["supplier_number"] == 7


def test_credit_note_reverses_sides():
    entry = journal_lines(_lines(("100.00", "1")), total="125.00", supplier_number=7, credit_note=True, text="x")
    assert [(x["account"], x["debit"], x["credit"]) for x in entry] == [
        ("6800", "0.00", "100.00"),
        ("2710", "0.00", "25.00"),
        ("2400", "125.00", "0.00"),
    ]


def test_coding_must_add_up_to_the_total():
    with pytest.raises(RuleViolation):
        journal_lines(_lines(("100.00", "1")), total="124.00", supplier_number=7, credit_note=False, text="x")


@given(
    st.lists(
        st.tuples(st.integers(-10_000_00, 10_000_00).filter(bool), st.sampled_from(["0", "1", "11", "12", "13"])),
        min_size=1,
        max_size=8,
    )
)
def test_any_coding_that_adds_up_balances(lines):
    coding = [{"account": "4300", "vat_code": code, "net_amount": str(Decimal(cents) / 100)} for cents, code in lines]
    from klientportal.vouchers.ledger import coding_total

    total = coding_total(coding)
    entry = journal_lines(coding, total=str(total), supplier_number=1, credit_note=False, text="x")
    assert sum(Decimal(x["debit"]) for x in entry) == sum(Decimal(x["credit"]) for x in entry)
    assert all(Decimal(x["debit"]) >= 0 and Decimal(x["credit"]) >= 0 for x in entry)


def test_retention_for_a_financial_year_that_is_not_the_calendar_year():
    """0265: end of the financial year (first month given) + five years; the calendar year unchanged."""
    assert retain_until(date(2026, 3, 15), first_month=1) == retain_until(date(2026, 3, 15))
    assert retain_until(date(2027, 3, 15), first_month=7).date() == date(2032, 7, 1)  # year ends 30 June 2027
    assert retain_until(date(2027, 7, 1), first_month=7).date() == date(2033, 7, 1)  # year ends 30 June 2028
    assert retain_until(date(2027, 6, 30), first_month=7).date() == date(2032, 7, 1)
    assert retain_until(date(2026, 12, 31), first_month=1).date() == date(2032, 1, 1)
    with pytest.raises(ValueError):
        retain_until(date(2026, 1, 1), first_month=13)
