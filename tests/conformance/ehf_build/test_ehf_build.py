"""Built EHF documents: the right Norwegian content, and valid against XSD + CEN + PEPPOL rules."""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from lxml import etree

from klientportal.formats.ehf.build import EhfBuildError, build_ehf
from klientportal.formats.ehf.ubl import NS_CAC, NS_CBC
from klientportal.formats.ehf.validation import EhfValidator
from klientportal.formats.safe_xml import parse_xml
from klientportal.invoicing.models import Address, Attachment, Invoice, InvoiceLine, PeppolEndpoint, Vat
from tests.unit.invoicing.invoice_samples import KID, buyer, credit_note, mixed_invoice, seller
from tests.unit.invoicing.invoice_strategies import invoices

NS = {"cac": NS_CAC, "cbc": NS_CBC}
GENERATED_DOCUMENTS = 150


def xp(root: etree._Element, path: str) -> list[str]:
    return [x if isinstance(x, str) else (x.text or "") for x in root.xpath(path, namespaces=NS)]


def assert_valid(ehf_validator: EhfValidator, xml: bytes) -> None:
    report = ehf_validator.validate(xml)
    assert report.xsd_errors == ()
    assert [f for f in report.findings if f.flag == "fatal"] == []
    assert report.valid


def test_invoice_content(ehf_validator: EhfValidator) -> None:
    pdf = b"%PDF-1.7 faktura"
    xml = build_ehf(
        mixed_invoice(attachments=(Attachment(filename="10001.pdf", content=pdf, description="Faktura 10001"),))
    )
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = parse_xml(xml)
    assert etree.QName(root).localname == "Invoice"
    assert xp(root, "cbc:CustomizationID") == [
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
    ]
    assert xp(root, "cbc:ProfileID") == ["urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"]
    assert xp(root, "cbc:InvoiceTypeCode") == ["380"]
    assert xp(root, "cbc:DueDate") == ["2026-01-19"]
    seller_party = "cac:AccountingSupplierParty/cac:Party/"
    assert xp(root, seller_party + "cbc:EndpointID/@schemeID") == ["0192"]
    assert xp(root, seller_party + "cbc:EndpointID") == ["123456785"]
    assert xp(root, seller_party + "cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID") == ["NO123456785MVA"]
    tax_scheme = seller_party + "cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='TAX']/cbc:CompanyID"
    assert xp(root, tax_scheme) == ["Foretaksregisteret"]
    assert xp(root, seller_party + "cac:PartyLegalEntity/cbc:CompanyLegalForm") == ["Foretaksregisteret"]
    assert xp(root, seller_party + "cac:PartyLegalEntity/cbc:CompanyID") == ["123456785"]
    assert xp(root, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID") == ["987654325"]
    assert xp(root, "cac:PaymentMeans/cbc:PaymentMeansCode") == ["30"]
    assert xp(root, "cac:PaymentMeans/cbc:PaymentID") == [KID]
    assert xp(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == ["86011117947"]
    assert xp(root, "cac:TaxTotal/cbc:TaxAmount") == ["1676.11"]
    assert xp(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount") == ["1628.13", "47.98", "0.00", "0.00"]
    assert xp(root, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReason") == [
        "Unntatt etter merverdiavgiftsloven § 3-2"
    ]
    assert xp(root, "cac:LegalMonetaryTotal/*") == [
        "7012.29",
        "7112.29",
        "8788.40",
        "50.00",
        "150.00",
        "-0.40",
        "8788.00",
    ]
    assert xp(root, "cac:InvoiceLine[1]/cac:AllowanceCharge/cbc:MultiplierFactorNumeric") == ["10"]
    assert xp(root, "cac:InvoiceLine[1]/cac:AllowanceCharge/cbc:BaseAmount") == ["7125.00"]
    assert xp(root, "cac:InvoiceLine[1]/cbc:InvoicedQuantity/@unitCode") == ["HUR"]
    embedded = root.xpath(
        "cac:AdditionalDocumentReference/cac:Attachment/cbc:EmbeddedDocumentBinaryObject", namespaces=NS
    )[0]
    assert base64.b64decode(embedded.text) == pdf
    assert (embedded.get("mimeCode"), embedded.get("filename")) == ("application/pdf", "10001.pdf")
    assert_valid(ehf_validator, xml)


def test_credit_note_content(ehf_validator: EhfValidator) -> None:
    xml = build_ehf(credit_note(due_date=credit_note().issue_date))
    root = parse_xml(xml)
    assert etree.QName(root).localname == "CreditNote"
    assert xp(root, "cbc:CreditNoteTypeCode") == ["381"]
    assert xp(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == ["10001"]
    assert xp(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:IssueDate") == ["2026-01-05"]
    assert xp(root, "cac:PaymentMeans/cbc:PaymentDueDate") == ["2026-02-01"]
    assert xp(root, "cac:CreditNoteLine/cbc:CreditedQuantity") == ["2"]
    assert xp(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == ["2375.00"]
    assert not root.xpath("cbc:DueDate", namespaces=NS)
    assert_valid(ehf_validator, xml)


def test_foreign_currency_sepa(ehf_validator: EhfValidator) -> None:
    invoice = mixed_invoice(
        currency="EUR", nok_exchange_rate=D("11.7325"), seller=seller(iban="NO9386011117947", bic="DNBANOKK")
    )
    root = parse_xml(xml := build_ehf(invoice))
    assert xp(root, "cbc:TaxCurrencyCode") == ["NOK"]
    assert xp(root, "cac:TaxTotal/cbc:TaxAmount/@currencyID") == ["EUR", "NOK"]
    assert xp(root, "cac:TaxTotal/cbc:TaxAmount") == ["1676.11", "19664.96"]
    assert xp(root, "cac:PaymentMeans/cbc:PaymentMeansCode") == ["58"]
    assert xp(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == ["NO9386011117947"]
    assert_valid(ehf_validator, xml)


def test_unregistered_seller_and_peppol_endpoint(ehf_validator: EhfValidator) -> None:
    invoice = mixed_invoice(
        seller=seller(mva_registered=False, foretaksregisteret=False),
        buyer=buyer(
            vat_number=None, orgnr=None, peppol_endpoint=PeppolEndpoint(scheme="0088", identifier="7080000000005")
        ),
        lines=(
            InvoiceLine(
                description="Kurs",
                quantity=D(1),
                unit_price=D(500),
                vat=Vat(category="O", exemption_reason="Ikke mva-pliktig"),
            ),
        ),
        allowances_charges=(),
    )
    root = parse_xml(xml := build_ehf(invoice))
    assert not root.xpath("//cac:PartyTaxScheme", namespaces=NS)
    assert xp(root, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID/@schemeID") == ["0088"]
    assert xp(root, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent") == []
    report = ehf_validator.validate(xml)
    assert report.valid
    assert [f.rule_id for f in report.findings] == ["NO-R-002"]  # warning: not in Foretaksregisteret


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"buyer": buyer(orgnr=None)}, "organisation number or a PEPPOL endpoint"),
        ({"buyer_reference": None}, "buyer reference or an order reference"),
        ({"due_date": None}, "due date"),
    ],
)
def test_build_refuses_what_peppol_forbids(changes: dict, message: str) -> None:
    with pytest.raises(EhfBuildError, match=message):
        build_ehf(mixed_invoice(**changes))


def test_order_reference_alone_is_enough(ehf_validator: EhfValidator) -> None:
    assert_valid(ehf_validator, build_ehf(mixed_invoice(buyer_reference=None, order_reference="PO-4711")))


@pytest.mark.parametrize(
    ("path", "value", "rule"),
    [
        ("cac:LegalMonetaryTotal/cbc:PayableAmount", "8789.00", "BR-CO-16"),
        ("cac:TaxTotal/cac:TaxSubtotal[1]/cbc:TaxAmount", "1630.13", "BR-CO-14"),
        ("cac:InvoiceLine[2]/cbc:LineExtensionAmount", "400.80", "BR-CO-10"),
        ("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme[1]/cbc:CompanyID", "NO123456789MVA", "NO-R-001"),
    ],
)
def test_the_validator_catches_tampering(ehf_validator: EhfValidator, path: str, value: str, rule: str) -> None:
    root = parse_xml(build_ehf(mixed_invoice()))
    root.xpath(path, namespaces=NS)[0].text = value
    report = ehf_validator.validate(etree.tostring(root))
    assert rule in {f.rule_id for f in report.fatal}
    assert not report.valid


@settings(
    max_examples=GENERATED_DOCUMENTS,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(invoices())
def test_every_generated_document_is_valid(ehf_validator: EhfValidator, invoice: Invoice) -> None:
    xml = build_ehf(invoice)
    report = ehf_validator.validate(xml)
    assert report.xsd_errors == ()
    assert [f for f in report.findings if f.flag == "fatal"] == []
    assert {f.rule_id for f in report.findings} <= {"NO-R-002"}
    root = parse_xml(xml)
    assert etree.QName(root).localname == ("CreditNote" if invoice.kind == "credit_note" else "Invoice")


def test_intra_community_supply(ehf_validator: EhfValidator) -> None:
    swedish = buyer(
        name="Köpare AB",
        orgnr=None,
        vat_number="SE556677889901",
        address=Address(street="Storgatan 1", postal_zone="11122", city="Stockholm", country="SE"),
        peppol_endpoint=PeppolEndpoint(scheme="0007", identifier="5566778899"),
    )
    invoice = mixed_invoice(
        buyer=swedish,
        delivery_date=date(2026, 1, 4),
        delivery_country="SE",
        allowances_charges=(),
        lines=(
            InvoiceLine(
                description="Maskin",
                quantity=D(1),
                unit_price=D(10000),
                vat=Vat(category="K", exemption_reason_code="VATEX-EU-IC", exemption_reason="Intra-community supply"),
            ),
        ),
    )
    root = parse_xml(xml := build_ehf(invoice))
    assert xp(root, "cac:Delivery/cbc:ActualDeliveryDate") == ["2026-01-04"]
    assert xp(root, "cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode") == ["SE"]
    assert xp(root, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReasonCode") == ["VATEX-EU-IC"]
    assert_valid(ehf_validator, xml)
