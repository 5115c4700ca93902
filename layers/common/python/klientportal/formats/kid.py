"""KID (kundeidentifikasjon): generation and validation with the Nets MOD10 and MOD11 check digits.

A KID is 2-25 characters: digits, with one control character last. MOD10 is Luhn. MOD11 weighs the
digits 2, 3, 4, 5, 6, 7, 2, ... from the right; the control is 11 - (sum mod 11), where 11 gives
'0' and 10 gives '-' (Nets). Because many banks refuse '-', generation with MOD11 by default keeps
a leading *variant digit* that is bumped from 0 to 1 when the control would be '-'
(docs/decisions/0101-kid-mod11-remainder-10.md).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

MIN_LENGTH = 2
MAX_LENGTH = 25
_MOD11_WEIGHTS = (2, 3, 4, 5, 6, 7)


class KidAlgorithm(StrEnum):
    MOD10 = "MOD10"
    MOD11 = "MOD11"


class KidComposition(StrEnum):
    """Which numbers make up the KID body (before the control digit), each zero-padded."""

    INVOICE = "invoice"
    CUSTOMER = "customer"
    CUSTOMER_INVOICE = "customer+invoice"


class KidError(ValueError):
    """A KID cannot be generated from these numbers and settings."""


class KidSettings(BaseModel):
    """How a client's KIDs are made. `length` counts every character including the control."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    algorithm: KidAlgorithm = KidAlgorithm.MOD10
    length: int = Field(default=10, ge=MIN_LENGTH, le=MAX_LENGTH)
    composition: KidComposition = KidComposition.CUSTOMER_INVOICE
    customer_digits: int = Field(default=4, ge=1, le=MAX_LENGTH - 2)
    mod11_remainder_10: Literal["variant-digit", "dash"] = "variant-digit"

    @property
    def uses_variant_digit(self) -> bool:
        return self.algorithm is KidAlgorithm.MOD11 and self.mod11_remainder_10 == "variant-digit"

    @property
    def number_digits(self) -> int:
        """Digits available for the customer and/or invoice number."""
        return self.length - 1 - int(self.uses_variant_digit)

    @model_validator(mode="after")
    def _room_for_numbers(self) -> KidSettings:
        needed = self.customer_digits + 1 if self.composition is KidComposition.CUSTOMER_INVOICE else 1
        if self.number_digits < needed:
            raise ValueError(f"length {self.length} leaves no room for the composition {self.composition}")
        return self


def mod10_control(body: str) -> str:
    """The Luhn (MOD10) control digit for a string of digits."""
    from stdnum import luhn

    return luhn.calc_check_digit(body)


def mod11_control(body: str) -> str:
    """The Nets MOD11 control character for a string of digits: '0'-'9' or '-'."""
    total = sum(int(d) * _MOD11_WEIGHTS[i % 6] for i, d in enumerate(reversed(body)))
    control = 11 - total % 11
    return "0" if control == 11 else "-" if control == 10 else str(control)


def is_valid_mod10(kid: str) -> bool:
    from stdnum import luhn

    return _well_formed(kid) and kid[-1] != "-" and luhn.is_valid(kid)


def is_valid_mod11(kid: str) -> bool:
    return _well_formed(kid) and mod11_control(kid[:-1]) == kid[-1]


def validate_kid(kid: str) -> bool:
    """True when `kid` is a well-formed KID whose control digit is right under MOD10 or MOD11."""
    return is_valid_mod10(kid) or is_valid_mod11(kid)


def generate_kid(settings: KidSettings, customer_no: int | None, invoice_no: int | None) -> str:
    """Compose and check-digit a KID; raises KidError when a number is missing, negative or too long."""
    body = _body(settings, customer_no, invoice_no)
    if settings.algorithm is KidAlgorithm.MOD10:
        return body + mod10_control(body)
    if not settings.uses_variant_digit:
        return body + mod11_control(body)
    for variant in "01":
        control = mod11_control(variant + body)
        if control != "-":
            return variant + body + control
    raise AssertionError("a changed variant digit always changes the MOD11 remainder")


def _body(settings: KidSettings, customer_no: int | None, invoice_no: int | None) -> str:
    width = settings.number_digits
    match settings.composition:
        case KidComposition.INVOICE:
            return _padded("invoice number", invoice_no, width)
        case KidComposition.CUSTOMER:
            return _padded("customer number", customer_no, width)
        case KidComposition.CUSTOMER_INVOICE:
            customer = _padded("customer number", customer_no, settings.customer_digits)
            return customer + _padded("invoice number", invoice_no, width - settings.customer_digits)


def _padded(what: str, value: int | None, width: int) -> str:
    if value is None:
        raise KidError(f"the KID composition needs a {what}")
    if value < 0:
        raise KidError(f"{what} {value} is negative")
    text = str(value).zfill(width)
    if len(text) > width:
        raise KidError(f"{what} {value} does not fit in {width} digits")
    return text


def _well_formed(kid: str) -> bool:
    return (
        MIN_LENGTH <= len(kid) <= MAX_LENGTH
        and kid[:-1].isascii()
        and kid[:-1].isdigit()
        and (kid[-1] == "-" or (kid[-1].isascii() and kid[-1].isdigit()))
    )
