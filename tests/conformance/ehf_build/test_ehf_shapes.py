"""The EHF shapes of ISSUE-8 §3 written where UBL and PEPPOL BIS want them, and 0 fatal on the
official XSD + CEN + PEPPOL rules; the code lists the models check are the Schematron's."""

from __future__ import annotations

import base64
import re
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from lxml import etree

from klientportal.formats.ehf import codelists
from klientportal.formats.ehf.build import build_ehf
from klientportal.formats.ehf.validation import XSLT_DIR, EhfValidator
from klientportal.formats.safe_xml import parse_xml
from klientportal.invoicing.models import DocumentKind, InvoiceLine, Period, Vat
from tests.conformance.ehf_build.test_ehf_build import assert_valid, xp
from tests.unit.invoicing.invoice_samples import seller, shapes_invoice


def test_every_shape_in_one_invoice(ehf_validator: EhfValidator) -> None:
    root = parse_xml(xml := build_ehf(shapes_invoice()))
    assert xp(root, "cac:InvoicePeriod/cbc:*") == ["2026-03-01", "2026-03-31"]
    names = [etree.QName(x).localname for x in root]
    at = names.index("BuyerReference")
    assert names[at : at + 3] == ["BuyerReference", "InvoicePeriod", "AdditionalDocumentReference"]
    line = "cac:InvoiceLine[1]/"
    assert xp(root, line + "cac:InvoicePeriod/cbc:StartDate") == ["2026-03-01"]
    assert xp(root, line + "cac:AllowanceCharge/cbc:ChargeIndicator") == ["true", "false"]
    assert xp(root, line + "cac:AllowanceCharge/cbc:AllowanceChargeReasonCode") == ["FC", "100"]
    assert xp(root, line + "cac:AllowanceCharge[1]/cbc:MultiplierFactorNumeric") == ["5"]
    assert xp(root, line + "cac:AllowanceCharge[1]/cbc:Amount") == ["60.00"]
    assert xp(root, line + "cac:AllowanceCharge[1]/cbc:BaseAmount") == ["1200.00"]
    assert xp(root, line + "cbc:LineExtensionAmount") == ["1235.00"]
    assert xp(root, line + "cac:Price/cbc:PriceAmount") == ["1000"]
    assert xp(root, line + "cac:Price/cbc:BaseQuantity") == ["10"]
    assert xp(root, line + "cac:Price/cbc:BaseQuantity/@unitCode") == ["HUR"]
    assert xp(root, line + "cac:Price/cac:AllowanceCharge/cbc:*") == ["false", "150", "1150"]
    document_ac = "cac:AllowanceCharge/"
    assert xp(root, document_ac + "cbc:*") == ["false", "95", "Kontantrabatt", "2.5", "30.88", "1235.00"]
    exempt = "cac:TaxTotal/cac:TaxSubtotal[2]/cac:TaxCategory/"
    assert xp(root, exempt + "cbc:TaxExemptionReasonCode") == ["VATEX-EU-132-1B"]
    assert xp(root, exempt + "cbc:TaxExemptionReason") == ["Helsetjenester"]
    assert xp(root, "cac:LegalMonetaryTotal/*") == [
        "1735.00",
        "1704.12",
        "2005.15",
        "30.88",
        "1000.00",
        "-0.15",
        "1005.00",
    ]
    assert [
        etree.QName(x).localname
        for x in root.xpath(
            "cac:LegalMonetaryTotal/*",
            namespaces={"cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"},
        )
    ][-3:] == ["PrepaidAmount", "PayableRoundingAmount", "PayableAmount"]
    embedded = xp(root, "cac:AdditionalDocumentReference/cac:Attachment/cbc:EmbeddedDocumentBinaryObject")
    assert base64.b64decode(embedded[0]) == b"dato;timer\n"
    assert xp(root, "cac:AdditionalDocumentReference/cac:Attachment/cbc:EmbeddedDocumentBinaryObject/@mimeCode") == [
        "text/csv"
    ]
    assert_valid(ehf_validator, xml)


def test_every_shape_in_a_foreign_currency_credit_note(ehf_validator: EhfValidator) -> None:
    note = shapes_invoice(
        kind=DocumentKind.CREDIT_NOTE,
        kid=None,
        due_date=None,
        currency="EUR",
        nok_exchange_rate=D("11.5"),
        credited_invoice_number="10001",
        credited_invoice_date=date(2026, 4, 1),
        seller=seller(iban="NO9386011117947"),
    )
    root = parse_xml(xml := build_ehf(note))
    assert xp(root, "cbc:DocumentCurrencyCode") == ["EUR"] and xp(root, "cbc:TaxCurrencyCode") == ["NOK"]
    assert xp(root, "cac:TaxTotal/cbc:TaxAmount") == ["301.03", "3461.85"]
    assert xp(root, "cac:TaxTotal/cbc:TaxAmount/@currencyID") == ["EUR", "NOK"]
    assert xp(root, "cac:CreditNoteLine[1]/cac:InvoicePeriod/cbc:EndDate") == ["2026-03-31"]
    assert xp(root, "cac:CreditNoteLine[1]/cac:Price/cbc:BaseQuantity") == ["10"]
    assert_valid(ehf_validator, xml)


@pytest.mark.parametrize(
    "vat",
    [
        Vat(category="E", exemption_reason_code="VATEX-EU-J"),
        Vat(category="E", exemption_reason="Unntatt etter merverdiavgiftsloven § 3-6"),
        Vat(category="G", exemption_reason_code="VATEX-EU-G", exemption_reason="Utførsel"),
        Vat(category="AE", exemption_reason_code="VATEX-EU-AE"),
    ],
    ids=["E-code", "E-text", "G", "AE"],
)
def test_exemption_reason_per_exempt_line(ehf_validator: EhfValidator, vat: Vat) -> None:
    line = InvoiceLine(description="Fritatt tjeneste", quantity=D(2), unit_price=D("450.00"), vat=vat)
    invoice = shapes_invoice(lines=(*shapes_invoice().lines[:1], line))
    root = parse_xml(xml := build_ehf(invoice))
    category = "cac:TaxTotal/cac:TaxSubtotal[2]/cac:TaxCategory/"
    assert xp(root, category + "cbc:ID") == [vat.category.value]
    assert xp(root, category + "cbc:TaxExemptionReasonCode") == [c for c in [vat.exemption_reason_code] if c]
    assert xp(root, category + "cbc:TaxExemptionReason") == [r for r in [vat.exemption_reason] if r]
    assert_valid(ehf_validator, xml)


def test_open_ended_periods(ehf_validator: EhfValidator) -> None:
    first = shapes_invoice().lines[0].model_copy(update={"period": Period(end=date(2026, 3, 20))})
    invoice = shapes_invoice(period=Period(start=date(2026, 3, 1)), lines=(first,))
    root = parse_xml(xml := build_ehf(invoice))
    assert xp(root, "cac:InvoicePeriod/cbc:*") == ["2026-03-01"]
    assert xp(root, "cac:InvoiceLine/cac:InvoicePeriod/cbc:*") == ["2026-03-20"]
    assert_valid(ehf_validator, xml)


def _schematron_codes(conformance_dir: Path, name: str, pattern: str) -> set[str]:
    source = (conformance_dir / XSLT_DIR.parent.parent / "schematron" / XSLT_DIR.name / name).read_text("utf-8")
    match = re.search(pattern, source)
    assert match, pattern
    return set(match.group(1).split())


def test_code_lists_are_the_schematrons(conformance_dir: Path) -> None:
    cen, peppol = "CEN-EN16931-UBL.sch", "PEPPOL-EN16931-UBL.sch"

    def rule(rule_id: str) -> str:
        return rf'id="{rule_id}"[^>]*?contains\(\' ([^\']*) \''

    assert _schematron_codes(conformance_dir, cen, rule("BR-CL-19")) == codelists.ALLOWANCE_REASON_CODES
    assert _schematron_codes(conformance_dir, cen, rule("BR-CL-20")) == codelists.CHARGE_REASON_CODES
    assert _schematron_codes(conformance_dir, cen, rule("BR-CL-22")) == codelists.VATEX_CODES
    assert (
        _schematron_codes(conformance_dir, peppol, r'name="ISO4217" value="tokenize\(\'([^\']*)\'')
        == codelists.CURRENCY_CODES
    )
    assert (
        _schematron_codes(conformance_dir, peppol, r'name="MIMECODE" value="tokenize\(\'([^\']*)\'')
        == codelists.ATTACHMENT_MIME_TYPES
    )
