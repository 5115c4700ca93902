"""Write an invoice or credit note as EHF: PEPPOL BIS Billing 3.0 UBL 2.1 XML.

Elements follow the UBL 2.1 schema order. Amounts come from `invoicing.calc`, so the XML carries
exactly the totals the PDF shows. Norwegian specifics: orgnr as EndpointID/CompanyID with scheme
0192, VAT number NO<orgnr>MVA, "Foretaksregisteret" both as the TAX scheme entry NO-R-002 checks
and as CompanyLegalForm (docs/decisions/0102-ehf-foretaksregisteret.md), KID as PaymentID.
"""
from __future__ import annotations

import base64
from decimal import Decimal

from lxml import etree

from klientportal.formats.ehf.ubl import (
    CREDIT_NOTE_TYPE_CODE,
    CUSTOMIZATION_ID,
    DISCOUNT_REASON_CODE,
    FORETAKSREGISTERET,
    INVOICE_TYPE_CODE,
    NS_CAC,
    NS_CBC,
    NS_CREDIT_NOTE,
    NS_INVOICE,
    PAYMENT_MEANS_CREDIT_TRANSFER,
    PAYMENT_MEANS_SEPA_CREDIT_TRANSFER,
    PROFILE_ID,
    SCHEME_NO_ORGNR,
)
from klientportal.invoicing.calc import Calculation, LineAmounts, VatBreakdown, calculate
from klientportal.invoicing.models import (
    Address,
    AllowanceCharge,
    Buyer,
    DocumentKind,
    Invoice,
    PeppolEndpoint,
    Seller,
    Vat,
    VatCategory,
)

_NSMAP = {"cac": NS_CAC, "cbc": NS_CBC}
DISCOUNT_REASON = "Rabatt"


class EhfBuildError(ValueError):
    """The invoice lacks something PEPPOL BIS requires (e.g. the buyer's electronic address)."""


def build_ehf(invoice: Invoice, calculation: Calculation | None = None) -> bytes:
    """The UTF-8 EHF XML of `invoice` (Invoice or CreditNote root after its kind)."""
    _check_sendable(invoice)
    calc = calculation or calculate(invoice)
    credit = invoice.kind is DocumentKind.CREDIT_NOTE
    root = etree.Element(
        f"{{{NS_CREDIT_NOTE}}}CreditNote" if credit else f"{{{NS_INVOICE}}}Invoice",
        nsmap={None: NS_CREDIT_NOTE if credit else NS_INVOICE, **_NSMAP},
    )
    w = _Writer(invoice.currency)
    w.cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    w.cbc(root, "ProfileID", PROFILE_ID)
    w.cbc(root, "ID", invoice.number)
    w.cbc(root, "IssueDate", invoice.issue_date.isoformat())
    if not credit and invoice.due_date:
        w.cbc(root, "DueDate", invoice.due_date.isoformat())
    w.cbc(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode",
          CREDIT_NOTE_TYPE_CODE if credit else INVOICE_TYPE_CODE)
    if invoice.note:
        w.cbc(root, "Note", invoice.note)
    w.cbc(root, "DocumentCurrencyCode", invoice.currency)
    if invoice.nok_exchange_rate is not None:
        w.cbc(root, "TaxCurrencyCode", "NOK")
    if invoice.buyer_reference:
        w.cbc(root, "BuyerReference", invoice.buyer_reference)
    if invoice.order_reference:
        w.cbc(w.cac(root, "OrderReference"), "ID", invoice.order_reference)
    if invoice.credited_invoice_number:
        ref = w.cac(w.cac(root, "BillingReference"), "InvoiceDocumentReference")
        w.cbc(ref, "ID", invoice.credited_invoice_number)
        if invoice.credited_invoice_date:
            w.cbc(ref, "IssueDate", invoice.credited_invoice_date.isoformat())
    _attachments(w, root, invoice)
    _seller(w, w.cac(root, "AccountingSupplierParty"), invoice.seller)
    _buyer(w, w.cac(root, "AccountingCustomerParty"), invoice.buyer)
    _delivery(w, root, invoice)
    _payment_means(w, root, invoice, credit)
    for ac in invoice.allowances_charges:
        _allowance_charge(w, root, ac)
    _tax_totals(w, root, calc)
    _monetary_total(w, root, invoice, calc)
    for index, amounts in enumerate(calc.lines, start=1):
        _line(w, root, index, amounts, credit)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _check_sendable(invoice: Invoice) -> None:
    if invoice.buyer.peppol_endpoint is None and invoice.buyer.orgnr is None:
        raise EhfBuildError("the buyer needs an organisation number or a PEPPOL endpoint")
    if not (invoice.buyer_reference or invoice.order_reference):
        raise EhfBuildError("PEPPOL requires a buyer reference or an order reference")
    if invoice.kind is DocumentKind.INVOICE and invoice.due_date is None:
        raise EhfBuildError("an invoice needs a due date")


class _Writer:
    """Small helpers that append cbc/cac children; amounts get the document currency."""

    def __init__(self, currency: str) -> None:
        self.currency = currency

    @staticmethod
    def cac(parent: etree._Element, name: str) -> etree._Element:
        return etree.SubElement(parent, f"{{{NS_CAC}}}{name}")

    @staticmethod
    def cbc(parent: etree._Element, name: str, text: str, **attrs: str) -> etree._Element:
        element = etree.SubElement(parent, f"{{{NS_CBC}}}{name}", attrs)
        element.text = text
        return element

    def amount(self, parent: etree._Element, name: str, value: Decimal, currency: str | None = None) -> None:
        self.cbc(parent, name, money_text(value), currencyID=currency or self.currency)


def money_text(value: Decimal) -> str:
    """An amount as UBL text with exactly two decimals."""
    return f"{value:.2f}"


def number_text(value: Decimal) -> str:
    """A quantity, rate or price without exponent or trailing zeros."""
    return f"{value.normalize():f}"


def _attachments(w: _Writer, root: etree._Element, invoice: Invoice) -> None:
    for attachment in invoice.attachments:
        ref = w.cac(root, "AdditionalDocumentReference")
        w.cbc(ref, "ID", attachment.filename)
        if attachment.description:
            w.cbc(ref, "DocumentDescription", attachment.description)
        w.cbc(
            w.cac(ref, "Attachment"),
            "EmbeddedDocumentBinaryObject",
            base64.b64encode(attachment.content).decode("ascii"),
            mimeCode=attachment.mime_code,
            filename=attachment.filename,
        )


def _address(w: _Writer, parent: etree._Element, name: str, address: Address) -> None:
    element = w.cac(parent, name)
    for field, tag in (("street", "StreetName"), ("additional_street", "AdditionalStreetName"),
                       ("city", "CityName"), ("postal_zone", "PostalZone")):
        value = getattr(address, field)
        if value:
            w.cbc(element, tag, value)
    w.cbc(w.cac(element, "Country"), "IdentificationCode", address.country)


def _tax_scheme(w: _Writer, parent: etree._Element, company_id: str, scheme: str) -> None:
    element = w.cac(parent, "PartyTaxScheme")
    w.cbc(element, "CompanyID", company_id)
    w.cbc(w.cac(element, "TaxScheme"), "ID", scheme)


def _seller(w: _Writer, parent: etree._Element, seller: Seller) -> None:
    party = w.cac(parent, "Party")
    w.cbc(party, "EndpointID", seller.orgnr, schemeID=SCHEME_NO_ORGNR)
    w.cbc(w.cac(party, "PartyName"), "Name", seller.name)
    _address(w, party, "PostalAddress", seller.address)
    if seller.mva_number:
        _tax_scheme(w, party, seller.mva_number, "VAT")
    if seller.foretaksregisteret:
        _tax_scheme(w, party, FORETAKSREGISTERET, "TAX")
    legal = w.cac(party, "PartyLegalEntity")
    w.cbc(legal, "RegistrationName", seller.name)
    w.cbc(legal, "CompanyID", seller.orgnr, schemeID=SCHEME_NO_ORGNR)
    if seller.foretaksregisteret:
        w.cbc(legal, "CompanyLegalForm", FORETAKSREGISTERET)
    if seller.phone or seller.email:
        contact = w.cac(party, "Contact")
        if seller.phone:
            w.cbc(contact, "Telephone", seller.phone)
        if seller.email:
            w.cbc(contact, "ElectronicMail", seller.email)


def _buyer(w: _Writer, parent: etree._Element, buyer: Buyer) -> None:
    party = w.cac(parent, "Party")
    endpoint = buyer.peppol_endpoint or PeppolEndpoint(scheme=SCHEME_NO_ORGNR, identifier=str(buyer.orgnr))
    w.cbc(party, "EndpointID", endpoint.identifier, schemeID=endpoint.scheme)
    w.cbc(w.cac(party, "PartyName"), "Name", buyer.name)
    _address(w, party, "PostalAddress", buyer.address)
    if buyer.vat_number:
        _tax_scheme(w, party, buyer.vat_number, "VAT")
    legal = w.cac(party, "PartyLegalEntity")
    w.cbc(legal, "RegistrationName", buyer.name)
    if buyer.orgnr:
        w.cbc(legal, "CompanyID", buyer.orgnr, schemeID=SCHEME_NO_ORGNR)
    if buyer.email:
        w.cbc(w.cac(party, "Contact"), "ElectronicMail", buyer.email)


def _delivery(w: _Writer, root: etree._Element, invoice: Invoice) -> None:
    if invoice.delivery_date is None and invoice.delivery_country is None:
        return
    delivery = w.cac(root, "Delivery")
    if invoice.delivery_date:
        w.cbc(delivery, "ActualDeliveryDate", invoice.delivery_date.isoformat())
    if invoice.delivery_country:
        location = w.cac(delivery, "DeliveryLocation")
        _address(w, location, "Address", Address(country=invoice.delivery_country))


def _payment_means(w: _Writer, root: etree._Element, invoice: Invoice, credit: bool) -> None:
    seller = invoice.seller
    sepa = invoice.currency != "NOK" and seller.iban is not None
    means = w.cac(root, "PaymentMeans")
    w.cbc(means, "PaymentMeansCode", PAYMENT_MEANS_SEPA_CREDIT_TRANSFER if sepa else PAYMENT_MEANS_CREDIT_TRANSFER)
    if credit and invoice.due_date:
        w.cbc(means, "PaymentDueDate", invoice.due_date.isoformat())
    if invoice.kid:
        w.cbc(means, "PaymentID", invoice.kid)
    account = w.cac(means, "PayeeFinancialAccount")
    w.cbc(account, "ID", seller.iban if sepa and seller.iban else seller.bank_account)
    w.cbc(account, "Name", seller.name)
    if sepa and seller.bic:
        w.cbc(w.cac(account, "FinancialInstitutionBranch"), "ID", seller.bic)


def _tax_category(w: _Writer, parent: etree._Element, name: str, vat: Vat | VatBreakdown,
                  with_reason: bool = False) -> None:
    element = w.cac(parent, name)
    w.cbc(element, "ID", vat.category.value)
    if vat.category is not VatCategory.OUTSIDE_SCOPE:
        w.cbc(element, "Percent", number_text(vat.rate))
    if with_reason and vat.exemption_reason_code:
        w.cbc(element, "TaxExemptionReasonCode", vat.exemption_reason_code)
    if with_reason and vat.exemption_reason:
        w.cbc(element, "TaxExemptionReason", vat.exemption_reason)
    w.cbc(w.cac(element, "TaxScheme"), "ID", "VAT")


def _allowance_charge(w: _Writer, root: etree._Element, ac: AllowanceCharge) -> None:
    element = w.cac(root, "AllowanceCharge")
    w.cbc(element, "ChargeIndicator", "true" if ac.is_charge else "false")
    if ac.reason_code:
        w.cbc(element, "AllowanceChargeReasonCode", ac.reason_code)
    w.cbc(element, "AllowanceChargeReason", ac.reason)
    w.amount(element, "Amount", ac.amount)
    _tax_category(w, element, "TaxCategory", ac.vat)


def _tax_totals(w: _Writer, root: etree._Element, calc: Calculation) -> None:
    total = w.cac(root, "TaxTotal")
    w.amount(total, "TaxAmount", calc.totals.tax)
    for group in calc.vat:
        subtotal = w.cac(total, "TaxSubtotal")
        w.amount(subtotal, "TaxableAmount", group.taxable)
        w.amount(subtotal, "TaxAmount", group.tax)
        _tax_category(w, subtotal, "TaxCategory", group, with_reason=True)
    if calc.totals.tax_in_nok is not None:
        w.amount(w.cac(root, "TaxTotal"), "TaxAmount", calc.totals.tax_in_nok, currency="NOK")


def _monetary_total(w: _Writer, root: etree._Element, invoice: Invoice, calc: Calculation) -> None:
    t = calc.totals
    total = w.cac(root, "LegalMonetaryTotal")
    w.amount(total, "LineExtensionAmount", t.line_extension)
    w.amount(total, "TaxExclusiveAmount", t.tax_exclusive)
    w.amount(total, "TaxInclusiveAmount", t.tax_inclusive)
    if any(not x.is_charge for x in invoice.allowances_charges):
        w.amount(total, "AllowanceTotalAmount", t.allowance_total)
    if any(x.is_charge for x in invoice.allowances_charges):
        w.amount(total, "ChargeTotalAmount", t.charge_total)
    if t.prepaid:
        w.amount(total, "PrepaidAmount", t.prepaid)
    if invoice.round_payable_to_krone:
        w.amount(total, "PayableRoundingAmount", t.rounding)
    w.amount(total, "PayableAmount", t.payable)


def _line(w: _Writer, root: etree._Element, index: int, amounts: LineAmounts, credit: bool) -> None:
    line = amounts.line
    element = w.cac(root, "CreditNoteLine" if credit else "InvoiceLine")
    w.cbc(element, "ID", str(index))
    w.cbc(element, "CreditedQuantity" if credit else "InvoicedQuantity", number_text(line.quantity),
          unitCode=line.unit_code)
    w.amount(element, "LineExtensionAmount", amounts.net)
    if line.has_discount:
        discount = w.cac(element, "AllowanceCharge")
        w.cbc(discount, "ChargeIndicator", "false")
        w.cbc(discount, "AllowanceChargeReasonCode", DISCOUNT_REASON_CODE)
        w.cbc(discount, "AllowanceChargeReason", DISCOUNT_REASON)
        if line.discount_percent is not None:
            w.cbc(discount, "MultiplierFactorNumeric", number_text(line.discount_percent))
        w.amount(discount, "Amount", amounts.discount)
        if line.discount_percent is not None:
            w.amount(discount, "BaseAmount", amounts.gross)
    item = w.cac(element, "Item")
    w.cbc(item, "Name", line.description)
    _tax_category(w, item, "ClassifiedTaxCategory", line.vat)
    w.cbc(w.cac(element, "Price"), "PriceAmount", number_text(line.unit_price), currencyID=w.currency)
