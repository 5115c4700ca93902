"""Field types shared by the register models: names, codes, money, units and reference lookups."""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, StringConstraints
from pydantic_core import PydanticCustomError

from klientportal.api.types import Money, Percent, SingleLine
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

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), SingleLine]


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


Amount2 = Money
"""An amount with at most 2 decimals, quantized to øre (the shared boundary rules). Use with Field(ge=0)."""

Percentage = Percent
"""A percentage from 0 to 100 with at most 2 decimals."""


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


def _vat_code(direction: Direction, example: str) -> Callable[[str], str]:
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


OutputVatCode = Annotated[str, BeforeValidator(_int_to_str), AfterValidator(_vat_code(Direction.OUTPUT, "3"))]
InputVatCode = Annotated[str, BeforeValidator(_int_to_str), AfterValidator(_vat_code(Direction.INPUT, "1"))]


def _account(kind: AccountType, classes: str, example: str) -> Callable[[str], str]:
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


IncomeAccount = Annotated[str, BeforeValidator(_int_to_str), AfterValidator(_account(AccountType.INCOME, "3", "3000"))]
"""An operating income account (class 3) of the standard chart."""

ExpenseAccount = Annotated[
    str, BeforeValidator(_int_to_str), AfterValidator(_account(AccountType.EXPENSE, "4567", "6800"))
]
"""An operating expense account (classes 4 to 7) of the standard chart."""
