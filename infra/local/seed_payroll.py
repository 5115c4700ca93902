"""Demo payroll for the local stack: Byggmester Hansen's employees (fixed, hourly, one who has left),
the payroll settings and the tax cards fetched from the tax-card simulator — so a payroll run can be
computed at once (`POST /clients/c-hansenbygg/payroll-runs`, docs/payroll.md)."""

from __future__ import annotations

from klientportal.bootstrap import Invocation, payroll
from klientportal.payroll.models import PayrollSettingsIn, TaxCardFetchIn
from klientportal.registers.service import REGISTERS
from klientportal.repository.store import SYSTEM

CLIENT = "c-hansenbygg"
EMPLOYEES = (
    {
        "employee_number": 1,
        "first_name": "Knut",
        "last_name": "Hansen",
        "national_id": "15076500565",
        "employment_start": "2012-04-01",
        "bank_account": "86011117947",
        "occupation_code": "7115108",
        "salary_form": "fixed",
        "monthly_salary": "52000.00",
        "pension_percentage": "2",
        "fifth_holiday_week": True,
    },
    {
        "employee_number": 2,
        "first_name": "Ola",
        "last_name": "Lærling",
        "national_id": "29029600013",
        "employment_start": "2025-08-01",
        "bank_account": "86011117947",
        "occupation_code": "7115108",
        "salary_form": "hourly",
        "hourly_rate": "235.00",
        "position_percentage": "80",
        "pension_percentage": "2",
    },
    {
        "employee_number": 3,
        "first_name": "Per",
        "last_name": "Sluttet",
        "national_id": "01018010018",
        "employment_start": "2019-01-01",
        "employment_end": "2026-01-31",
        "end_reason": "arbeidstakerHarSagtOppSelv",
        "bank_account": "86011117947",
        "occupation_code": "7115108",
        "salary_form": "fixed",
        "monthly_salary": "41000.00",
        "pension_percentage": "2",
    },
)


def seed_payroll(services: Invocation) -> None:
    registers = services.registers(CLIENT)
    spec = REGISTERS["employees"]
    for item in EMPLOYEES:
        registers.create(spec, spec.create.model_validate(item), SYSTEM)
    service = payroll(services, CLIENT)
    settings = PayrollSettingsIn(
        business_orgnr="974760673",
        zone="1",
        tax_account="76940501004",  # a demo account (MOD11); the tax office's real account is set per client
        withholding_kid="20260311",
        contribution_kid="97400016",
    )
    service.put_settings(settings, SYSTEM)
    service.fetch_tax_cards(TaxCardFetchIn(income_year=2026), SYSTEM)
