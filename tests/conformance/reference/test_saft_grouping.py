"""Our copy of the næringsspesifikasjon grouping codes equals Skatteetaten's 1.30 list, and every
account of the standard chart has a default grouping that is a pair of that list (decision 0810)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from klientportal.reference.chart_of_accounts import get_account, standard_chart
from klientportal.reference.saft_grouping import default_grouping, default_of, grouping, groupings, reviewed
from tests.conformance.reference.conftest import read_saft_csv

LIST = "saft/grouping-category-code/v1.30/naeringsspesifikasjon.csv"


@pytest.fixture(scope="module")
def published(conformance_dir: Path) -> dict[str, str]:
    """Skatteetaten's list as code → category, read from the official file."""
    return {row["GroupingCode"]: row["GroupingCategory"] for row in read_saft_csv(conformance_dir / LIST)}


def test_the_grouping_list_is_skatteetatens(conformance_dir: Path) -> None:
    rows = read_saft_csv(conformance_dir / LIST)
    ours = groupings()
    assert len(ours) == len(rows) > 500
    for row in rows:
        g = ours[row["GroupingCode"]]
        assert (g.category, g.description) == (row["GroupingCategory"], row["CodeDescriptionNOB"])


def test_every_standard_account_has_a_grouping_of_the_official_list(published: dict[str, str]) -> None:
    chart = standard_chart()
    assert len(chart) == 210
    for account in chart:
        found = default_of(account.number)
        assert found is not None, account.number
        for g in (found.grouping, found.credit):
            if g is not None:
                assert published.get(g.code) == g.category, (account.number, g)


def test_derived_from_the_number_where_the_list_has_it(published: dict[str, str]) -> None:
    """A default is the code equal to the standard account unless a reviewed line says otherwise; a
    reviewed line is there only where the number gives no code or one that means something else."""
    by_number = 0
    for account in standard_chart():
        found = default_of(account.number)
        assert found is not None
        if found.basis == "number":
            assert found.grouping.code == account.standard_account_id
            by_number += 1
        else:
            assert account.number in reviewed()
    assert by_number == 79
    assert set(reviewed()) <= {a.number for a in standard_chart()}
    needless = [
        n
        for n, (code, credit, _) in reviewed().items()
        if credit is None and code == get_account(n).standard_account_id  # type: ignore[union-attr]
    ]
    assert needless == []


def test_the_reviewed_choices_where_the_number_misleads() -> None:
    assert default_grouping("6750") == grouping("annenDriftskostnad", "6700")  # databistand, not konserntjenester
    assert default_grouping("8159") == grouping("finanskostnad", "8150")  # rentekostnad, not garantikostnad
    assert default_grouping("2700") == grouping("kortsiktigGjeld", "2740")
    assert default_grouping("1230") == grouping("balanseverdiForAnleggsmiddel", "1205")  # saldogruppe d
    assert default_grouping("8960") == grouping("resultatDisponeringForSAF-T", "8800")
    assert default_grouping("1500") == grouping("balanseverdiForOmloepsmiddel", "1500")
    deferred = default_of("8320")
    assert deferred is not None
    assert deferred.for_balance(Decimal("100.00")) == grouping("skattekostnad", "8321")
    assert deferred.for_balance(Decimal("-100.00")) == grouping("skattekostnad", "8322")
    assert default_grouping("9999") is None
    assert grouping("salgsinntekt", "1500") is None  # a code under another category
