"""Tabelltrekk against figures written by Skatteetaten's own Java trekkrutine (2026).

Provenance of the data files: tools/trekkrutine_oracle/README.md.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest

from klientportal.payroll import tabelltrekk
from klientportal.payroll.tabelltrekk import PERIOD_RULES, Period, TabelltrekkError, withholding

DATA = Path(__file__).parent / "data"


def _sample() -> list[tuple[str, str, int, int]]:
    rows = []
    for line in (DATA / "trekkrutine2026_sample.tsv").read_text().splitlines():
        if line.startswith("#"):
            continue
        table, period, basis, expected = line.split("\t")
        rows.append((table, period, int(basis), int(expected)))
    return rows


def _edges() -> tuple[dict[str, str], list[tuple[str, str, int, str]]]:
    surplus: dict[str, str] = {}
    digests = []
    for line in (DATA / "trekkrutine2026_bracket_edges.txt").read_text().splitlines():
        if line.startswith("#"):
            continue
        fields = line.split()
        if fields[0] == "surplus":
            surplus[fields[1]] = fields[2]
        else:
            digests.append((fields[0], fields[1], int(fields[2]), fields[3]))
    return surplus, digests


SAMPLE = _sample()
SURPLUS, DIGESTS = _edges()


def test_the_fixtures_cover_every_2026_table_and_period() -> None:
    assert set(SURPLUS) == set(tabelltrekk.TABLES_2026)
    assert len(tabelltrekk.TABLES_2026) == 96
    assert {(t, p) for t, p, _, _ in DIGESTS} == {(t, p.value) for t in tabelltrekk.TABLES_2026 for p in Period}


def test_sample_figures_match_skatteetatens_implementation() -> None:
    wrong = [
        (table, period, basis, expected, got)
        for table, period, basis, expected in SAMPLE
        if (got := withholding(table, period, basis)) != expected
    ]
    assert len(SAMPLE) == 96 * 7 * 6
    assert wrong == []


@pytest.mark.parametrize(
    ("table", "period", "basis", "expected"),
    [
        ("8010", "month", 35_000, 8157),  # the example line
        ("8000", "month", 50_000, 14184),
        ("8010", "month", 34_598, 7963),  # inside a bracket: same as its midpoint's
        ("8010", "month", 83_918, 29934),
    ],
)
def test_known_figures(table: str, period: str, basis: int, expected: int) -> None:
    assert withholding(table, period, basis) == expected


def test_surplus_percentages_match() -> None:
    assert {t: str(tabelltrekk.surplus_percent(t)) for t in SURPLUS} == SURPLUS


@pytest.mark.slow
def test_every_bracket_edge_of_every_table_matches() -> None:
    mismatched = []
    for table_number, period_name, brackets, digest in DIGESTS:
        period = Period(period_name)
        rule = PERIOD_RULES[period]
        table = tabelltrekk.TABLES_2026[table_number]
        h = hashlib.sha256()
        for k in range(brackets):
            for basis in (k * rule.bracket, k * rule.bracket + rule.bracket - 1):
                got = tabelltrekk._table_withholding(tabelltrekk.RULES_2026, table, period, basis)
                h.update(f"{basis} {got}\n".encode())
        if h.hexdigest() != digest:
            mismatched.append((table_number, period_name))
    assert mismatched == []


def test_social_security_limits_as_the_reference_tests_them() -> None:
    rules = tabelltrekk.RULES_2026
    assert rules.social_security_limit(rules.social_security_low_percent) == 125_188
    assert rules.social_security_limit(rules.social_security_high_percent) == 143_175


def test_java_round_is_half_up_towards_positive_infinity() -> None:
    assert tabelltrekk.java_round(2.5) == 3
    assert tabelltrekk.java_round(-2.5) == -2
    assert tabelltrekk.java_round(0.49999999999999994) == 0  # floor(x + 0.5) would give 1
    assert tabelltrekk.java_round(1234.4999) == 1234


def test_ore_are_cut_not_rounded() -> None:
    assert withholding("8010", "month", Decimal("35099.99")) == withholding("8010", "month", 35_000)
    assert withholding("8010", "month", "35100") != withholding("8010", "month", 35_000)


def test_withholding_never_exceeds_the_basis() -> None:
    assert withholding("9400", "month", 120) == 120
    assert withholding("8000", "month", 0) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("8015", "month", 1000), "not a 2026 withholding table"),
        (("7100", "month", 1000), "not a 2026 withholding table"),
        (("8010", "fortnight", 1000), "not a period"),
        (("8010", "month", -1), "cannot be negative"),
        (("8010", "month", "12,5"), "not an amount"),
        (("8010", "month", "NaN"), "not an amount"),
        (("8010", "month", "1.005"), "more than two decimals"),
    ],
)
def test_bad_input_is_refused(args: tuple[str, str, Decimal | int | str], message: str) -> None:
    with pytest.raises(TabelltrekkError, match=message):
        withholding(*args)


def test_unknown_year_is_refused() -> None:
    with pytest.raises(TabelltrekkError, match="no tables for 2025"):
        withholding("8010", "month", 1000, year=2025)
