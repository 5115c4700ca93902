"""ISO 3166-1 alpha-2 country codes."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from klientportal.validation.countries import COUNTRY_CODES, CountryCode

adapter = TypeAdapter(CountryCode)


@pytest.mark.parametrize(("raw", "code"), [("NO", "NO"), ("se", "SE"), (" dk ", "DK"), ("XK", "XK")])
def test_accepts_and_upper_cases(raw, code):
    assert adapter.validate_python(raw) == code


@pytest.mark.parametrize("raw", ["NOR", "N", "ZZ", "UK", ""])
def test_rejects_other_values(raw):
    with pytest.raises(ValidationError) as caught:
        adapter.validate_python(raw)
    assert caught.value.errors()[0]["type"] == "country_code"


def test_table_holds_the_assigned_codes_and_kosovo():
    assert len(COUNTRY_CODES) == 250
    assert {"NO", "SE", "DK", "FI", "IS", "DE", "GB", "US", "SJ", "BV", "XK"} <= COUNTRY_CODES
