"""The registers' model base, their cross-field errors and the postal address.

Apart from the register models (`klientportal.registers.models`) so that invoice settings, which
hold an address, do not define every register model at import (cold start, bench/).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from klientportal.api.types import Text
from klientportal.validation.countries import CountryCode
from klientportal.validation.norwegian import validate_postal_code

__all__ = ["Address", "Model", "Private", "Problem", "problem", "reject"]


class Model(BaseModel):
    """Validators built on first use, not at import: most handlers import these models for a few
    routes or none (cold start, bench/)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class Private(Model):
    """Models with personal data: inputs are left out of error texts."""

    model_config = ConfigDict(hide_input_in_errors=True)


Problem = tuple[str, PydanticCustomError]


def problem(field: str, kind: str, message: str, **ctx: Any) -> Problem:
    return field, PydanticCustomError(kind, message, ctx or None)


def reject(model: BaseModel, problems: list[Problem]) -> None:
    """Raise cross-field `problems` as errors located at their field, like single-field errors."""
    if problems:
        raise ValidationError.from_exception_data(
            type(model).__name__,
            [InitErrorDetails(type=error, loc=(field,), input=getattr(model, field)) for field, error in problems],
            hide_input=bool(model.model_config.get("hide_input_in_errors")),
        )


class Address(Model):
    """A postal address; Norwegian addresses need a 4-digit postal code."""

    street: Text = Field(min_length=1, max_length=100)
    postal_code: Text = Field(min_length=1, max_length=10)
    city: Text = Field(min_length=1, max_length=50)
    country: CountryCode = "NO"

    @model_validator(mode="after")
    def _norwegian_postal_code(self) -> Address:
        if self.country == "NO":
            try:
                self.postal_code = validate_postal_code(self.postal_code)
            except PydanticCustomError as error:
                reject(self, [("postal_code", error)])
        return self
