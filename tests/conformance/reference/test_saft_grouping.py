"""Our copy of the næringsspesifikasjon grouping codes equals Skatteetaten's 1.30 list."""

from __future__ import annotations

from pathlib import Path

from klientportal.reference.saft_grouping import default_grouping, grouping, groupings
from tests.conformance.reference.conftest import read_saft_csv


def test_the_grouping_list_is_skatteetatens(conformance_dir: Path) -> None:
    published = read_saft_csv(conformance_dir / "saft/grouping-category-code/v1.30/naeringsspesifikasjon.csv")
    ours = groupings()
    assert len(ours) == len(published) > 500
    for row in published:
        g = ours[row["GroupingCode"]]
        assert (g.category, g.description) == (row["GroupingCategory"], row["CodeDescriptionNOB"])


def test_defaults_only_where_the_standard_account_is_a_code() -> None:
    assert default_grouping("1500") == grouping("balanseverdiForOmloepsmiddel", "1500")
    assert default_grouping("3000") is not None and default_grouping("3000").category == "salgsinntekt"  # type: ignore[union-attr]
    assert default_grouping("2700") is None  # utgående mva: the bureau maps it (e.g. to 2740)
    assert default_grouping("9999") is None
    assert grouping("salgsinntekt", "1500") is None  # a code under another category
