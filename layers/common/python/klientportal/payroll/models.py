"""Payroll's API bodies (validated at the boundary) and the settings record."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from klientportal.api.types import Date, Flag, Integer, SingleLine, decimal_type
from klientportal.formats.kid import validate_kid
from klientportal.validation.norwegian import BankAccount, OrgNumber

Period = Annotated[str, StringConstraints(pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$")]
if TYPE_CHECKING:  # Decimal to a type checker; at runtime the project's decimal strings (api.types)
    Hours = Decimal
    Money = Decimal
else:
    Hours = Annotated[
        decimal_type(2, 3, signed=False, description="hours: decimal string, at most 2 decimals"), Field(le=400)
    ]
    Money = Annotated[
        decimal_type(2, 7, signed=False, quantize=True, description="amount: decimal string, at most 2 decimals"),
        Field(gt=0),
    ]
Zone = Literal["1", "1a", "2", "3", "4", "4a", "5"]


def _kid(value: str) -> str:
    if not validate_kid(value):
        raise ValueError("not a valid KID (2–25 digits, MOD10 or MOD11 control digit)")
    return value


Kid = Annotated[str, StringConstraints(pattern=r"^[0-9]{2,25}$"), AfterValidator(_kid)]

_EMPLOYEE_KEY = re.compile(r"[1-9][0-9]{0,8}", re.ASCII)


def _employee_key(value: Any) -> int:
    if isinstance(value, str) and _EMPLOYEE_KEY.fullmatch(value):
        return int(value)
    raise PydanticCustomError("employee_number", 'an employee number is a key of digits 1–999999999, such as "2"')


EmployeeKey = Annotated[
    int, BeforeValidator(_employee_key), WithJsonSchema({"type": "string", "pattern": f"^{_EMPLOYEE_KEY.pattern}$"})
]
"""An employee number as a JSON object's key: "2", never "2.0", "+2", " 2" or "02" (they would be one employee)."""


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class PayrollSettingsIn(_In):
    """The employer's payroll settings: the business (underenhet) reported and its zone."""

    business_orgnr: OrgNumber
    zone: Zone
    tax_account: BankAccount | None = Field(
        default=None, description="the tax office's account for forskuddstrekk and arbeidsgiveravgift"
    )
    withholding_kid: Kid | None = Field(default=None, description="the employer's KID for forskuddstrekk")
    contribution_kid: Kid | None = Field(default=None, description="the employer's KID for arbeidsgiveravgift")


class PayLineIn(_In):
    salary_type: Literal["fixed_addition", "shift_addition", "bonus", "holiday_pay", "holiday_deduction"]
    amount: Money
    text: Annotated[str, StringConstraints(max_length=100), SingleLine] | None = None


if TYPE_CHECKING:
    Percent = Decimal
else:
    Percent = Annotated[
        decimal_type(2, 3, signed=False, description="percent: decimal string, at most 2 decimals"),
        Field(gt=0, le=100),
    ]


class DeductionIn(_In):
    """A deduction that is neither income nor tax (decision 0941): an amount, or a percentage for a
    garnishment (of the gross pay) or the employee's pension share (of the pension basis)."""

    kind: Literal["union_dues", "pension_employee_share", "garnishment", "advance_repayment", "other"]
    amount: Money | None = None
    percent: Percent | None = None
    text: Annotated[str, StringConstraints(min_length=1, max_length=100), SingleLine] | None = Field(
        default=None, description="what the deduction is for: one line, on the payslip and in the payment's message"
    )
    account: BankAccount | None = Field(default=None, description="the payee's account, to pay it on with the run")
    kid: Kid | None = Field(default=None, description="the payee's KID (a garnishment: the trekkpålegg's)")
    reference: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z/_.-]{1,40}$")] | None = Field(
        default=None, description="e.g. the trekkpålegg's trekkid"
    )

    @model_validator(mode="after")
    def _consistent(self) -> DeductionIn:
        if (self.amount is None) == (self.percent is None):
            raise ValueError("give either amount or percent")
        if self.percent is not None and self.kind not in ("garnishment", "pension_employee_share"):
            raise ValueError(f"{self.kind} is an amount, not a percentage")
        if self.kind == "garnishment":
            if self.amount is not None and self.amount != self.amount.to_integral_value():
                raise ValueError("a garnishment (utleggstrekk) is whole kroner")
            if self.kid is None or self.account is None:
                raise ValueError("a garnishment is paid to the trekkpålegg's account with its KID")
        elif self.kid is not None and self.account is None:
            raise ValueError("a KID needs the payee's account")
        if self.kind == "other" and not self.text:
            raise ValueError("say what the deduction is for (text)")
        return self


class RunEmployeeIn(_In):
    hours: Hours = Decimal(0)
    overtime_hours: Annotated[Hours, Field(le=200)] = Decimal(0)
    lines: list[PayLineIn] = Field(default_factory=list, max_length=20)
    deductions: list[DeductionIn] = Field(default_factory=list, max_length=10)


class RunIn(_In):
    """A payroll run for a month: the pay date, and per employee number the hours and extra lines."""

    period: Period
    pay_date: Date
    employees: dict[EmployeeKey, RunEmployeeIn] = Field(default_factory=dict, max_length=5000)
    holiday_pay_month: Integer = Field(default=6, ge=1, le=12)

    @model_validator(mode="after")
    def _pay_date_in_period(self) -> RunIn:
        if self.pay_date.strftime("%Y-%m") != self.period:
            raise ValueError("the pay date must be in the period (the a-melding is for the month paid)")
        return self


class TaxCardFetchIn(_In):
    income_year: Integer = Field(ge=2026, le=2026)
    changes_only: Flag = False
