"""Register models: valid input, normalisation and precise (field-located) errors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from klientportal.registers.models import (
    Address,
    CustomerCreate,
    DepartmentCreate,
    Employee,
    EmployeeCreate,
    EmployeeRecord,
    ProductCreate,
    ProjectCreate,
    SupplierCreate,
)

ORGNR = "974760673"
ACCOUNT = "86011117947"
FNR = "15108695088"


def errors(model, **data) -> list[tuple[tuple, str, str]]:
    with pytest.raises(ValidationError) as caught:
        model(**data)
    return [(e["loc"], e["type"], e["msg"]) for e in caught.value.errors()]


# --- Address -------------------------------------------------------------------------------


def test_norwegian_address_needs_4_digit_postal_code():
    assert Address(street="Storgata 1", postal_code=" 0155 ", city="Oslo").postal_code == "0155"
    assert errors(Address, street="Storgata 1", postal_code="155", city="Oslo") == [
        (("postal_code",), "postal_code_format", "postal code must be 4 digits, got '155'")
    ]


def test_foreign_address_keeps_its_own_postal_code():
    address = Address(street="Drottninggatan 1", postal_code="111 51", city="Stockholm", country="se")
    assert (address.country, address.postal_code) == ("SE", "111 51")


def test_address_forbids_unknown_fields():
    assert errors(Address, street="a", postal_code="0155", city="Oslo", zip="0155")[0][1] == "extra_forbidden"


# --- Customer ------------------------------------------------------------------------------


def customer(**data):
    return CustomerCreate(**{"customer_number": 10001, "name": "Fjord AS", "email": "post@fjord.no", **data})


def test_customer_defaults_and_normalisation():
    c = customer(orgnr="974 760 673", phone="22 33 44 55", name="  Fjord AS ")
    assert (c.orgnr, c.is_company, c.phone, c.name) == (ORGNR, True, "+4722334455", "Fjord AS")
    assert (c.delivery_channel, c.payment_terms_days, c.language, c.address) == ("email", 14, "nb", None)
    assert c.peppol_endpoint == "0192:974760673"


def test_private_customer_without_orgnr():
    c = customer(name="Kari Nordmann")
    assert (c.is_company, c.orgnr, c.peppol_endpoint) == (False, None, None)


def test_customer_with_orgnr_cannot_be_private():
    assert errors(CustomerCreate, customer_number=1, name="x", email="a@b.no", orgnr=ORGNR, is_company=False) == [
        (("is_company",), "customer_company", "a customer with an organisation number is a company")
    ]


def test_delivery_channel_needs_its_contact_data():
    assert errors(CustomerCreate, customer_number=1, name="x") == [
        (("email",), "customer_delivery", "delivery by email needs an email address")
    ]
    assert errors(CustomerCreate, customer_number=1, name="x", delivery_channel="ehf") == [
        (("peppol_id",), "customer_delivery", "delivery by EHF needs a PEPPOL participant id or an organisation number")
    ]
    assert errors(CustomerCreate, customer_number=1, name="x", delivery_channel="print") == [
        (("address",), "customer_delivery", "delivery by print needs a postal address")
    ]


def test_ehf_customer_with_explicit_participant_id():
    c = customer(delivery_channel="ehf", peppol_id="0192:974760673")
    assert c.peppol_endpoint == "0192:974760673"


@pytest.mark.parametrize(
    ("field", "value", "kind"),
    [
        ("customer_number", 0, "greater_than_equal"),
        ("customer_number", "abc", "int_type"),
        ("name", "   ", "string_too_short"),
        ("orgnr", "974760674", "orgnr_checksum"),
        ("email", "not-an-email", "email_format"),
        ("delivery_channel", "fax", "literal_error"),
        ("language", "sv", "literal_error"),
        ("payment_terms_days", -1, "greater_than_equal"),
        ("peppol_id", "974760673", "peppol_id_format"),
    ],
)
def test_customer_field_errors(field, value, kind):
    (found,) = errors(CustomerCreate, **{"customer_number": 1, "name": "x", "email": "a@b.no", field: value})
    assert found[:2] == ((field,), kind)


# --- Supplier ------------------------------------------------------------------------------


def supplier(**data):
    return SupplierCreate(**{"supplier_number": 20001, "name": "Kontorleveranser AS", **data})


def test_supplier_with_norwegian_account():
    s = supplier(orgnr=ORGNR, bank_account="8601.11.17947", default_expense_account="6800", default_vat_code=1)
    assert (s.bank_account, s.default_expense_account, s.default_vat_code) == (ACCOUNT, "6800", "1")


def test_foreign_supplier_with_iban_and_bic():
    s = supplier(
        iban="DE89 3704 0044 0532 0130 00",
        bic="cobadeffxxx",
        address={"street": "Hauptstr. 1", "postal_code": "10115", "city": "Berlin", "country": "DE"},
    )
    assert (s.iban, s.bic, s.bank_account) == ("DE89370400440532013000", "COBADEFFXXX", None)


def test_supplier_needs_account_or_iban():
    assert errors(SupplierCreate, supplier_number=1, name="x") == [
        (("bank_account",), "supplier_account", "a supplier needs a bank account number or an IBAN")
    ]


def test_supplier_bic_without_iban_and_mismatching_iban():
    assert errors(SupplierCreate, supplier_number=1, name="x", bank_account=ACCOUNT, bic="DNBANOKK") == [
        (("bic",), "supplier_bic", "a BIC is only used together with an IBAN")
    ]
    assert errors(SupplierCreate, supplier_number=1, name="x", bank_account="12345678903", iban="NO9386011117947") == [
        (("iban",), "supplier_iban", "the IBAN does not contain the given bank account number")
    ]


@pytest.mark.parametrize(
    ("field", "value", "kind", "message"),
    [
        (
            "default_expense_account",
            "3000",
            "account_type",
            "account 3000 (Salgsinntekt, avgiftspliktig) is not an expense account; use one such as 6800",
        ),
        ("default_expense_account", "6999", "account_unknown", "account '6999' is not in the chart of accounts"),
        (
            "default_vat_code",
            "3",
            "vat_code_direction",
            "VAT code 3 is for sales (output VAT); a code for purchases (input VAT) such as 1 is required",
        ),
        ("default_vat_code", "99", "vat_code_unknown", "VAT code '99' does not exist"),
        ("bank_account", "86011117949", "bank_account_checksum", "bank account number fails the MOD11 check"),
    ],
)
def test_supplier_reference_errors(field, value, kind, message):
    found = errors(SupplierCreate, **{"supplier_number": 1, "name": "x", "iban": "NO9386011117947", field: value})
    assert found == [((field,), kind, message)]


def test_supplier_errors_hide_the_input_in_text():
    with pytest.raises(ValidationError) as caught:
        supplier(bank_account="86011117949")
    assert "86011117949" not in str(caught.value)


# --- Product -------------------------------------------------------------------------------


def product(**data):
    return ProductCreate(**{"product_number": "KONS-1", "name": "Konsulenttime", "unit_price": "1250", **data})


def test_product_defaults():
    p = product()
    assert (p.unit, p.unit_price, p.vat_code, p.income_account, p.active) == (
        "EA",
        Decimal("1250.00"),
        "3",
        "3000",
        True,
    )


@pytest.mark.parametrize(
    ("raw", "price"), [(1250.5, "1250.50"), ("0.1", "0.10"), (0, "0.00"), (Decimal("19.990"), "19.99"), (0.1, "0.10")]
)
def test_product_price_is_exact_decimal(raw, price):
    assert product(unit_price=raw).unit_price == Decimal(price)


def test_product_price_from_json_number_is_exact():
    p = ProductCreate.model_validate_json('{"product_number": "A", "name": "n", "unit_price": 19.99}')
    assert p.unit_price == Decimal("19.99")
    assert p.model_dump(mode="json")["unit_price"] == "19.99"


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("10.005", "decimal_places"),
        (10.001, "decimal_places"),
        (-1, "greater_than_equal"),
        (True, "decimal_type"),
        ("1,50", "decimal_parsing"),
        ("NaN", "finite_number"),
        ("1000000000", "less_than_equal"),
    ],
)
def test_product_price_errors(raw, kind):
    (found,) = errors(ProductCreate, product_number="A", name="n", unit_price=raw)
    assert found[:2] == (("unit_price",), kind)


def test_product_price_decimals_message():
    assert errors(ProductCreate, product_number="A", name="n", unit_price="10.005") == [
        (("unit_price",), "decimal_places", "may have at most 2 decimals, got 10.005")
    ]


def test_product_vat_code_must_be_output_and_account_income():
    assert product(unit="HUR", vat_code="33", income_account=3050).income_account == "3050"
    assert errors(ProductCreate, product_number="A", name="n", unit_price=1, vat_code="1", income_account="4300") == [
        (
            ("vat_code",),
            "vat_code_direction",
            "VAT code 1 is for purchases (input VAT); a code for sales (output VAT) such as 3 is required",
        ),
        (
            ("income_account",),
            "account_type",
            "account 4300 (Innkjøp av varer for videresalg) is not an income account; use one such as 3000",
        ),
    ]


def test_product_number_and_unit_errors():
    assert errors(ProductCreate, product_number="has space", name="n", unit_price=1)[0][:2] == (
        ("product_number",),
        "code_format",
    )
    assert errors(ProductCreate, product_number="A", name="n", unit_price=1, unit="PCS")[0][:2] == (("unit",), "enum")


# --- Project, Department -------------------------------------------------------------------


def test_project_dates_in_order():
    p = ProjectCreate(
        project_number="P-100", name="Nytt lager", customer_number=10001, start_date="2025-01-01", end_date="2025-01-01"
    )
    assert p.end_date == date(2025, 1, 1)
    assert errors(ProjectCreate, project_number="P-1", name="x", start_date="2025-02-01", end_date="2025-01-31") == [
        (("end_date",), "project_dates", "end date 2025-01-31 is before start date 2025-02-01")
    ]


def test_project_without_dates_or_customer():
    p = ProjectCreate(project_number="1", name="Intern")
    assert (p.customer_number, p.start_date, p.end_date, p.active) == (None, None, None, True)


def test_department():
    assert DepartmentCreate(department_number="10", name="Salg").department_number == "10"
    assert errors(DepartmentCreate, department_number="", name="Salg")[0][:2] == (("department_number",), "code_format")


# --- Employee ------------------------------------------------------------------------------


def employee(**data):
    return EmployeeCreate(
        **{
            "employee_number": 1,
            "first_name": "Kari",
            "last_name": "Nordmann",
            "national_id": "151086 95088",
            "employment_start": "2024-08-01",
            **data,
        }
    )


def test_employee_create_and_read_model():
    e = employee(
        bank_account="8601 11 17947",
        position_percentage="60",
        tax_municipality="0301",
        address={"street": "Storgata 1", "postal_code": "0155", "city": "Oslo"},
    )
    assert (e.national_id, e.position_percentage) == (FNR, Decimal("60.00"))
    read = EmployeeRecord.model_validate(e.model_dump()).to_read()
    assert (read.national_id_masked, read.birth_date) == ("151086*****", date(1986, 10, 15))
    body = read.model_dump_json()
    assert FNR not in body and 'national_id"' not in body
    assert "national_id" not in Employee.model_fields


def test_employee_national_id_never_in_repr():
    e = employee()
    assert FNR not in repr(e) and FNR not in str(e)
    assert FNR not in repr(EmployeeRecord.model_validate(e.model_dump()))


def test_employee_read_model_refuses_a_national_id():
    read = EmployeeRecord.model_validate(employee().model_dump()).to_read()
    data = read.model_dump() | {"national_id": FNR}
    assert errors(Employee, **data)[0][:2] == (("national_id",), "extra_forbidden")


@pytest.mark.parametrize(
    ("field", "value", "kind"),
    [
        ("national_id", "15108695077", "national_id_checksum"),
        ("position_percentage", "100.01", "less_than_equal"),
        ("position_percentage", "-1", "greater_than_equal"),
        ("position_percentage", "33.333", "decimal_places"),
        ("tax_municipality", "301", "municipality_format"),
        ("employment_start", "2024-02-30", "date_value"),
        ("employment_start", 1704067200, "date_type"),
        ("first_name", "", "string_too_short"),
    ],
)
def test_employee_field_errors(field, value, kind):
    with pytest.raises(ValidationError) as caught:
        employee(**{field: value})
    (found,) = caught.value.errors()
    assert (found["loc"], found["type"]) == ((field,), kind)
    assert "15108695077" not in str(caught.value)
