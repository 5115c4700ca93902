"""Norwegian VAT codes: the SAF-T standard tax codes with rates, direction and deductibility.

The table is ours (data/reference/vat_codes.csv); a conformance test keeps it equal to
Skatteetaten's Standard_Tax_Codes list in codes and rate classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cache

from klientportal.reference._data import rows

__all__ = ["Direction", "RateClass", "VatCode", "get_vat_code", "vat_codes"]


class RateClass(StrEnum):
    """Rate class of a code; `saft_label` is the TaxRate value used by SAF-T."""

    REGULAR = "regular"
    REDUCED_MIDDLE = "reduced_middle"
    REDUCED_RAW_FISH = "reduced_raw_fish"
    REDUCED_LOW = "reduced_low"
    ZERO = "zero"
    NONE = "none"

    @property
    def saft_label(self) -> str | None:
        return _SAFT_LABELS[self]


_SAFT_LABELS = {
    RateClass.REGULAR: "Regular rate",
    RateClass.REDUCED_MIDDLE: "Reduced rate, middle",
    RateClass.REDUCED_RAW_FISH: "Reduced rate, raw fish",
    RateClass.REDUCED_LOW: "Reduced rate, low",
    RateClass.ZERO: "Zero rate",
    RateClass.NONE: None,
}


class Direction(StrEnum):
    """`input`: purchases (inngående); `output`: sales (utgående)."""

    INPUT = "input"
    OUTPUT = "output"


@dataclass(frozen=True, slots=True)
class VatCode:
    """One VAT code. `rate` is a percentage (25, 15, 12, 11.11, 0) or None outside VAT."""

    code: str
    description_nb: str
    description_en: str
    rate_class: RateClass
    rate: Decimal | None
    direction: Direction
    deductible: bool
    compensation: bool

    @property
    def is_output(self) -> bool:
        return self.direction is Direction.OUTPUT

    @property
    def is_input(self) -> bool:
        return self.direction is Direction.INPUT


def _parse(row: dict[str, str]) -> VatCode:
    return VatCode(
        code=row["code"],
        description_nb=row["description_nb"],
        description_en=row["description_en"],
        rate_class=RateClass(row["rate_class"]),
        rate=Decimal(row["rate"]) if row["rate"] else None,
        direction=Direction(row["direction"]),
        deductible=row["deductible"] == "true",
        compensation=row["compensation"] == "true",
    )


@cache
def vat_codes() -> tuple[VatCode, ...]:
    """All VAT codes, in table order (loaded once)."""
    return tuple(_parse(row) for row in rows("vat_codes.csv"))


@cache
def _by_code() -> dict[str, VatCode]:
    return {vat.code: vat for vat in vat_codes()}


def get_vat_code(code: str) -> VatCode | None:
    """The VAT code `code` (e.g. "3"), or None if there is none."""
    return _by_code().get(code)
