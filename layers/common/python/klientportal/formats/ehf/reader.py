"""Read an inbound EHF / PEPPOL BIS Billing 3.0 invoice or credit note into an ExtractedVoucher.

Accepts a bare UBL 2.1 Invoice or CreditNote, or one wrapped in a StandardBusinessDocument (SBDH)
envelope as access points deliver them. Parsing goes through `safe_xml`; values are read exactly
(confidence 1.0), amounts as Decimal. The reader does not judge the document: business rules are
`klientportal.formats.ehf.validation` (schema + Schematron) and `klientportal.vouchers.checks`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from klientportal.errors import ReasonedError
from klientportal.formats.ehf.ubl import DOCUMENT_TYPES, NS_CAC, NS_CBC, SCHEME_NO_ORGNR
from klientportal.formats.safe_xml import DEFAULT_MAX_BYTES, XmlInputError, parse_xml
from klientportal.vouchers.models import (
    DocumentType,
    Extracted,
    ExtractedVoucher,
    Totals,
    VatSubtotal,
    VoucherLine,
    VoucherSource,
)

if TYPE_CHECKING:
    from klientportal.formats.ehf.validation import ValidationReport

SBDH_NS = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
NS = {"cac": NS_CAC, "cbc": NS_CBC, "sh": SBDH_NS}
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_KID = re.compile(r"\d{2,25}")
_NO_VAT = re.compile(r"NO(\d{9})MVA")
_CREDIT_TYPE_CODES = {"381", "396", "532"}


class EhfReadError(ReasonedError, ValueError):
    """The input is not a readable UBL Invoice/CreditNote; `reason` is a stable code.

    Reasons: the safe_xml ones (not-bytes, too-large, dtd-forbidden, not-xml, malformed), and
    sbdh-no-payload, not-ubl-invoice, bad-amount, bad-date.
    """


@dataclass(frozen=True)
class Envelope:
    """The parts of an SBDH envelope worth keeping (PEPPOL participant ids, e.g. 0192:123456785)."""

    sender: str | None
    receiver: str | None
    instance_id: str | None
    document_type: str | None


@dataclass(frozen=True)
class EhfDocument:
    """A parsed UBL document, unwrapped from its envelope when it had one."""

    root: etree._Element
    kind: str
    envelope: Envelope | None

    def payload_bytes(self) -> bytes:
        """The bare UBL document as bytes (what the validator wants)."""
        payload: bytes = etree.tostring(self.root, xml_declaration=True, encoding="UTF-8")
        return payload


def open_ehf(xml: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> EhfDocument:
    """Parse safely, unwrap an SBDH envelope, and require a UBL Invoice or CreditNote root."""
    try:
        root = parse_xml(xml, max_bytes=max_bytes)
    except XmlInputError as exc:
        raise EhfReadError(exc.reason, exc.detail) from exc
    envelope = None
    if root.tag == f"{{{SBDH_NS}}}StandardBusinessDocument":
        envelope = _envelope(root)
        payload = [child for child in root if isinstance(child.tag, str) and not child.tag.startswith(f"{{{SBDH_NS}}}")]
        if len(payload) != 1:
            raise EhfReadError(
                "sbdh-no-payload", f"expected one business document in the envelope, found {len(payload)}"
            )
        root = payload[0]
    kind = DOCUMENT_TYPES.get(root.tag) if isinstance(root.tag, str) else None
    if kind is None:
        raise EhfReadError(
            "not-ubl-invoice", f"root element {etree.QName(root).localname!r} is not a UBL Invoice or CreditNote"
        )
    return EhfDocument(root=root, kind=kind, envelope=envelope)


def read_ehf(xml: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ExtractedVoucher:
    """Read EHF bytes (bare or in SBDH) into an ExtractedVoucher, or raise EhfReadError."""
    return voucher_from_ubl(open_ehf(xml, max_bytes=max_bytes))


def validate_inbound(document: EhfDocument) -> ValidationReport:
    """Validate the unwrapped payload with the EHF validator (schema + CEN/PEPPOL rules)."""
    from klientportal.formats.ehf.validation import validate_ehf

    return validate_ehf(document.payload_bytes())


def voucher_from_ubl(document: EhfDocument) -> ExtractedVoucher:
    """Map a UBL Invoice/CreditNote element tree onto the voucher model."""
    root, kind = document.root, document.kind
    type_code = _text(root, "cbc:InvoiceTypeCode" if kind == "Invoice" else "cbc:CreditNoteTypeCode")
    is_credit = kind == "CreditNote" or type_code in _CREDIT_TYPE_CODES
    currency = _text(root, "cbc:DocumentCurrencyCode")
    supplier = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    buyer = root.find("cac:AccountingCustomerParty/cac:Party", NS)
    payment_id = _first_text(root, "cac:PaymentMeans/cbc:PaymentID")
    kid = payment_id.replace(" ", "") if payment_id else None
    warnings: list[str] = []
    if kid is not None and not _KID.fullmatch(kid):
        warnings.append(f"payment-id-not-kid: PaymentID {payment_id!r} is not a KID")
        kid = None
    due = _date(root, "cbc:DueDate") or _date(root, "cac:PaymentMeans/cbc:PaymentDueDate")
    tax_total = _document_tax_total(root, currency)
    line_tag = "cac:InvoiceLine" if kind == "Invoice" else "cac:CreditNoteLine"
    qty_tag = "cbc:InvoicedQuantity" if kind == "Invoice" else "cbc:CreditedQuantity"
    return ExtractedVoucher(
        source=VoucherSource.EHF,
        document_type=Extracted[DocumentType].exact(DocumentType.CREDIT_NOTE if is_credit else DocumentType.INVOICE),
        type_code=type_code,
        customization_id=_text(root, "cbc:CustomizationID"),
        profile_id=_text(root, "cbc:ProfileID"),
        supplier_name=Extracted[str].exact(_party_name(supplier)),
        supplier_orgnr=Extracted[str].exact(_orgnr(supplier)),
        supplier_vat_id=Extracted[str].exact(_vat_id(supplier)),
        supplier_address=Extracted[str].exact(_address(supplier)),
        buyer_name=Extracted[str].exact(_party_name(buyer)),
        buyer_orgnr=Extracted[str].exact(_orgnr(buyer)),
        invoice_number=Extracted[str].exact(_text(root, "cbc:ID")),
        issue_date=Extracted[date].exact(_date(root, "cbc:IssueDate")),
        due_date=Extracted[date].exact(due),
        currency=Extracted[str].exact(currency),
        kid=Extracted[str].exact(kid),
        bank_account=Extracted[str].exact(_bank_account(root)),
        lines=tuple(_line(line, qty_tag) for line in root.iterfind(line_tag, NS)),
        vat_breakdown=tuple(_vat(sub) for sub in tax_total.iterfind("cac:TaxSubtotal", NS))
        if tax_total is not None
        else (),
        totals=_totals(root, tax_total),
        warnings=tuple(warnings),
    )


def _text(node: etree._Element | None, path: str) -> str | None:
    if node is None:
        return None
    found = node.find(path, NS)
    if found is None or found.text is None:
        return None
    return " ".join(found.text.split()) or None


def _first_text(node: etree._Element, path: str) -> str | None:
    for found in node.iterfind(path, NS):
        text: str | None = found.text
        if text and text.strip():
            return text.strip()
    return None


def _decimal(text: str | None, where: str) -> Decimal | None:
    if text is None:
        return None
    cleaned = text.strip()
    if len(cleaned) > 40 or not _DECIMAL.fullmatch(cleaned):
        raise EhfReadError("bad-amount", f"{where}: {cleaned[:40]!r} is not a decimal number")
    return Decimal(cleaned)


def _amount(node: etree._Element | None, path: str) -> Decimal | None:
    return _decimal(_text(node, path), path)


def _date(node: etree._Element, path: str) -> date | None:
    text = _text(node, path)
    if text is None:
        return None
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError as exc:
        raise EhfReadError("bad-date", f"{path}: {text[:40]!r} is not a YYYY-MM-DD date") from exc


def _party_name(party: etree._Element | None) -> str | None:
    return _text(party, "cac:PartyLegalEntity/cbc:RegistrationName") or _text(party, "cac:PartyName/cbc:Name")


def _digits(text: str | None) -> str | None:
    return text.replace(" ", "") if text else None


def _orgnr(party: etree._Element | None) -> str | None:
    """Norwegian organisation number: EndpointID 0192, legal entity, identification, then MVA id."""
    if party is None:
        return None
    for path in ("cbc:EndpointID", "cac:PartyLegalEntity/cbc:CompanyID", "cac:PartyIdentification/cbc:ID"):
        for node in party.iterfind(path, NS):
            if node.get("schemeID") == SCHEME_NO_ORGNR and node.text and node.text.strip():
                return _digits(node.text.strip())
    vat = _vat_id(party)
    match = _NO_VAT.fullmatch(vat.replace(" ", "")) if vat else None
    if match:
        return match.group(1)
    legal = _text(party, "cac:PartyLegalEntity/cbc:CompanyID")
    country = _text(party, "cac:PostalAddress/cac:Country/cbc:IdentificationCode")
    if legal and country == "NO" and re.fullmatch(r"\d{9}", legal.replace(" ", "")):
        return legal.replace(" ", "")
    return None


def _vat_id(party: etree._Element | None) -> str | None:
    if party is None:
        return None
    for scheme in party.iterfind("cac:PartyTaxScheme", NS):
        if _text(scheme, "cac:TaxScheme/cbc:ID") == "VAT":
            return _text(scheme, "cbc:CompanyID")
    return None


def _address(party: etree._Element | None) -> str | None:
    if party is None:
        return None
    address = party.find("cac:PostalAddress", NS)
    if address is None:
        return None
    parts = [
        _text(address, path)
        for path in (
            "cbc:StreetName",
            "cbc:AdditionalStreetName",
            "cbc:PostalZone",
            "cbc:CityName",
            "cac:Country/cbc:IdentificationCode",
        )
    ]
    return ", ".join(part for part in parts if part) or None


def _bank_account(root: etree._Element) -> str | None:
    account = _first_text(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID")
    return account.replace(" ", "") if account else None


def _document_tax_total(root: etree._Element, currency: str | None) -> etree._Element | None:
    """The TaxTotal in document currency (a second one may carry VAT in accounting currency)."""
    totals = list(root.iterfind("cac:TaxTotal", NS))
    for total in totals:
        amount = total.find("cbc:TaxAmount", NS)
        if amount is not None and currency and amount.get("currencyID") == currency:
            return total
    with_subtotals = [total for total in totals if total.find("cac:TaxSubtotal", NS) is not None]
    return (with_subtotals or totals or [None])[0]


def _vat(subtotal: etree._Element) -> VatSubtotal:
    return VatSubtotal(
        category=_text(subtotal, "cac:TaxCategory/cbc:ID"),
        rate=_amount(subtotal, "cac:TaxCategory/cbc:Percent"),
        taxable_amount=_amount(subtotal, "cbc:TaxableAmount") or Decimal(0),
        tax_amount=_amount(subtotal, "cbc:TaxAmount") or Decimal(0),
    )


def _line(line: etree._Element, qty_tag: str) -> VoucherLine:
    quantity = line.find(qty_tag, NS)
    category = "cac:Item/cac:ClassifiedTaxCategory"
    return VoucherLine(
        description=Extracted[str].exact(_text(line, "cac:Item/cbc:Name") or _text(line, "cac:Item/cbc:Description")),
        quantity=Extracted[Decimal].exact(_amount(line, qty_tag)),
        unit_code=quantity.get("unitCode") if quantity is not None else None,
        unit_price=Extracted[Decimal].exact(_amount(line, "cac:Price/cbc:PriceAmount")),
        base_quantity=_amount(line, "cac:Price/cbc:BaseQuantity"),
        net_amount=Extracted[Decimal].exact(_amount(line, "cbc:LineExtensionAmount")),
        vat_category=Extracted[str].exact(_text(line, f"{category}/cbc:ID")),
        vat_rate=Extracted[Decimal].exact(_amount(line, f"{category}/cbc:Percent")),
    )


def _totals(root: etree._Element, tax_total: etree._Element | None) -> Totals:
    monetary = root.find("cac:LegalMonetaryTotal", NS)

    def money(name: str) -> Extracted[Decimal]:
        return Extracted[Decimal].exact(_amount(monetary, f"cbc:{name}"))

    return Totals(
        line_extension=money("LineExtensionAmount"),
        allowance_total=money("AllowanceTotalAmount"),
        charge_total=money("ChargeTotalAmount"),
        tax_exclusive=money("TaxExclusiveAmount"),
        tax=Extracted[Decimal].exact(_amount(tax_total, "cbc:TaxAmount")),
        tax_inclusive=money("TaxInclusiveAmount"),
        prepaid=money("PrepaidAmount"),
        rounding=money("PayableRoundingAmount"),
        payable=money("PayableAmount"),
    )


def _envelope(root: etree._Element) -> Envelope:
    header = root.find("sh:StandardBusinessDocumentHeader", NS)
    return Envelope(
        sender=_text(header, "sh:Sender/sh:Identifier"),
        receiver=_text(header, "sh:Receiver/sh:Identifier"),
        instance_id=_text(header, "sh:DocumentIdentification/sh:InstanceIdentifier"),
        document_type=_text(header, "sh:DocumentIdentification/sh:Type"),
    )


def main(argv: list[str] | None = None) -> int:
    """`klientportal ehf read FILE [--validate]`: print the extracted voucher and checks as JSON."""
    from klientportal.vouchers.checks import run_checks

    parser = argparse.ArgumentParser(prog="klientportal ehf read", description=main.__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--validate", action="store_true", help="also run the EHF validator (schema + rules)")
    args = parser.parse_args(argv)
    try:
        document = open_ehf(args.file.read_bytes())
        voucher = voucher_from_ubl(document)
    except (OSError, EhfReadError) as exc:
        reason = getattr(exc, "reason", "unreadable-file")
        print(json.dumps({"error": reason, "detail": str(exc)}), file=sys.stderr)
        return 1
    output: dict[str, object] = {
        "envelope": asdict(document.envelope) if document.envelope else None,
        "voucher": voucher.model_dump(mode="json"),
        "checks": [check.as_dict() for check in run_checks(voucher)],
    }
    if args.validate:
        report = validate_inbound(document)
        output["validation"] = {
            "valid": report.valid,
            "xsd_errors": list(report.xsd_errors),
            "findings": [asdict(finding) for finding in report.findings],
        }
    print(json.dumps(output, indent=2, ensure_ascii=False))
    return 0
