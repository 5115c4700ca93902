"""The employee register's employment fields that payroll needs (issue 11)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from klientportal.registers.models import EmployeeCreate, EmployeeRecord, EmployeeUpdate, apply_update

BASE: dict[str, Any] = {
    "employee_number": 1,
    "first_name": "Kari",
    "last_name": "Nordmann",
    "national_id": "15076500565",
    "employment_start": "2024-03-01",
    "bank_account": "86011117947",
}


def _errors(**fields: Any) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as exc:
        EmployeeCreate.model_validate({**BASE, **fields})
    return [(".".join(map(str, e["loc"])), e["msg"]) for e in exc.value.errors()]


def test_a_payroll_ready_employee() -> None:
    e = EmployeeCreate.model_validate(
        {
            **BASE,
            "occupation_code": "2511106",
            "salary_form": "fixed",
            "monthly_salary": "45000.00",
            "pension_percentage": "2",
            "position_percentage": "80",
        }
    )
    assert (e.salary_form, e.monthly_salary, e.pension_percentage) == ("fixed", Decimal("45000.00"), Decimal("2"))
    assert e.fifth_holiday_week is False


def test_an_employee_without_payroll_fields_is_still_valid() -> None:
    assert EmployeeCreate.model_validate(BASE).salary_form is None


@pytest.mark.parametrize(
    ("fields", "where", "text"),
    [
        ({"pension_percentage": "1.5"}, "pension_percentage", "greater than or equal to 2"),
        ({"occupation_code": "2511"}, "occupation_code", "String should match pattern"),
        ({"salary_form": "fixed"}, "monthly_salary", "a fixed salary needs the monthly salary"),
        ({"salary_form": "hourly"}, "hourly_rate", "hourly pay needs the hourly rate"),
        ({"salary_form": "weekly"}, "salary_form", "Input should be 'fixed' or 'hourly'"),
        ({"employment_end": "2024-01-01", "end_reason": "annet"}, "employment_end", "ends before it starts"),
        ({"employment_end": "2026-03-31"}, "end_reason", "needs an end reason"),
        ({"bank_account": "86011117946"}, "bank_account", ""),
        ({"national_id": "15076500566"}, "national_id", ""),
    ],
)
def test_bad_employment_is_refused_at_its_field(fields: dict[str, Any], where: str, text: str) -> None:
    found = _errors(**fields)
    assert any(loc == where and text in msg for loc, msg in found), found


def test_a_patch_is_checked_as_a_whole() -> None:
    stored = EmployeeRecord.model_validate({**BASE, "salary_form": "hourly", "hourly_rate": "250.00"})
    changed = apply_update(
        stored,
        EmployeeUpdate.model_validate(
            {"employment_end": date(2026, 3, 31).isoformat(), "end_reason": "kontraktenErUtloept"}
        ),
    )
    assert changed.employment_end == date(2026, 3, 31)
    with pytest.raises(ValidationError, match="fixed salary needs the monthly salary"):
        apply_update(stored, EmployeeUpdate.model_validate({"salary_form": "fixed"}))
