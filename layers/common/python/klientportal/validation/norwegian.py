"""Annotated pydantic types for Norwegian identifiers, bank details and contact data.

Each type accepts the usual written forms (spaces, dots, lower case) and normalises to the
compact form. Failures raise `PydanticCustomError` with a stable `type` (e.g. `orgnr_checksum`)
and a precise English message, so they can be shown as RFC 9457 field errors as they are.
Messages never repeat a national identity number or a bank account number.
python-stdnum is imported by the validators that use it, not with this module: most requests
validate no such number, and every API handler imports these types (cold start, bench/).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from klientportal.clock import today_oslo
from klientportal.formats.ehf.ubl import SCHEME_NO_ORGNR

__all__ = [
    "BankAccount",
    "Bic",
    "Email",
    "Iban",
    "MunicipalityNumber",
    "MvaNumber",
    "NationalId",
    "OrgNumber",
    "PeppolParticipantId",
    "PhoneNumber",
    "PostalCode",
    "birth_date_of",
    "mask_account",
    "mask_national_id",
    "validate_bank_account",
    "validate_national_id",
    "validate_orgnr",
    "validate_postal_code",
]

_SPACES = re.compile(r"\s+")


def _fail(kind: str, message: str, **ctx: object) -> PydanticCustomError:
    return PydanticCustomError(kind, message, ctx or None)


def _digits(value: str, separators: str, kind: str, label: str, length: int) -> str:
    """Strip `separators` and whitespace; require exactly `length` ASCII digits."""
    compact = _SPACES.sub("", value.strip())
    for sep in separators:
        compact = compact.replace(sep, "")
    if not (compact.isascii() and compact.isdigit()):
        raise _fail(f"{kind}_format", f"{label} may contain only digits{_allowed(separators)}")
    if len(compact) != length:
        raise _fail(
            f"{kind}_length",
            "{label} must be {expected} digits, got {actual}",
            label=label,
            expected=length,
            actual=len(compact),
        )
    return compact


def _allowed(separators: str) -> str:
    names = {".": "dots", "-": "hyphens"}
    return "".join(f", {names[s]}" for s in separators) + " and spaces"


def validate_orgnr(value: str) -> str:
    """A 9-digit organisation number with a valid MOD11 check digit, compacted."""
    from stdnum.no import orgnr

    number = _digits(value, "", "orgnr", "organisation number", 9)
    if not orgnr.is_valid(number):
        raise _fail("orgnr_checksum", "organisation number {value} fails the MOD11 check", value=number)
    return number


def _validate_mva(value: str) -> str:
    from stdnum.no import orgnr

    compact = _SPACES.sub("", value).upper()
    match = re.fullmatch(r"(?:NO)?(\d{9})MVA", compact)
    if match is None:
        raise _fail(
            "mva_format",
            "MVA number must be 'NO', the 9-digit organisation number and 'MVA', e.g. NO987654321MVA",
        )
    if not orgnr.is_valid(match.group(1)):
        raise _fail(
            "mva_checksum",
            "MVA number: organisation number {value} fails the MOD11 check",
            value=match.group(1),
        )
    return f"NO{match.group(1)}MVA"


def validate_bank_account(value: str) -> str:
    """An 11-digit Norwegian bank account number with a valid MOD11 check digit, compacted."""
    from stdnum.no import kontonr

    number = _digits(value, ".-", "bank_account", "bank account number", 11)
    if number.startswith("0000"):
        raise _fail("bank_account_register", "bank account number cannot start with bank register 0000")
    if not kontonr.is_valid(number):
        raise _fail("bank_account_checksum", "bank account number fails the MOD11 check")
    return number


def validate_national_id(value: str) -> str:
    """A fødselsnummer or D-number (11 digits, two MOD11 check digits, real birth date)."""
    from stdnum.exceptions import InvalidComponent
    from stdnum.no import fodselsnummer

    number = _digits(value, "", "national_id", "national identity number", 11)
    if number[9] != fodselsnummer.calc_check_digit1(number) or number[10] != fodselsnummer.calc_check_digit2(number):
        raise _fail("national_id_checksum", "national identity number fails the MOD11 check digits")
    if number[2] in "45" or number[0] in "89":
        raise _fail(
            "national_id_kind",
            "national identity number is an H- or FH-number; a fødselsnummer or D-number is required",
        )
    try:
        born = fodselsnummer.get_birth_date(number)
    except InvalidComponent:
        raise _fail("national_id_birth_date", "national identity number does not contain a valid birth date") from None
    if born > today_oslo():
        raise _fail("national_id_birth_date", "national identity number has a birth date in the future")
    return number


def birth_date_of(national_id: str) -> date:
    """The birth date encoded in a valid fødselsnummer or D-number."""
    from stdnum.no import fodselsnummer

    return fodselsnummer.get_birth_date(national_id)


def validate_postal_code(value: str) -> str:
    """A Norwegian postal code: exactly 4 digits."""
    compact = value.strip()
    if not re.fullmatch(r"[0-9]{4}", compact):
        raise _fail("postal_code_format", "postal code must be 4 digits, got '{value}'", value=compact)
    return compact


def _validate_municipality(value: str) -> str:
    compact = value.strip()
    if not re.fullmatch(r"[0-9]{4}", compact):
        raise _fail("municipality_format", "municipality number must be 4 digits, got '{value}'", value=compact)
    return compact


def _validate_iban(value: str) -> str:
    from stdnum import iban as stdnum_iban
    from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError
    from stdnum.no import kontonr

    compact = _SPACES.sub("", value).replace("-", "").upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}", compact):
        raise _fail(
            "iban_format",
            "IBAN must be a 2-letter country code, 2 check digits and up to 30 letters or digits",
        )
    try:
        stdnum_iban.validate(compact, check_country=False)
    except InvalidChecksum:
        raise _fail("iban_checksum", "IBAN fails the MOD97 check") from None
    except InvalidComponent:
        raise _fail("iban_country", "IBAN country {country} does not use IBAN", country=compact[:2]) from None
    except ValidationError:
        raise _fail(
            "iban_format", "IBAN does not have the length and format used in {country}", country=compact[:2]
        ) from None
    if compact.startswith("NO") and not kontonr.is_valid(compact[4:]):
        raise _fail("iban_checksum", "IBAN: the Norwegian account number fails the MOD11 check")
    return compact


def _validate_bic(value: str) -> str:
    from stdnum import bic as stdnum_bic

    compact = _SPACES.sub("", value).upper()
    if not stdnum_bic.is_valid(compact):
        raise _fail(
            "bic_format",
            "BIC must be 8 or 11 characters: bank (4 letters), country (2 letters), location and branch",
        )
    return compact


_EMAIL = re.compile(
    r"[^@\s\x00-\x1f\x7f-\x9f]{1,64}@(?=.{4,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


def _validate_email(value: str) -> str:
    compact = value.strip()
    if not _EMAIL.fullmatch(compact):
        raise _fail("email_format", "email address must look like name@example.no")
    local, domain = compact.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def _validate_phone(value: str) -> str:
    compact = re.sub(r"[\s().-]", "", value)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if re.fullmatch(r"[0-9]{8}", compact):
        compact = "+47" + compact
    if not re.fullmatch(r"\+[1-9][0-9]{6,14}", compact):
        raise _fail(
            "phone_format",
            "phone number must be 8 Norwegian digits or an international number starting with + or 00",
        )
    return compact


def _validate_peppol(value: str) -> str:
    compact = value.strip()
    if compact.lower().startswith("iso6523-actorid-upis::"):
        compact = compact.split("::", 1)[1]
    match = re.fullmatch(r"([0-9]{4}):([A-Za-z0-9.:_-]{1,50})", compact)
    if match is None:
        raise _fail(
            "peppol_id_format",
            "PEPPOL participant id must be a 4-digit scheme (ICD), a colon and the identifier, e.g. 0192:987654321",
        )
    scheme, identifier = match.groups()
    if scheme == SCHEME_NO_ORGNR:
        validate_orgnr(identifier)
    return f"{scheme}:{identifier}"


def mask_national_id(value: str) -> str:
    """Birth-date part kept, personal number hidden: '01019012345' -> '010190*****'."""
    compact = _SPACES.sub("", value or "")
    if len(compact) != 11 or not compact.isdigit():
        return "*" * 11
    return compact[:6] + "*****"


def mask_account(value: str) -> str:
    """Only the last five digits kept: '86011117947' -> '****.**.17947'."""
    compact = re.sub(r"[\s.-]", "", value or "")
    if len(compact) != 11 or not compact.isdigit():
        return "****.**.*****"
    return "****.**." + compact[6:]


def _string(description: str, example: str) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "description": description, "examples": [example]})


OrgNumber = Annotated[
    str,
    AfterValidator(validate_orgnr),
    _string("Norwegian organisation number, 9 digits (MOD11); spaces accepted", "987654325"),
]
MvaNumber = Annotated[
    str,
    AfterValidator(_validate_mva),
    _string("Norwegian VAT registration: NO + organisation number + MVA", "NO987654325MVA"),
]
BankAccount = Annotated[
    str,
    AfterValidator(validate_bank_account),
    _string("Norwegian bank account number, 11 digits (MOD11); spaces and dots accepted", "8601.11.17947"),
]
NationalId = Annotated[
    str,
    AfterValidator(validate_national_id),
    _string("Fødselsnummer or D-number, 11 digits; never returned by the API", "01019012345"),
]
PostalCode = Annotated[str, AfterValidator(validate_postal_code), _string("Norwegian postal code", "0150")]
MunicipalityNumber = Annotated[
    str, AfterValidator(_validate_municipality), _string("Norwegian municipality number (kommunenummer)", "0301")
]
Iban = Annotated[str, AfterValidator(_validate_iban), _string("IBAN, compact upper case", "NO9386011117947")]
Bic = Annotated[str, AfterValidator(_validate_bic), _string("BIC (SWIFT code)", "DNBANOKKXXX")]
Email = Annotated[str, AfterValidator(_validate_email), _string("Email address", "post@example.no")]
PhoneNumber = Annotated[
    str, AfterValidator(_validate_phone), _string("Phone number, normalised to E.164", "+4791234567")
]
PeppolParticipantId = Annotated[
    str,
    AfterValidator(_validate_peppol),
    _string("PEPPOL participant id: ICD scheme and identifier", "0192:987654325"),
]
