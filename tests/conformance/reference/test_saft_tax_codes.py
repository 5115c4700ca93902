"""Our VAT code table against Skatteetaten's SAF-T Standard Tax Codes."""

from __future__ import annotations

from klientportal.reference.vat_codes import vat_codes


def test_the_official_list_was_read(saft_tax_codes):
    assert len(saft_tax_codes) >= 30
    assert saft_tax_codes["3"]["TaxRate"] == "Regular rate"


def test_every_code_of_ours_is_a_standard_code_with_the_same_rate_class(saft_tax_codes):
    for vat in vat_codes():
        assert vat.code in saft_tax_codes, f"VAT code {vat.code} is not a SAF-T standard tax code"
        assert (vat.rate_class.saft_label or "") == saft_tax_codes[vat.code]["TaxRate"], vat.code


def test_every_standard_code_is_covered(saft_tax_codes):
    assert set(saft_tax_codes) == {vat.code for vat in vat_codes()}


def test_compensation_flag_matches(saft_tax_codes):
    for vat in vat_codes():
        assert vat.compensation == (saft_tax_codes[vat.code]["Compensation"].upper() == "TRUE"), vat.code


def test_direction_follows_the_official_description(saft_tax_codes):
    for vat in vat_codes():
        official = saft_tax_codes[vat.code]["DescriptionNOB"].lower()
        if "utgående" in official or "omsetning" in official or "utførsel" in official or "inntekter" in official:
            assert vat.is_output, vat.code
        if "inngående" in official or "innførsel" in official or "kjøp" in official or "anskaffelser" in official:
            assert vat.is_input, vat.code
