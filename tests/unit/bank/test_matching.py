"""Matching by KID, pure: what is matched, how, and what is left for a person — never a guess."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klientportal.bank.matching import OpenItem, kid_state, match, suggestions
from klientportal.formats.kid import KidAlgorithm, KidSettings, generate_kid

D = Decimal
KID = generate_kid(KidSettings(), 1, 10001)  # MOD10
KID11 = generate_kid(KidSettings(algorithm=KidAlgorithm.MOD11, length=11), 1, 10001)


def item(number: str, remaining: str, kid: str = KID, amount: str | None = None, due: str = "2026-02-01") -> OpenItem:
    return OpenItem(
        "invoice",
        f"inv-{number}",
        number,
        1,
        kid,
        D(amount or remaining),
        D(remaining),
        date.fromisoformat(due),
        "Epost Kunde AS",
    )


def test_full_partial_and_overpaid_on_one_item() -> None:
    one = [item("10001", "1046.55")]
    full = match(D("1046.55"), True, KID, one)
    assert (full.status, full.rule, full.allocations[0].amount, full.allocations[0].overpaid) == (
        "matched",
        "full",
        D("1046.55"),
        D("0"),
    )
    part = match(D("500.00"), True, KID, one)
    assert (part.rule, part.allocations[0].amount) == ("partial", D("500.00")) and "546.55 left" in part.explanation
    over = match(D("1100.00"), True, KID, one)
    assert (over.rule, over.allocations[0].amount, over.allocations[0].overpaid) == (
        "overpaid",
        D("1100.00"),
        D("53.45"),
    )


def test_a_payment_on_a_settled_item_is_all_customer_credit() -> None:
    out = match(D("10.00"), True, KID, [item("10001", "0.00", amount="1046.55")])
    assert (out.status, out.rule, out.allocations[0].overpaid) == ("matched", "overpaid", D("10.00"))


@pytest.mark.parametrize(
    ("kid", "rule"),
    [
        (None, "no-kid"),
        ("", "no-kid"),
        (KID[:-1] + str((int(KID[-1]) + 1) % 10), "bad-check-digit"),
        ("12a4", "bad-check-digit"),
    ],
)
def test_no_kid_or_a_bad_check_digit_is_never_matched(kid: str | None, rule: str) -> None:
    out = match(D("1046.55"), True, kid, [item("10001", "1046.55")])
    assert (out.status, out.rule, out.allocations) == ("unmatched", rule, ())


def test_a_kid_nobody_issued_is_unmatched_and_debits_are_ignored() -> None:
    assert match(D("5.00"), True, KID11, []).rule == "unknown-kid"
    assert match(D("5.00"), False, KID, [item("10001", "5.00")]).status == "ignored"


def test_a_shared_kid_matches_only_when_the_oldest_items_add_up_to_the_amount() -> None:
    items = [
        item("3", "300.00", due="2026-03-01"),
        item("1", "100.00", due="2026-01-01"),
        item("2", "200.00", due="2026-02-01"),
    ]
    one = match(D("100.00"), True, KID, items)
    assert (one.rule, [a.item.number for a in one.allocations]) == ("full", ["1"])
    two = match(D("300.00"), True, KID, items)  # 100 + 200: the two oldest, not the 300 one
    assert (two.rule, [(a.item.number, a.amount) for a in two.allocations]) == (
        "several",
        [("1", D("100.00")), ("2", D("200.00"))],
    )
    every = match(D("600.00"), True, KID, items)
    assert [a.item.number for a in every.allocations] == ["1", "2", "3"]
    for amount in ("250.00", "200.00", "700.00", "50.00"):  # not what the oldest owe: a person decides
        out = match(D(amount), True, KID, items)
        assert (out.status, out.rule, set(out.candidates)) == ("unmatched", "ambiguous", {"1", "2", "3"})


def test_paid_items_sharing_a_kid_are_passed_over() -> None:
    items = [item("1", "0.00", amount="100.00", due="2026-01-01"), item("2", "200.00", due="2026-02-01")]
    out = match(D("200.00"), True, KID, items)
    assert [a.item.number for a in out.allocations] == ["2"]


@given(st.integers(min_value=1, max_value=10**9), st.integers(min_value=1, max_value=10**9))
def test_what_is_allocated_is_exactly_the_payment(ore: int, owed_ore: int) -> None:
    amount, owed = D(ore) / 100, D(owed_ore) / 100
    out = match(amount, True, KID, [item("1", str(owed))])
    assert sum(a.amount for a in out.allocations) == amount
    assert out.allocations[0].overpaid == max(amount - owed, D(0))


def test_kid_states() -> None:
    assert (kid_state(None), kid_state(KID), kid_state(KID11), kid_state("0000000017")) == (
        "none",
        "valid",
        "valid",
        "bad-check-digit",
    )


def test_suggestions_name_why_and_never_decide() -> None:
    items = [item("7104", "500.00", due="2026-03-01"), item("7105", "999.00"), item("7106", "0.00", amount="500.00")]
    found = suggestions(D("500.00"), "Faktura 7104 mars", "Epost Kunde", date(2026, 3, 2), items)
    assert [s.number for s in found] == ["7104", "7105"]  # 7105: only the payer's name; 7106 is paid
    assert any("mentions 7104" in r for r in found[0].reasons) and any("amount" in r for r in found[0].reasons)
    assert suggestions(D("1.00"), "Faktura 71045", None, date(2027, 3, 2), items) == []  # 7104 inside 71045 is not 7104
