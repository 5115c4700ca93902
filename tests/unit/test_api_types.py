"""The boundary types (klientportal.api.types) and the bounded JSON parser (klientportal.api.body)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from klientportal.api import body
from klientportal.api.types import Date, Flag, Integer, Money, MultilineText, Percent, Quantity, Rate, Text, UnitPrice


class M(BaseModel):
    money: Money | None = None
    price: UnitPrice | None = None
    quantity: Quantity | None = None
    percent: Percent | None = None
    rate: Rate | None = None
    integer: Integer | None = None
    flag: Flag | None = None
    text: Text | None = None
    note: MultilineText | None = None
    day: Date | None = None


def _error(**data) -> str:
    with pytest.raises(ValidationError) as caught:
        M.model_validate(data)
    (error,) = caught.value.errors()
    return error["msg"]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("1250", Decimal("1250.00")),
        ("1250.5", Decimal("1250.50")),
        ("-0.01", Decimal("-0.01")),
        (12, Decimal("12.00")),
        (Decimal("546.55"), Decimal("546.55")),
        (546.55, Decimal("546.55")),
        ("-0", Decimal("0.00")),
        ("999999999999.99", Decimal("999999999999.99")),
        ("1.500", Decimal("1.50")),
        (Decimal("19.990"), Decimal("19.99")),
    ],
)
def test_money_accepts_exact_decimals_with_at_most_2_places(value, expected):
    parsed = M.model_validate({"money": value}).money
    assert parsed == expected and str(parsed) == str(expected)


@pytest.mark.parametrize(
    "value, fragment",
    [
        ("1.005", "at most 2 decimals"),
        (1.005, "at most 2 decimals"),
        (Decimal("0.001"), "at most 2 decimals"),
        ("1e5", "no exponent"),
        ("1E5", "no exponent"),
        (1e308, "no exponent"),
        ("١٠٠", "ASCII digits"),
        ("１００", "ASCII digits"),
        ("+5", "ASCII digits"),
        ("5.", "ASCII digits"),
        (".5", "ASCII digits"),
        ("1 000", "ASCII digits"),
        ("", "ASCII digits"),
        ("NaN", "finite"),
        ("-Infinity", "finite"),
        (Decimal("NaN"), "finite"),
        ("1" + "0" * 30, "at most 12 digits before"),
        pytest.param(10**5000, "too many digits", id="int-of-5001-digits"),
        (True, "true/false"),
        ([1], "decimal string"),
        pytest.param("9" * 100000, "digits before", id="100000-nines"),
    ],
)
def test_money_refuses_everything_else(value, fragment):
    assert fragment in _error(money=value)


def test_unit_price_has_4_decimals_and_no_sign():
    assert M.model_validate({"price": "0.1234"}).price == Decimal("0.1234")
    assert "at most 4 decimals" in _error(price="0.12345")
    assert str(M.model_validate({"price": "0.12340000"}).price) == "0.1234"
    assert "negative" in _error(price="-1")


def test_quantity_keeps_what_was_given():
    assert str(M.model_validate({"quantity": "2.50"}).quantity) == "2.50"
    assert str(M.model_validate({"quantity": -3}).quantity) == "-3"
    assert "at most 9 digits before" in _error(quantity="1000000000")


def test_percent_is_0_to_100():
    assert M.model_validate({"percent": "12.5"}).percent == Decimal("12.5")
    assert "less than or equal to 100" in _error(percent="100.01")
    assert "greater than or equal to 0" in _error(percent="-1")


def test_rate_has_6_decimals():
    assert M.model_validate({"rate": "11.123456"}).rate == Decimal("11.123456")
    assert "at most 6 decimals" in _error(rate="1.1234567")


def test_decimals_serialise_as_plain_strings():
    dumped = M(money=Decimal("1E+2"), quantity=Decimal("1E+2")).model_dump(mode="json", exclude_none=True)
    assert dumped == {"money": "100.00", "quantity": "100"}


@pytest.mark.parametrize("value", [True, False, "5", 5.0, Decimal("5"), [5]])
def test_integer_is_a_json_integer_only(value):
    assert "whole number" in _error(integer=value)


def test_integer_accepts_integers():
    assert M.model_validate({"integer": 7}).integer == 7


@pytest.mark.parametrize("value", [1, 0, "true", "yes"])
def test_flag_is_true_or_false_only(value):
    assert "valid boolean" in _error(flag=value)


@pytest.mark.parametrize(
    "value",
    [
        1767571200,
        1767571200.0,
        "1767571200",
        "2026-01-05T00:00:00",
        "2026-01-05T00:00:00Z",
        "2026-1-5",
        "20260105",
        "\uff12026-01-05",
        " 2026-01-05",
        True,
        [2026, 1, 5],
    ],
)
def test_date_is_a_string_yyyy_mm_dd_only(value):
    assert "yyyy-mm-dd" in _error(day=value)


def test_date_is_a_day_of_the_calendar():
    assert "not a day of the calendar" in _error(day="2026-02-30")
    assert M.model_validate({"day": "2026-02-28"}).day == date(2026, 2, 28)
    assert M.model_validate({"day": date(2026, 2, 28)}).day == date(2026, 2, 28)
    assert M.model_json_schema()["properties"]["day"]["anyOf"][0] == {"type": "string", "format": "date"}


@pytest.mark.parametrize(
    "value", ["a\x00b", "a\x07", "tab\there", "line\nbreak", "\x7f", "\x85", "a\u202eb", "a\u2066b", "\ud800", "\uffff"]
)
def test_text_refuses_control_characters(value):
    assert "control characters" in _error(text=value)


def test_multiline_text_allows_line_breaks_and_tabs_only():
    assert M.model_validate({"note": "Takk!\r\n\tHilsen"}).note == "Takk!\r\n\tHilsen"
    assert "control characters" in _error(note="a\x00b")
    assert M.model_validate({"text": "Blåbær & «sitat» – ok"}).text == "Blåbær & «sitat» – ok"


def test_money_schema_is_one_decimal_string():
    schema = M.model_json_schema()["properties"]["money"]["anyOf"][0]
    assert schema["type"] == "string" and schema["format"] == "decimal"
    assert schema["pattern"] == r"^-?[0-9]{1,12}(\.[0-9]{1,2})?$"


def test_loads_gives_exact_decimals_for_fractions():
    assert body.loads('{"a": 0.1, "b": 3, "c": [1.10]}') == {"a": Decimal("0.1"), "b": 3, "c": [Decimal("1.10")]}


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("[" * 33 + "]" * 33, "nested deeper than 32"),
        ('{"a": ' + "9" * 41 + "}", "more than 40 digits"),
        ('{"a": 1e5}', "exponent notation"),
        ('{"a": NaN}', "NaN is not a number"),
        ('{"a": -Infinity}', "-Infinity is not a number"),
    ],
)
def test_loads_refuses_what_the_parser_would_choke_on(text, fragment):
    with pytest.raises(RequestValidationError) as caught:
        body.loads(text)
    assert fragment in caught.value.errors()[0]["msg"]


def test_nesting_depth_ignores_brackets_in_strings_and_escapes():
    assert body.nesting_depth(json.dumps({"a": ["[[[{{{", '"[[']})) == 2


@pytest.mark.parametrize(
    "event, status",
    [
        ({"body": "x" * (body.MAX_BODY_BYTES + 1)}, 413),
        ({"body": "{}", "headers": {"Content-Type": "application/x-www-form-urlencoded"}}, 415),
        ({"body": "{}", "headers": {"content-type": "multipart/form-data; boundary=x"}}, 415),
        ({"body": "not base64!", "isBase64Encoded": True}, 422),
        ({"body": "[" * 10_000}, 422),
    ],
)
def test_refuse_body(event, status):
    refused = body.refuse_body(event)
    assert refused is not None and refused.status == status


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"body": ""},
        {"body": '{"a": 1}'},
        {"body": "{}", "headers": {"content-type": "application/json; charset=utf-8"}},
        {"body": "e30=", "isBase64Encoded": True},
    ],
)
def test_refuse_body_lets_json_through(event):
    assert body.refuse_body(event) is None


@pytest.mark.parametrize(
    "text",
    [
        '"' + '\\"' * 100_000,  # an unterminated string of escaped quotes (was quadratic)
        '"' * 200_000,
        '"' + "\\" * 100_001,
        "[" * 200_000 + "]" * 200_000,
    ],
)
def test_nesting_depth_is_linear_on_hostile_bodies(text):
    import time

    started = time.perf_counter()
    body.nesting_depth(text)
    assert time.perf_counter() - started < 5
