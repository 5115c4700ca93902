"""Field types shared by the register models: names, codes, money, units and reference lookups."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from klientportal.reference.chart_of_accounts import AccountType, get_account
from klientportal.reference.vat_codes import Direction, get_vat_code

__all__ = [
    "Amount2",
    "Code",
    "ExpenseAccount",
    "IncomeAccount",
    "InputVatCode",
    "Name",
    "OutputVatCode",
    "Percentage",
    "UnitCode",
]

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _code(value: str) -> str:
    compact = value.strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,19}", compact):
        raise PydanticCustomError(
            "code_format",
            "must be 1 to 20 letters, digits, '.', '_' or '-', starting with a letter or digit, got '{value}'",
            {"value": value},
        )
    return compact


Code = Annotated[str, AfterValidator(_code)]
"""A short identifier chosen by the client, e.g. a product, project or department number."""


def _decimal_input(value: Any) -> Any:
    """JSON numbers arrive as float: convert through their shortest repr, never binary float."""
    if isinstance(value, bool):
        raise PydanticCustomError("decimal_type", "must be a number, not true/false")
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def _two_decimals(value: Decimal) -> Decimal:
    if value.as_tuple().exponent < -2 and value != value.quantize(Decimal("0.01")):
        raise PydanticCustomError(
            "decimal_places", "may have at most 2 decimals, got {value}", {"value": str(value)}
        )
    try:
        return value.quantize(Decimal("0.01"))
    except InvalidOperation:
        raise PydanticCustomError("decimal_range", "is too large") from None


_DECIMAL_SCHEMA = WithJsonSchema(
    {"type": "string", "pattern": r"^\d+(\.\d{1,2})?$", "description": "decimal with at most 2 decimals"}
)

Amount2 = Annotated[
    Decimal,
    BeforeValidator(_decimal_input),
    AfterValidator(_two_decimals),
    _DECIMAL_SCHEMA,
]
"""A non-negative amount with at most 2 decimals, quantized to øre. Use with Field(ge=0)."""

Percentage = Amount2
"""A percentage with at most 2 decimals. Use with Field(ge=0, le=100)."""


class UnitCode(StrEnum):
    """Units of measure: a subset of UN/ECE Recommendation 20, as used in EHF."""

    EACH = "EA"
    ONE = "C62"
    PIECE = "H87"
    MINUTE = "MIN"
    HOUR = "HUR"
    DAY = "DAY"
    WEEK = "WEE"
    MONTH = "MON"
    YEAR = "ANN"
    KILOGRAM = "KGM"
    TONNE = "TNE"
    METRE = "MTR"
    KILOMETRE = "KMT"
    SQUARE_METRE = "MTK"
    CUBIC_METRE = "MTQ"
    LITRE = "LTR"


def _int_to_str(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


_SIDES = {Direction.OUTPUT: "sales (output VAT)", Direction.INPUT: "purchases (input VAT)"}


def _vat_code(direction: Direction, example: str):
    def check(value: str) -> str:
        vat = get_vat_code(value.strip())
        if vat is None:
            raise PydanticCustomError("vat_code_unknown", "VAT code '{code}' does not exist", {"code": value})
        if vat.direction is not direction:
            raise PydanticCustomError(
                "vat_code_direction",
                "VAT code {code} is for {actual}; a code for {expected} such as {example} is required",
                {"code": vat.code, "actual": _SIDES[vat.direction], "expected": _SIDES[direction], "example": example},
            )
        return vat.code

    return check


OutputVatCode = Annotated[
    str, BeforeValidator(_int_to_str), AfterValidator(_vat_code(Direction.OUTPUT, "3"))
]
InputVatCode = Annotated[str, BeforeValidator(_int_to_str), AfterValidator(_vat_code(Direction.INPUT, "1"))]


def _account(kind: AccountType, classes: str, example: str):
    def check(value: str) -> str:
        account = get_account(value.strip())
        if account is None:
            raise PydanticCustomError(
                "account_unknown", "account '{number}' is not in the chart of accounts", {"number": value}
            )
        if account.type is not kind or account.number[0] not in classes:
            raise PydanticCustomError(
                "account_type",
                "account {number} ({name}) is not {kind} account; use one such as {example}",
                {"number": account.number, "name": account.name, "kind": _article(kind), "example": example},
            )
        return account.number

    return check


def _article(kind: AccountType) -> str:
    return f"an {kind.value}" if kind.value[0] in "aeiou" else f"a {kind.value}"


IncomeAccount = Annotated[
    str, BeforeValidator(_int_to_str), AfterValidator(_account(AccountType.INCOME, "3", "3000"))
]
"""An operating income account (class 3) of the standard chart."""

ExpenseAccount = Annotated[
    str, BeforeValidator(_int_to_str), AfterValidator(_account(AccountType.EXPENSE, "4567", "6800"))
]
"""An operating expense account (classes 4 to 7) of the standard chart."""
