"""The API's boundary types: every request model states its numbers, amounts and texts with these.

- Decimals (`Money`, `UnitPrice`, `Quantity`, `Percent`, `Rate`) are decimal strings of ASCII
  digits (`^-?[0-9]+(\\.[0-9]+)?$`, no exponent, no other digits), bounded in digits before and
  after the point. More decimals than the type allows is refused, never rounded (zeros after the
  last allowed decimal change nothing and are accepted). A JSON number is taken by its exact text
  (the body parser gives it as Decimal) under the same rules.
- `Integer` is a JSON integer: not a boolean, not a string, not a fraction.
- `Flag` is true or false, nothing else.
- `QueryFlag` is a query parameter's flag: the text `true` or `false` (not `yes`, `1` or `on`).
- `Date` is a calendar date as a JSON string `yyyy-mm-dd`: not a timestamp, not a date-time.
- `Text` refuses control characters (NUL, …), lone surrogates and bidi overrides; `MultilineText`
  allows line breaks and tabs.

Each type also gives the OpenAPI schema a client is generated from: decimals are one schema, a
string with a pattern and `format: decimal`.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, Strict, WithJsonSchema
from pydantic_core import PydanticCustomError

__all__ = [
    "Date",
    "Flag",
    "Integer",
    "Money",
    "MultilineText",
    "Percent",
    "Quantity",
    "QueryFlag",
    "Rate",
    "SingleLine",
    "Text",
    "UnitPrice",
    "decimal_type",
]

_EXAMPLES = {0: "1250", 2: "1250.50", 4: "2.5", 6: "11.123456"}


def _places(number: Decimal) -> int:
    exponent = number.as_tuple().exponent
    return -exponent if isinstance(exponent, int) else 0


def _decimal_text(value: Any) -> str:
    """The decimal text of a JSON value; booleans, floats that are not exact and other types refused."""
    if isinstance(value, bool):
        raise PydanticCustomError("decimal_type", 'must be a decimal string such as "12.50", not true/false')
    if isinstance(value, int):
        if value.bit_length() > 128:
            raise PydanticCustomError("decimal_too_long", "has too many digits")
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise PydanticCustomError("finite_number", "must be a finite number")
        if value.adjusted() > 40 or _places(value) > 40:
            raise PydanticCustomError("decimal_too_long", "has too many digits")
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return value
    raise PydanticCustomError("decimal_type", 'must be a decimal string such as "12.50"')


def decimal_type(
    places: int, integer_digits: int, *, signed: bool = True, quantize: bool = False, description: str = "decimal"
) -> Any:
    """A decimal of at most `integer_digits` digits before the point and `places` after it.

    `quantize` gives every value exactly `places` decimals ("12.5" → 12.50), which loses nothing.
    """
    sign = "-?" if signed else ""
    fraction = rf"(\.[0-9]{{1,{places}}})?" if places else ""
    pattern = rf"^{sign}[0-9]{{1,{integer_digits}}}{fraction}$"
    regex = re.compile(pattern, re.ASCII)
    unit = Decimal(1).scaleb(-places)
    longest = integer_digits + places + 2 + _SLACK

    def parse(value: Any) -> Decimal:
        text = _decimal_text(value)
        if len(text) > longest or not regex.fullmatch(_without_trailing_zeros(text, places)):
            _explain(text, places, integer_digits, signed)
        number = Decimal(text)
        if number.is_zero():
            number = abs(number)
        return number.quantize(unit) if quantize or _places(number) > places else number

    schema = {
        "type": "string",
        "format": "decimal",
        "pattern": pattern,
        "description": description,
        "examples": [_EXAMPLES.get(places, "1")],
    }
    return Annotated[
        Decimal,
        BeforeValidator(parse),
        PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json"),
        WithJsonSchema(schema),
    ]


_SLACK = 20
"""Trailing zeros after the last allowed decimal that are accepted (they change nothing)."""


def _without_trailing_zeros(text: str, places: int) -> str:
    """`text` without zeros after its `places`-th decimal: "1.500" → "1.50" for 2 places."""
    whole, point, fraction = text.partition(".")
    if not point or len(fraction) <= places:
        return text
    kept = fraction[:places] + fraction[places:].rstrip("0")
    return f"{whole}.{kept}" if kept else whole


_ANY_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?", re.ASCII)


def _explain(text: str, places: int, integer_digits: int, signed: bool) -> None:
    """Raise the most precise reason why `text` is not a decimal of this type."""
    shown = text if len(text) <= 40 else text[:37] + "..."
    if text.lstrip("+-").lower() in ("nan", "snan", "inf", "infinity"):
        raise PydanticCustomError("finite_number", "must be a finite number; got {value}", {"value": shown})
    if not _ANY_DECIMAL.fullmatch(text):
        raise PydanticCustomError(
            "decimal_parsing",
            "must be a decimal of ASCII digits with '.' for decimals and no exponent, such as \"12.50\"; got '{value}'",
            {"value": shown},
        )
    if text.startswith("-") and not signed:
        raise PydanticCustomError("decimal_sign", "may not be negative; got {value}", {"value": shown})
    _, _, fraction = _without_trailing_zeros(text, places).lstrip("-").partition(".")
    if len(fraction) > places:
        raise PydanticCustomError(
            "decimal_places", "may have at most {places} decimals, got {value}", {"places": places, "value": shown}
        )
    raise PydanticCustomError(
        "decimal_digits",
        "may have at most {digits} digits before the decimal point; got {value}",
        {"digits": integer_digits, "value": shown},
    )


if TYPE_CHECKING:  # what the types are to a type checker; at runtime, Decimal with the rules below
    Money = Decimal
    UnitPrice = Decimal
    Quantity = Decimal
    Percent = Decimal
    Rate = Decimal
else:
    Money = decimal_type(2, 12, quantize=True, description="amount: decimal string, at most 2 decimals")
    """An amount in a currency (NOK unless stated): at most 2 decimals, below one trillion; negative allowed."""

    UnitPrice = decimal_type(4, 12, signed=False, description="unit price: decimal string, at most 4 decimals")
    """A price per unit: at most 4 decimals (e.g. per kWh), never negative."""

    Quantity = decimal_type(4, 9, description="quantity: decimal string, at most 4 decimals")
    """A quantity: at most 4 decimals, below one billion; negative for a returned item."""

    Percent = Annotated[
        decimal_type(2, 3, description="percent: decimal string, 0 to 100, at most 2 decimals"), Field(ge=0, le=100)
    ]
    """A percentage from 0 to 100 with at most 2 decimals."""

    Rate = decimal_type(6, 6, signed=False, description="rate: decimal string, at most 6 decimals")
    """A rate such as an exchange rate: at most 6 decimals, never negative."""


def _strict_integer(value: Any) -> Any:
    if type(value) is not int:
        raise PydanticCustomError(
            "int_type",
            "must be a valid integer (a JSON whole number), not {kind}",
            {"kind": "true/false" if isinstance(value, bool) else type(value).__name__},
        )
    return value


Integer = Annotated[int, BeforeValidator(_strict_integer)]
"""A JSON integer: a boolean, a string or a fraction is refused. Bound it with Field(ge=..., le=...)."""

Flag = Annotated[bool, Strict()]
"""true or false: 0, 1, "yes" and "true" are refused."""


def _query_flag(value: Any) -> Any:
    if isinstance(value, bool) or value in ("true", "false"):
        return value is True or value == "true"
    raise PydanticCustomError("bool_type", "must be true or false; got {value}", {"value": str(value)[:40]})


QueryFlag = Annotated[bool, BeforeValidator(_query_flag)]
"""A flag in a query string: `?link=true` or `?link=false`; "yes", "1", "on" and "True" are refused."""

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def _strict_date(value: Any) -> Any:
    if type(value) is date:
        return value
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise PydanticCustomError(
            "date_type",
            'must be a date as a string yyyy-mm-dd, such as "2026-03-09"; got {value}',
            {"value": _shown(value)},
        )
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("date_value", "{value} is not a day of the calendar", {"value": value}) from None


def _shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 40 else text[:37] + "..."


Date = Annotated[date, BeforeValidator(_strict_date)]
"""A calendar date, a JSON string yyyy-mm-dd: a number (timestamp), a date-time or "2026-3-9" is refused."""

_LINE_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
_MULTILINE_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)


def _refuse(pattern: re.Pattern[str], allowed: str) -> Any:
    def check(value: str) -> str:
        found = pattern.search(value)
        if found:
            raise PydanticCustomError(
                "text_control_character",
                "may not contain control characters ({allowed}); found U+{code} at position {position}",
                {"allowed": allowed, "code": f"{ord(found.group()):04X}", "position": found.start()},
            )
        return value

    return check


SingleLine = AfterValidator(_refuse(_LINE_FORBIDDEN, "one line of text"))
"""The check of `Text`, to put after StringConstraints: Annotated[str, StringConstraints(...), SingleLine]."""

Text = Annotated[str, SingleLine]
"""One line of text without control characters. Bound it with Field(max_length=...)."""

MultilineText = Annotated[str, AfterValidator(_refuse(_MULTILINE_FORBIDDEN, "line breaks and tabs are allowed"))]
"""Text that may have line breaks and tabs, but no other control characters."""
