"""PATCH models: partial updates, null handling and re-validation of the merged record."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from klientportal.registers.models import (
    Customer,
    CustomerUpdate,
    Department,
    DepartmentUpdate,
    EmployeeRecord,
    EmployeeUpdate,
    Product,
    ProductUpdate,
    Project,
    ProjectUpdate,
    Supplier,
    SupplierUpdate,
    apply_update,
)

CUSTOMER = Customer(customer_number=10001, name="Fjord AS", orgnr="974760673", email="post@fjord.no")


def test_empty_update_changes_nothing():
    assert apply_update(CUSTOMER, CustomerUpdate()) == CUSTOMER


def test_only_set_fields_change_and_are_validated():
    updated = apply_update(CUSTOMER, CustomerUpdate(phone="912 34 567", payment_terms_days=30))
    assert (updated.phone, updated.payment_terms_days, updated.name) == ("+4791234567", 30, "Fjord AS")
    assert CUSTOMER.phone is None


def test_nullable_fields_may_be_cleared():
    updated = apply_update(CUSTOMER, CustomerUpdate(orgnr=None))
    assert updated.orgnr is None


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (CustomerUpdate, "name"),
        (CustomerUpdate, "payment_terms_days"),
        (CustomerUpdate, "delivery_channel"),
        (ProductUpdate, "unit_price"),
        (ProductUpdate, "vat_code"),
        (EmployeeUpdate, "national_id"),
        (EmployeeUpdate, "employment_start"),
        (DepartmentUpdate, "active"),
    ],
)
def test_required_fields_may_not_be_nulled(model, field):
    with pytest.raises(ValidationError) as caught:
        model(**{field: None})
    (found,) = caught.value.errors()
    assert (found["loc"], found["type"], found["msg"]) == (
        (field,),
        "not_nullable",
        "may be left out but not set to null",
    )


def test_identity_numbers_cannot_be_patched():
    with pytest.raises(ValidationError) as caught:
        CustomerUpdate(customer_number=2)
    assert caught.value.errors()[0]["type"] == "extra_forbidden"


def test_cross_field_rules_hold_after_update():
    with pytest.raises(ValidationError) as caught:
        apply_update(CUSTOMER, CustomerUpdate(email=None))
    assert caught.value.errors()[0]["msg"] == "delivery by email needs an email address"
    project = Project(project_number="P1", name="x", start_date="2025-01-01")
    with pytest.raises(ValidationError) as caught:
        apply_update(project, ProjectUpdate(end_date="2024-12-31"))
    assert caught.value.errors()[0]["loc"] == ("end_date",)


def test_supplier_cannot_lose_its_last_account():
    supplier = Supplier(supplier_number=1, name="x", bank_account="86011117947")
    assert apply_update(supplier, SupplierUpdate(iban="NO9386011117947")).iban == "NO9386011117947"
    with pytest.raises(ValidationError):
        apply_update(supplier, SupplierUpdate(bank_account=None))


def test_product_update_keeps_decimal_prices():
    product = Product(product_number="A", name="n", unit_price="10")
    assert apply_update(product, ProductUpdate(unit_price=12.5)).unit_price == Decimal("12.50")


def test_employee_update_can_correct_national_id():
    record = EmployeeRecord(
        employee_number=1,
        first_name="Kari",
        last_name="Nordmann",
        national_id="15108695088",
        employment_start="2024-08-01",
    )
    update = EmployeeUpdate(national_id="151086 95088", position_percentage="50")
    updated = apply_update(record, update)
    assert updated.position_percentage == Decimal("50.00")
    assert "15108695088" not in repr(update)


def test_update_must_match_the_record_type():
    with pytest.raises(TypeError):
        apply_update(Department(department_number="1", name="x"), CustomerUpdate())
