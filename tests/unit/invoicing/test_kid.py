"""KID generation and validation: Nets MOD10/MOD11 rules, composition, the MOD11 remainder-10 policy."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from klientportal.formats.kid import (
    KidAlgorithm,
    KidComposition,
    KidError,
    KidSettings,
    generate_kid,
    is_valid_mod10,
    is_valid_mod11,
    mod10_control,
    mod11_control,
    validate_kid,
)


@pytest.mark.parametrize(
    ("kid", "mod10", "mod11"),
    [
        ("1234567897", True, False),  # Luhn textbook example
        ("1234567892", False, True),  # 9*2+8*3+7*4+6*5+5*6+4*7+3*2+2*3+1*4 = 174; 174 % 11 = 9; 11 - 9 = 2
        ("0000531", False, True),  # from a Nets OCR sample file
        ("6-", False, True),  # 6*2 = 12; 12 % 11 = 1; 11 - 1 = 10 -> '-'
        ("00", True, True),  # remainder 0 -> control 0 in both
        ("1234567890", False, False),
    ],
)
def test_known_control_digits(kid: str, mod10: bool, mod11: bool) -> None:
    assert is_valid_mod10(kid) is mod10
    assert is_valid_mod11(kid) is mod11
    assert validate_kid(kid) is (mod10 or mod11)


@pytest.mark.parametrize(
    "kid",
    [
        "",
        "5",
        "12345a7897",
        "1-34",
        "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff17",
        "1" * 26,
        " 1234567897",
        "12-",
    ],
)
def test_malformed_kids_are_invalid(kid: str) -> None:
    assert not validate_kid(kid)


def test_generate_mod10_customer_and_invoice_zero_padded() -> None:
    settings = KidSettings(algorithm=KidAlgorithm.MOD10, length=10, customer_digits=4)
    assert generate_kid(settings, 42, 123) == "0042001230"  # Luhn: 6+2+2+0+0+8+0+0+0+0 = 20 -> 0
    assert not is_valid_mod11("0042001230")


def test_generate_invoice_only_and_customer_only() -> None:
    by_invoice = KidSettings(length=8, composition=KidComposition.INVOICE)
    by_customer = KidSettings(length=8, composition=KidComposition.CUSTOMER)
    assert generate_kid(by_invoice, None, 4711)[:-1] == "0004711"
    assert generate_kid(by_customer, 99, None)[:-1] == "0000099"


def test_mod11_variant_digit_is_bumped_when_control_would_be_dash() -> None:
    dash = KidSettings(
        algorithm=KidAlgorithm.MOD11, length=3, composition=KidComposition.INVOICE, mod11_remainder_10="dash"
    )
    variant = KidSettings(algorithm=KidAlgorithm.MOD11, length=4, composition=KidComposition.INVOICE)
    assert generate_kid(dash, None, 6) == "06-"
    assert mod11_control("006") == "-"
    assert generate_kid(variant, None, 6) == "1066"  # 6*2 + 0*3 + 1*4 = 16; 16 % 11 = 5; 11 - 5 = 6
    assert generate_kid(variant, None, 7)[0] == "0"


def test_errors() -> None:
    settings = KidSettings(length=6, customer_digits=2)
    with pytest.raises(KidError):
        generate_kid(settings, 123, 1)
    with pytest.raises(KidError):
        generate_kid(settings, 1, 1234)
    with pytest.raises(KidError):
        generate_kid(settings, None, 1)
    with pytest.raises(KidError):
        generate_kid(settings, 1, -1)
    with pytest.raises(ValidationError):
        KidSettings(length=4, customer_digits=3)
    with pytest.raises(ValidationError):
        KidSettings(length=26)


settings_strategy = st.builds(
    KidSettings,
    algorithm=st.sampled_from(KidAlgorithm),
    length=st.integers(8, 25),
    composition=st.sampled_from(KidComposition),
    customer_digits=st.integers(1, 5),
    mod11_remainder_10=st.sampled_from(("variant-digit", "dash")),
)


@given(settings_strategy, st.data())
def test_generated_kids_validate_and_keep_the_numbers(settings: KidSettings, data: st.DataObject) -> None:
    customer = data.draw(st.integers(0, 10**settings.customer_digits - 1))
    shared = settings.composition is KidComposition.CUSTOMER_INVOICE
    invoice_width = settings.number_digits - (settings.customer_digits if shared else 0)
    invoice = data.draw(st.integers(0, min(10**invoice_width - 1, 10**9)))
    kid = generate_kid(settings, customer, invoice)
    assert len(kid) == settings.length
    assert validate_kid(kid)
    check = is_valid_mod10 if settings.algorithm is KidAlgorithm.MOD10 else is_valid_mod11
    assert check(kid)
    body = kid[int(settings.uses_variant_digit) : -1]
    if settings.composition is KidComposition.INVOICE:
        assert int(body) == invoice
    elif settings.composition is KidComposition.CUSTOMER:
        assert int(body) == customer
    else:
        assert int(body[: settings.customer_digits]) == customer
        assert int(body[settings.customer_digits :]) == invoice
    if settings.uses_variant_digit:
        assert kid[-1] != "-"
        assert kid[0] in "01"


@given(st.sampled_from(KidAlgorithm), st.text("0123456789", min_size=1, max_size=24), st.data())
def test_any_single_digit_change_is_detected(algorithm: KidAlgorithm, body: str, data: st.DataObject) -> None:
    kid = body + (mod11_control(body) if algorithm is KidAlgorithm.MOD11 else mod10_control(body))
    check = is_valid_mod11 if algorithm is KidAlgorithm.MOD11 else is_valid_mod10
    position = data.draw(st.integers(0, len(body) - 1))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != kid[position]]))
    assert check(kid)
    assert not check(kid[:position] + digit + kid[position + 1 :])


@given(st.text("0123456789", min_size=2, max_size=24), st.data())
def test_mod11_detects_adjacent_transpositions(body: str, data: st.DataObject) -> None:
    kid = body + mod11_control(body)
    i = data.draw(st.integers(0, len(body) - 2))
    swapped = kid[:i] + kid[i + 1] + kid[i] + kid[i + 2 :]
    assert swapped == kid or not is_valid_mod11(swapped)
