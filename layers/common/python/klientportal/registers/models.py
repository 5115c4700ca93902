"""A client's registers: customers, suppliers, products, projects, departments and employees.

Each entity has a `...Create` model (POST body), a `...Update` model (PATCH body: every field
may be left out) and the stored/read model. `apply_update` merges a PATCH into a stored model
and validates the result as a whole, so cross-field rules hold after every change.
Employees differ: `EmployeeRecord` is stored with the national id, `Employee` is what the API
returns (masked id and birth date only).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from klientportal.api.types import Date, Flag, Integer, Text
from klientportal.formats.ehf.ubl import orgnr_participant_id
from klientportal.registers.base import Address, Problem, reject
from klientportal.registers.base import Model as _Model
from klientportal.registers.base import Private as _Private
from klientportal.registers.base import problem as _problem
from klientportal.registers.fields import (
    Amount2,
    Code,
    ExpenseAccount,
    IncomeAccount,
    InputVatCode,
    Name,
    OutputVatCode,
    Percentage,
    UnitCode,
)
from klientportal.validation.norwegian import (
    BankAccount,
    Bic,
    Email,
    Iban,
    MunicipalityNumber,
    NationalId,
    OrgNumber,
    PeppolParticipantId,
    PhoneNumber,
    birth_date_of,
    mask_national_id,
)

__all__ = [
    "Address",
    "Customer",
    "CustomerCreate",
    "CustomerUpdate",
    "DeliveryChannel",
    "Department",
    "DepartmentCreate",
    "DepartmentUpdate",
    "Employee",
    "EmployeeCreate",
    "EmployeeRecord",
    "EmployeeUpdate",
    "Language",
    "Product",
    "ProductCreate",
    "ProductUpdate",
    "Project",
    "ProjectCreate",
    "ProjectUpdate",
    "Supplier",
    "SupplierCreate",
    "SupplierUpdate",
    "apply_update",
]

DeliveryChannel = Literal["email", "ehf", "print"]
Language = Literal["nb", "en"]
MAX_PRICE = Decimal("999999999.99")


_COMPANY = "a customer with an organisation number is a company"
_EHF = "delivery by EHF needs a PEPPOL participant id or an organisation number"


class CustomerCreate(_Model):
    customer_number: Integer = Field(ge=1, le=999_999_999)
    name: Name
    orgnr: OrgNumber | None = None
    is_company: Flag = False
    email: Email | None = None
    phone: PhoneNumber | None = None
    address: Address | None = None
    delivery_channel: DeliveryChannel = "email"
    peppol_id: PeppolParticipantId | None = None
    payment_terms_days: Integer = Field(default=14, ge=0, le=365)
    language: Language = "nb"

    @model_validator(mode="after")
    def _consistent(self) -> CustomerCreate:
        if self.orgnr and "is_company" not in self.model_fields_set:
            self.is_company = True
        problems = []
        if self.orgnr and not self.is_company:
            problems.append(_problem("is_company", "customer_company", _COMPANY))
        if self.delivery_channel == "email" and not self.email:
            problems.append(_problem("email", "customer_delivery", "delivery by email needs an email address"))
        if self.delivery_channel == "ehf" and not self.peppol_endpoint:
            problems.append(_problem("peppol_id", "customer_delivery", _EHF))
        if self.delivery_channel == "print" and not self.address:
            problems.append(_problem("address", "customer_delivery", "delivery by print needs a postal address"))
        reject(self, problems)
        return self

    @property
    def peppol_endpoint(self) -> str | None:
        """Where EHF invoices go: the given participant id, else 0192:<orgnr>."""
        return self.peppol_id or (orgnr_participant_id(self.orgnr) if self.orgnr else None)


class Customer(CustomerCreate):
    """A stored customer (kunde) of the client."""


class SupplierCreate(_Private):
    supplier_number: Integer = Field(ge=1, le=999_999_999)
    name: Name
    orgnr: OrgNumber | None = None
    bank_account: BankAccount | None = None
    iban: Iban | None = None
    bic: Bic | None = None
    default_expense_account: ExpenseAccount | None = None
    default_vat_code: InputVatCode | None = None
    email: Email | None = None
    address: Address | None = None

    @model_validator(mode="after")
    def _payable(self) -> SupplierCreate:
        problems = []
        if not self.bank_account and not self.iban:
            problems.append(
                _problem("bank_account", "supplier_account", "a supplier needs a bank account number or an IBAN")
            )
        if self.bic and not self.iban:
            problems.append(_problem("bic", "supplier_bic", "a BIC is only used together with an IBAN"))
        if self.bank_account and self.iban and self.iban.startswith("NO") and self.iban[4:] != self.bank_account:
            problems.append(
                _problem("iban", "supplier_iban", "the IBAN does not contain the given bank account number")
            )
        reject(self, problems)
        return self


class Supplier(SupplierCreate):
    """A stored supplier (leverandør) of the client."""


class ProductCreate(_Model):
    product_number: Code
    name: Name
    unit: UnitCode = UnitCode.EACH
    unit_price: Amount2 = Field(ge=0, le=MAX_PRICE)
    vat_code: OutputVatCode = "3"
    income_account: IncomeAccount = "3000"
    active: Flag = True


class Product(ProductCreate):
    """A stored product or service (vare/tjeneste); the price excludes VAT."""


class ProjectCreate(_Model):
    project_number: Code
    name: Name
    customer_number: Integer | None = Field(default=None, ge=1, le=999_999_999)
    start_date: Date | None = None
    end_date: Date | None = None
    active: Flag = True

    @model_validator(mode="after")
    def _dates_in_order(self) -> ProjectCreate:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            reject(
                self,
                [
                    _problem(
                        "end_date",
                        "project_dates",
                        "end date {end} is before start date {start}",
                        end=self.end_date.isoformat(),
                        start=self.start_date.isoformat(),
                    )
                ],
            )
        return self


class Project(ProjectCreate):
    """A stored project, optionally for one customer."""


class DepartmentCreate(_Model):
    department_number: Code
    name: Name
    active: Flag = True


class Department(DepartmentCreate):
    """A stored department (avdeling)."""


SalaryForm = Literal["fixed", "hourly"]
EndReason = Literal[
    "arbeidstakerHarSagtOppSelv",
    "kontraktenErUtloept",
    "arbeidsgiverHarSagtOppArbeidstaker",
    "arbeidsforholdetVarFeilaktigRegistrert",
    "annet",
]
# Yrkeskode of the a-melding: the STYRK-08 unit group (4 digits) and Skatteetaten's 3-digit suffix.
OccupationCode = Annotated[str, StringConstraints(pattern=r"^\d{7}$")]


class _EmployeeFields(_Private):
    employee_number: Integer = Field(ge=1, le=999_999_999)
    first_name: Text = Field(min_length=1, max_length=100)
    last_name: Text = Field(min_length=1, max_length=100)
    email: Email | None = None
    address: Address | None = None
    bank_account: BankAccount | None = None
    employment_start: Date
    position_percentage: Percentage = Field(default=Decimal("100.00"), ge=0, le=100)
    tax_municipality: MunicipalityNumber | None = None
    # Employment for payroll (issue 11); all optional so an employee can be registered first.
    employment_end: Date | None = None
    end_reason: EndReason | None = None
    occupation_code: OccupationCode | None = None
    salary_form: SalaryForm | None = None
    monthly_salary: Amount2 | None = Field(default=None, gt=0, le=MAX_PRICE)  # paid a month, at the position %
    hourly_rate: Amount2 | None = Field(default=None, gt=0, le=Decimal("100000"))
    pension_percentage: Percentage | None = Field(default=None, ge=2, le=7)  # OTP: at least 2 % by law
    fifth_holiday_week: Flag = False

    @model_validator(mode="after")
    def _employment_consistent(self) -> _EmployeeFields:
        problems: list[Problem] = []
        if self.employment_end is not None and self.employment_end < self.employment_start:
            problems.append(_problem("employment_end", "date_order", "the employment ends before it starts"))
        if self.employment_end is not None and self.end_reason is None:
            problems.append(_problem("end_reason", "missing", "an ended employment needs an end reason"))
        if self.salary_form == "fixed" and self.monthly_salary is None:
            problems.append(_problem("monthly_salary", "missing", "a fixed salary needs the monthly salary"))
        if self.salary_form == "hourly" and self.hourly_rate is None:
            problems.append(_problem("hourly_rate", "missing", "hourly pay needs the hourly rate"))
        reject(self, problems)
        return self


class EmployeeCreate(_EmployeeFields):
    national_id: NationalId = Field(repr=False)


class EmployeeRecord(EmployeeCreate):
    """A stored employee, with the national id. Never returned by the API: see `Employee`."""

    def to_read(self) -> Employee:
        data = self.model_dump(exclude={"national_id"})
        return Employee(
            **data,
            national_id_masked=mask_national_id(self.national_id),
            birth_date=birth_date_of(self.national_id),
        )


class Employee(_EmployeeFields):
    """An employee as the API returns it: the national id masked, the birth date derived."""

    national_id_masked: str
    birth_date: date


class Patch(_Model):
    """A PATCH body: fields may be left out; null only where the stored model allows None."""

    record: ClassVar[type[BaseModel]]

    @field_validator("*")
    @classmethod
    def _null_only_if_nullable(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            field = cls.record.model_fields.get(info.field_name or "")
            if field is None or field.is_required() or field.default is not None:
                raise PydanticCustomError("not_nullable", "may be left out but not set to null")
        return value


class CustomerUpdate(Patch):
    record = Customer
    name: Name | None = None
    orgnr: OrgNumber | None = None
    is_company: Flag | None = None
    email: Email | None = None
    phone: PhoneNumber | None = None
    address: Address | None = None
    delivery_channel: DeliveryChannel | None = None
    peppol_id: PeppolParticipantId | None = None
    payment_terms_days: Integer | None = Field(default=None, ge=0, le=365)
    language: Language | None = None


class SupplierUpdate(Patch):
    model_config = ConfigDict(hide_input_in_errors=True)
    record = Supplier
    name: Name | None = None
    orgnr: OrgNumber | None = None
    bank_account: BankAccount | None = None
    iban: Iban | None = None
    bic: Bic | None = None
    default_expense_account: ExpenseAccount | None = None
    default_vat_code: InputVatCode | None = None
    email: Email | None = None
    address: Address | None = None


class ProductUpdate(Patch):
    record = Product
    name: Name | None = None
    unit: UnitCode | None = None
    unit_price: Amount2 | None = Field(default=None, ge=0, le=MAX_PRICE)
    vat_code: OutputVatCode | None = None
    income_account: IncomeAccount | None = None
    active: Flag | None = None


class ProjectUpdate(Patch):
    record = Project
    name: Name | None = None
    customer_number: Integer | None = Field(default=None, ge=1, le=999_999_999)
    start_date: Date | None = None
    end_date: Date | None = None
    active: Flag | None = None


class DepartmentUpdate(Patch):
    record = Department
    name: Name | None = None
    active: Flag | None = None


class EmployeeUpdate(Patch):
    model_config = ConfigDict(hide_input_in_errors=True)
    record = EmployeeRecord
    first_name: Text | None = Field(default=None, min_length=1, max_length=100)
    last_name: Text | None = Field(default=None, min_length=1, max_length=100)
    national_id: NationalId | None = Field(default=None, repr=False)
    email: Email | None = None
    address: Address | None = None
    bank_account: BankAccount | None = None
    employment_start: Date | None = None
    position_percentage: Percentage | None = Field(default=None, ge=0, le=100)
    tax_municipality: MunicipalityNumber | None = None
    employment_end: Date | None = None
    end_reason: EndReason | None = None
    occupation_code: OccupationCode | None = None
    salary_form: SalaryForm | None = None
    monthly_salary: Amount2 | None = Field(default=None, gt=0, le=MAX_PRICE)
    hourly_rate: Amount2 | None = Field(default=None, gt=0, le=Decimal("100000"))
    pension_percentage: Percentage | None = Field(default=None, ge=2, le=7)
    fifth_holiday_week: Flag | None = None


R = TypeVar("R", bound=BaseModel)


def apply_update(current: R, update: Patch) -> R:
    """`current` with the fields set in `update` replaced (nested objects whole), validated again."""
    if not isinstance(current, update.record):
        raise TypeError(f"{type(update).__name__} does not apply to {type(current).__name__}")
    changes = update.model_dump(exclude_unset=True)
    return type(current).model_validate({**current.model_dump(), **changes})
