"""The trial balance of a year after one with a result: the earlier result opens as equity."""

from __future__ import annotations

from klientportal.ledger.statements import Balances, trial_balance


def _rec(account: str, year: int, month: int, debit: str, credit: str) -> dict:
    return {"account": account, "year": year, "months": {str(month): {"debit": debit, "credit": credit}}}


def test_an_earlier_years_result_opens_as_equity_and_the_openings_balance():
    balances = Balances.of(
        [
            _rec("1920", 2025, 6, "1000.00", "0.00"),
            _rec("3000", 2025, 6, "0.00", "1000.00"),  # 2025's result, never closed to equity
            _rec("1920", 2026, 2, "0.00", "250.00"),
            _rec("6800", 2026, 2, "250.00", "0.00"),
        ]
    )
    tb = trial_balance(balances, 2026, 2, 2, {})
    rows = {r["account"]: r for r in tb["accounts"]}
    assert rows["result_earlier_years"]["opening"] == "-1000.00"
    assert rows["1920"]["opening"] == "1000.00" and "3000" not in rows  # P&L opens with this year only
    assert tb["totals"]["opening"] == "0.00" and tb["balanced"], tb["totals"]


def test_a_result_closed_to_equity_leaves_no_line():
    balances = Balances.of(
        [
            _rec("1920", 2025, 6, "1000.00", "0.00"),
            _rec("3000", 2025, 6, "0.00", "1000.00"),
            _rec("8800", 2025, 12, "1000.00", "0.00"),  # the year closed: 8800 against 2050
            _rec("2050", 2025, 12, "0.00", "1000.00"),
        ]
    )
    tb = trial_balance(balances, 2026, 1, 1, {})
    assert "result_earlier_years" not in {r["account"] for r in tb["accounts"]} and tb["balanced"]
