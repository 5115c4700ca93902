"""The validator agrees with the official examples and the OpenPEPPOL rule unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from klientportal.formats.ehf.validation import EhfValidator, validate_ehf
from klientportal.formats.safe_xml import XmlInputError, parse_xml

PEPPOL = Path("peppol")
VALID_EXAMPLES = [
    *(
        f"examples/openpeppol-2026.5/{n}"
        for n in ("base-example.xml", "base-creditnote-correction.xml", "base-example_profile02.xml")
    ),
    *(
        f"examples/openpeppol-3.0.19/{n}"
        for n in (
            "Allowance-example.xml",
            "Vat-category-S.xml",
            "base-creditnote-correction.xml",
            "base-example.xml",
            "base-negative-inv-correction.xml",
            "vat-category-E.xml",
            "vat-category-O.xml",
            "vat-category-Z.xml",
        )
    ),
    "examples/openpeppol-3.0.19/national-NO/Norwegian-example-1.xml",
    "examples/ehf-norway/ehf-3-faktura-1.xml",
]
VEFA = "{http://difi.no/xsd/vefa/validator/1.0}"


@pytest.mark.parametrize("name", VALID_EXAMPLES)
def test_official_examples_are_valid(ehf_validator: EhfValidator, conformance_dir: Path, name: str) -> None:
    report = ehf_validator.validate((conformance_dir / PEPPOL / name).read_bytes())
    assert report.document_type in ("Invoice", "CreditNote")
    assert report.xsd_errors == ()
    assert report.fatal == ()
    assert report.valid


def test_norwegian_example_has_only_the_known_warning(ehf_validator: EhfValidator, conformance_dir: Path) -> None:
    xml = (conformance_dir / PEPPOL / "examples/openpeppol-3.0.19/national-NO/Norwegian-example-1.xml").read_bytes()
    assert [(f.rule_id, f.flag) for f in ehf_validator.validate(xml).findings] == [("UBL-CR-679", "warning")]


def test_legacy_ehf2_fails(ehf_validator: EhfValidator, conformance_dir: Path) -> None:
    report = ehf_validator.validate(
        (conformance_dir / PEPPOL / "examples/ehf-norway/legacy-ehf-2-faktura-1.xml").read_bytes()
    )
    assert report.document_type == "Invoice"
    assert not report.valid
    rule_ids = {f.rule_id for f in report.fatal}
    assert "PEPPOL-EN16931-R004" in rule_ids  # wrong CustomizationID
    assert all(f.location.startswith("/") and f.text for f in report.fatal)


def test_non_billing_documents_are_unknown(ehf_validator: EhfValidator, conformance_dir: Path) -> None:
    response = (conformance_dir / PEPPOL / "examples/openpeppol-2026.5/InvoiceResponse_Example.xml").read_bytes()
    report = ehf_validator.validate(response)
    assert report.document_type == "unknown"
    assert not report.valid


def test_xsd_errors_are_reported(ehf_validator: EhfValidator, conformance_dir: Path) -> None:
    root = parse_xml((conformance_dir / PEPPOL / "examples/openpeppol-3.0.19/base-example.xml").read_bytes())
    root.insert(0, etree.Element("{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}Bogus"))
    report = ehf_validator.validate(etree.tostring(root))
    assert report.xsd_errors and "Bogus" in report.xsd_errors[0]
    assert not report.valid


def test_unsafe_xml_is_refused(conformance_dir: Path) -> None:
    with pytest.raises(XmlInputError):
        validate_ehf(
            b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Invoice>&e;</Invoice>',
            conformance_dir=conformance_dir,
        )


def _rule_cases(conformance_dir: Path) -> list[Path]:
    return sorted((conformance_dir / PEPPOL / "rule-unit-tests/openpeppol-3.0.19").rglob("*.xml"))


def _cases() -> list[str]:
    from tests.conftest import CONFORMANCE_DIR

    return [str(p.relative_to(CONFORMANCE_DIR)) for p in _rule_cases(CONFORMANCE_DIR)]


@pytest.mark.parametrize("name", _cases())
def test_rule_unit_tests(ehf_validator: EhfValidator, conformance_dir: Path, name: str) -> None:
    """Each <test> names rules that must hold (success) or fire as error or warning on its document."""
    test_set = parse_xml((conformance_dir / name).read_bytes())
    tests = test_set.findall(f"{VEFA}test")
    assert tests
    for test in tests:
        document = next(child for child in test if isinstance(child.tag, str) and not child.tag.startswith(VEFA))
        findings = ehf_validator.schematron(etree.fromstring(etree.tostring(document)))
        fired = {(f.rule_id, f.flag) for f in findings}
        fired_ids = {f.rule_id for f in findings}
        expectations = [e for e in test.iterfind(f"{VEFA}assert/*") if etree.QName(e).localname != "description"]
        assert expectations
        for expectation in expectations:
            rule, kind = expectation.text.strip(), etree.QName(expectation).localname
            assert kind in ("success", "error", "warning"), kind
            where = f"{name} test {test.get('id')}: {kind} {rule}"
            if kind == "success":
                assert rule not in fired_ids, where
            elif kind == "error":
                assert (rule, "fatal") in fired, where
            elif kind == "warning":
                assert (rule, "warning") in fired, where
