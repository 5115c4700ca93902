"""Norwegian identifier types: acceptance, normalisation, precise errors, masking."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from stdnum.no import fodselsnummer, kontonr, orgnr

from klientportal.validation.norwegian import (
    BankAccount,
    Bic,
    Email,
    Iban,
    MunicipalityNumber,
    MvaNumber,
    NationalId,
    OrgNumber,
    PeppolParticipantId,
    PhoneNumber,
    PostalCode,
    birth_date_of,
    mask_account,
    mask_national_id,
)


def check(type_, value):
    return TypeAdapter(type_).validate_python(value)


def error(type_, value) -> dict:
    with pytest.raises(ValidationError) as caught:
        check(type_, value)
    (only,) = caught.value.errors()
    return only


def with_check_digits(first_nine: str) -> str | None:
    """The 11-digit number with stdnum's check digits, or None where a check digit would be 10."""
    first = fodselsnummer.calc_check_digit1(first_nine)
    second = fodselsnummer.calc_check_digit2(first_nine + first)
    return None if "10" in (first, second) else first_nine + first + second


def national_id(birth: date, d_number: bool = False, month_offset: int = 0) -> str:
    """The first valid fødselsnummer (or D-number) for `birth`, searching the serial numbers."""
    day = birth.day + (40 if d_number else 0)
    serials = range(0, 500) if birth.year < 2000 else range(500, 1000)
    for serial in serials:
        number = with_check_digits(f"{day:02d}{birth.month + month_offset:02d}{birth.year % 100:02d}{serial:03d}")
        if number:
            return number
    raise AssertionError("no serial number fits")


def with_valid_date_digits(ddmmyy: str) -> str:
    """The first number with valid check digits for the date digits `ddmmyy`, real date or not."""
    return next(n for n in (with_check_digits(f"{ddmmyy}{s:03d}") for s in range(500)) if n)


# --- organisation number -------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["974760673", "974 760 673", " 974760673 ", "974\u00a0760\u00a0673"])
def test_orgnr_accepts_spaces_and_normalises(raw):
    assert check(OrgNumber, raw) == "974760673"


@pytest.mark.parametrize(
    ("raw", "kind", "message"),
    [
        ("974760674", "orgnr_checksum", "organisation number 974760674 fails the MOD11 check"),
        ("97476067", "orgnr_length", "organisation number must be 9 digits, got 8"),
        ("9747606733", "orgnr_length", "organisation number must be 9 digits, got 10"),
        ("97476O673", "orgnr_format", "organisation number may contain only digits and spaces"),
        ("974-760-673", "orgnr_format", "organisation number may contain only digits and spaces"),
        ("", "orgnr_format", "organisation number may contain only digits and spaces"),
    ],
)
def test_orgnr_errors_are_precise(raw, kind, message):
    found = error(OrgNumber, raw)
    assert (found["type"], found["msg"]) == (kind, message)


def test_orgnr_rejects_non_strings():
    assert error(OrgNumber, 974760673)["type"] == "string_type"


@st.composite
def valid_orgnrs(draw) -> str:
    body = draw(st.text("0123456789", min_size=8, max_size=8))
    check_digit = -orgnr.checksum(body + "0") % 11
    assume(check_digit != 10)
    return body + str(check_digit)


@given(valid_orgnrs())
def test_generated_orgnrs_are_accepted(number):
    assert orgnr.checksum(number) == 0
    assert check(OrgNumber, f" {number[:3]} {number[3:6]} {number[6:]} ") == number


@given(valid_orgnrs(), st.integers(0, 8), st.integers(1, 9))
def test_one_changed_digit_is_rejected(number, position, delta):
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    assert error(OrgNumber, changed)["type"] == "orgnr_checksum"


# --- MVA number ----------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["NO974760673MVA", "no 974 760 673 mva", "974760673MVA", "NO 974760673 MVA"])
def test_mva_number_normalises(raw):
    assert check(MvaNumber, raw) == "NO974760673MVA"


def test_mva_number_errors():
    assert error(MvaNumber, "NO974760674MVA")["msg"] == (
        "MVA number: organisation number 974760674 fails the MOD11 check"
    )
    assert error(MvaNumber, "NO974760673")["type"] == "mva_format"
    assert error(MvaNumber, "SE974760673MVA")["type"] == "mva_format"


# --- bank account --------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["86011117947", "8601.11.17947", "8601 11 17947", "8601-11-17947"])
def test_bank_account_normalises(raw):
    assert check(BankAccount, raw) == "86011117947"


@pytest.mark.parametrize(
    ("raw", "kind", "message"),
    [
        ("86011117949", "bank_account_checksum", "bank account number fails the MOD11 check"),
        ("8601111794", "bank_account_length", "bank account number must be 11 digits, got 10"),
        ("0000.4090403", "bank_account_register", "bank account number cannot start with bank register 0000"),
        (
            "8601/11/17947",
            "bank_account_format",
            "bank account number may contain only digits, dots, hyphens and spaces",
        ),
    ],
)
def test_bank_account_errors(raw, kind, message):
    found = error(BankAccount, raw)
    assert (found["type"], found["msg"]) == (kind, message)


def test_bank_account_error_never_repeats_the_number():
    assert "86011117949" not in error(BankAccount, "86011117949")["msg"]


@st.composite
def valid_account_numbers(draw) -> str:
    body = draw(st.text("0123456789", min_size=10, max_size=10).filter(lambda s: not s.startswith("0000")))
    weights = (6, 7, 8, 9, 4, 5, 6, 7, 8, 9)
    check_digit = sum(w * int(d) for w, d in zip(weights, body, strict=True)) % 11
    assume(check_digit != 10)
    return body + str(check_digit)


@given(valid_account_numbers())
def test_generated_account_numbers_are_accepted(number):
    assert kontonr.is_valid(number)
    assert check(BankAccount, f"{number[:4]}.{number[4:6]}.{number[6:]}") == number


# --- national identity number --------------------------------------------------------------


def test_fodselsnummer_accepted_and_normalised():
    assert check(NationalId, "151086 95088") == "15108695088"
    assert birth_date_of("15108695088") == date(1986, 10, 15)


def test_d_number_accepted_with_real_birth_date():
    number = national_id(date(1990, 1, 1), d_number=True)
    assert number.startswith("41")
    assert check(NationalId, number) == number
    assert birth_date_of(number) == date(1990, 1, 1)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)), st.booleans(), st.integers(0, 499))
def test_generated_national_ids(birth, d_number, serial):
    day = birth.day + (40 if d_number else 0)
    number = with_check_digits(f"{day:02d}{birth:%m%y}{serial:03d}")
    if number is None:
        return  # a check digit of 10 does not exist: this serial number is never issued
    assert fodselsnummer.is_valid(number)
    assert check(NationalId, f"{number[:6]} {number[6:]}") == number
    assert birth_date_of(number) == birth


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("15108695077", "national_id_checksum"),
        ("1510869508", "national_id_length"),
        ("15108695O88", "national_id_format"),
    ],
)
def test_national_id_errors(raw, kind):
    found = error(NationalId, raw)
    assert found["type"] == kind
    assert raw not in found["msg"]


def test_h_numbers_are_rejected():
    h_number = national_id(date(1990, 1, 1), month_offset=40)
    assert error(NationalId, h_number)["msg"] == (
        "national identity number is an H- or FH-number; a fødselsnummer or D-number is required"
    )


def test_fh_numbers_are_rejected():
    fh_number = next(n for n in (with_check_digits(f"8{i:08d}") for i in range(1000)) if n)
    assert error(NationalId, fh_number)["type"] == "national_id_kind"


def test_impossible_birth_date_is_rejected():
    assert error(NationalId, with_valid_date_digits("310290"))["msg"] == (
        "national identity number does not contain a valid birth date"
    )


def test_future_birth_date_is_rejected():
    future = date.today() + timedelta(days=400)
    assert error(NationalId, national_id(future))["msg"] == "national identity number has a birth date in the future"


# --- masking -------------------------------------------------------------------------------


def test_mask_national_id():
    assert mask_national_id("01019012345") == "010190*****"
    assert mask_national_id("010190 12345") == "010190*****"
    assert mask_national_id("garbage") == "***********"


def test_mask_account():
    assert mask_account("86011117947") == "****.**.17947"
    assert mask_account("8601.11.17947") == "****.**.17947"
    assert mask_account("123") == "****.**.*****"


# --- postal code, municipality -------------------------------------------------------------


def test_postal_code():
    assert check(PostalCode, " 0150 ") == "0150"
    assert error(PostalCode, "150")["msg"] == "postal code must be 4 digits, got '150'"
    assert error(PostalCode, "O150")["type"] == "postal_code_format"


def test_municipality_number():
    assert check(MunicipalityNumber, "0301") == "0301"
    assert error(MunicipalityNumber, "301")["type"] == "municipality_format"


# --- IBAN, BIC -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "compact"),
    [
        ("NO93 8601 1117 947", "NO9386011117947"),
        ("de89370400440532013000", "DE89370400440532013000"),
        ("SE45 5000 0000 0583 9825 7466", "SE4550000000058398257466"),
    ],
)
def test_iban_normalises(raw, compact):
    assert check(Iban, raw) == compact


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("NO9486011117947", "iban_checksum"),
        ("DE89370400440532013001", "iban_checksum"),
        ("NO93-8601-1117-94!", "iban_format"),
    ],
)
def test_iban_errors(raw, kind):
    assert error(Iban, raw)["type"] == kind


def iban_with_check_digits(country: str, bban: str) -> str:
    from stdnum import iban

    return country + iban.calc_check_digits(country + "00" + bban) + bban


def test_iban_unknown_country():
    assert error(Iban, iban_with_check_digits("XX", "370400440532013000"))["msg"] == "IBAN country XX does not use IBAN"


def test_iban_wrong_length_for_country():
    assert error(Iban, iban_with_check_digits("DE", "37040044053201300"))["msg"] == (
        "IBAN does not have the length and format used in DE"
    )


def test_norwegian_iban_with_bad_account_check_digit():
    assert (
        error(Iban, iban_with_check_digits("NO", "86011117949"))["msg"]
        == "IBAN: the Norwegian account number fails the MOD11 check"
    )


def test_bic():
    assert check(Bic, "dnbanokk") == "DNBANOKK"
    assert check(Bic, "DNBANOKKXXX") == "DNBANOKKXXX"
    assert error(Bic, "DNB")["type"] == "bic_format"


# --- email, phone, PEPPOL ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"), [(" Kari@Example.NO ", "Kari@example.no"), ("a.b+c@sub.example.com", "a.b+c@sub.example.com")]
)
def test_email_accepts_and_lowercases_domain(raw, clean):
    assert check(Email, raw) == clean


@pytest.mark.parametrize(
    "raw", ["kari", "kari@", "@example.no", "kari@example", "kari @example.no", "a@b@c.no", "kari@-x.no"]
)
def test_email_rejects(raw):
    assert error(Email, raw)["msg"] == "email address must look like name@example.no"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("912 34 567", "+4791234567"),
        ("+47 912 34 567", "+4791234567"),
        ("0046 8 123 456 78", "+46812345678"),
        ("(+47) 22-33-44-55", "+4722334455"),
    ],
)
def test_phone_normalises(raw, clean):
    assert check(PhoneNumber, raw) == clean


@pytest.mark.parametrize("raw", ["12345", "phone", "+0123456789", "+1234567890123456"])
def test_phone_rejects(raw):
    assert error(PhoneNumber, raw)["type"] == "phone_format"


def test_peppol_participant_id():
    assert check(PeppolParticipantId, "0192:974760673") == "0192:974760673"
    assert check(PeppolParticipantId, "iso6523-actorid-upis::0192:974760673") == "0192:974760673"
    assert check(PeppolParticipantId, "0007:5567321707") == "0007:5567321707"
    assert error(PeppolParticipantId, "0192:974760674")["type"] == "orgnr_checksum"
    assert error(PeppolParticipantId, "974760673")["type"] == "peppol_id_format"
