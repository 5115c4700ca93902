"""Our chart of accounts against the SAF-T 4-character General Ledger Standard Accounts.

That list is Regnskap Norge's (SAF-T mapping use only): we check our mapping against its IDs and
that our account names are our own, never copy its descriptions.
"""

from __future__ import annotations

from klientportal.reference.chart_of_accounts import standard_chart
from klientportal.reference.vat_codes import get_vat_code


def test_the_official_list_was_read_as_cp1252(saft_standard_accounts):
    assert len(saft_standard_accounts) > 500
    assert all(len(code) == 4 and code.isdigit() for code in saft_standard_accounts)
    assert any("ø" in row["DescriptionNOR"] for row in saft_standard_accounts.values())


def test_every_mapping_is_a_standard_account(saft_standard_accounts):
    unknown = [
        (a.number, a.standard_account_id)
        for a in standard_chart()
        if a.standard_account_id not in saft_standard_accounts
    ]
    assert unknown == []


def test_mapping_stays_in_the_same_account_class(saft_standard_accounts):
    assert [a.number for a in standard_chart() if a.number[0] != a.standard_account_id[0]] == []


def test_every_default_vat_code_is_in_our_table():
    assert [a.number for a in standard_chart() if a.default_vat_code and get_vat_code(a.default_vat_code) is None] == []


def test_account_numbers_unique_and_four_digits():
    numbers = [a.number for a in standard_chart()]
    assert len(numbers) == len(set(numbers))
    assert all(len(n) == 4 and n.isdigit() for n in numbers)


def test_names_are_our_own(saft_standard_accounts):
    copied = [
        a.name
        for a in standard_chart()
        if a.name.casefold() == saft_standard_accounts[a.standard_account_id]["DescriptionNOR"].casefold()
    ]
    assert all(len(name.split()) <= 3 for name in copied), copied
    assert len(copied) <= len(standard_chart()) // 8
