"""Pure mapping from the portal's invoice data to the EN 16931 domain model (`models.Invoice`).

A draft holds lines as the user gave them (from a product or free text, with a SAF-T VAT code);
issuing freezes the seller, the buyer and every line into `document`, the JSON of a validated
`models.Invoice`, which the PDF and the EHF are always made from.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from klientportal.errors import FieldError, InvalidInput
from klientportal.invoicing import models as m
from klientportal.invoicing.calc import Calculation, calculate
from klientportal.invoicing.settings import InvoiceSettings
from klientportal.reference.vat_codes import get_vat_code

#: SAF-T output VAT code → EN 16931 VAT treatment for an MVA-registered seller.
_EXEMPT = {"exemption_reason": "Unntatt fra merverdiavgift"}
VAT_TREATMENT: dict[str, dict[str, Any]] = {
    "3": {"category": "S", "rate": "25"},
    "31": {"category": "S", "rate": "15"},
    "33": {"category": "S", "rate": "12"},
    "5": {"category": "Z", "rate": "0"},
    "51": {"category": "AE", "exemption_reason_code": "VATEX-EU-AE", "exemption_reason": "Omvendt avgiftsplikt"},
    "52": {"category": "G", "exemption_reason_code": "VATEX-EU-G", "exemption_reason": "Eksport av varer og tjenester"},
    "6": {"category": "E", **_EXEMPT},
    "7": {"category": "E", **_EXEMPT},
}
_NOT_REGISTERED = {"category": "O", "exemption_reason": "Ikke merverdiavgiftspliktig"}


def vat_for(code: str, mva_registered: bool, field: str = "vat_code") -> m.Vat:
    """The VAT treatment of a SAF-T output code; every line of a seller not registered for VAT is O."""
    if not mva_registered:
        return m.Vat(**_NOT_REGISTERED)
    known = get_vat_code(code)
    if known is None or not known.is_output:
        raise InvalidInput(f"{code} is not an output VAT code", [FieldError(field, "not an output VAT code")])
    treatment = VAT_TREATMENT.get(code)
    if treatment is None:
        raise InvalidInput(f"VAT code {code} cannot be invoiced here (no EHF treatment)",
                           [FieldError(field, "not supported on outgoing invoices")])
    return m.Vat(**treatment)


def seller_of(settings: InvoiceSettings, client_name: str, orgnr: str) -> m.Seller:
    a = settings.address
    return m.Seller(
        name=settings.seller_name or client_name, orgnr=orgnr, mva_registered=settings.mva_registered,
        foretaksregisteret=settings.foretaksregisteret,
        address=m.Address(street=a.street, postal_zone=a.postal_code, city=a.city, country=a.country),
        bank_account=settings.bank_account, iban=settings.iban, bic=settings.bic, email=settings.email,
        phone=settings.phone)


def buyer_of(customer: dict[str, Any]) -> m.Buyer:
    """The buyer from a stored customer (registers.Customer JSON)."""
    address = customer.get("address") or {}
    endpoint = None
    peppol = customer.get("peppol_id") or (f"0192:{customer['orgnr']}" if customer.get("orgnr") else None)
    if peppol:
        scheme, identifier = peppol.split(":", 1)
        endpoint = m.PeppolEndpoint(scheme=scheme, identifier=identifier)
    return m.Buyer(
        name=customer["name"], orgnr=customer.get("orgnr"),
        address=m.Address(street=address.get("street"), postal_zone=address.get("postal_code"),
                          city=address.get("city"), country=address.get("country", "NO")),
        email=customer.get("email"), peppol_endpoint=endpoint)


def domain_lines(lines: list[dict[str, Any]], mva_registered: bool) -> tuple[m.InvoiceLine, ...]:
    out = []
    for i, line in enumerate(lines):
        out.append(m.InvoiceLine(
            description=line["description"], quantity=Decimal(line["quantity"]),
            unit_code=line.get("unit_code") or "EA", unit_price=Decimal(line["unit_price"]),
            vat=vat_for(line["vat_code"], mva_registered, f"lines.{i}.vat_code"),
            discount_amount=Decimal(line["discount_amount"]) if line.get("discount_amount") else None,
            discount_percent=Decimal(line["discount_percent"]) if line.get("discount_percent") else None))
    return tuple(out)


def domain_invoice(draft: dict[str, Any], *, number: str, issue_date: date, due_date: date | None, kid: str | None,
                   seller: m.Seller, buyer: m.Buyer) -> m.Invoice:
    """The validated domain invoice (or credit note) of a draft; InvalidInput when the model refuses."""
    credit = draft["kind"] == "credit_note"
    try:
        return m.Invoice(
            kind=m.DocumentKind.CREDIT_NOTE if credit else m.DocumentKind.INVOICE,
            number=number, issue_date=issue_date, due_date=due_date, seller=seller, buyer=buyer,
            lines=domain_lines(draft["lines"], seller.mva_registered),
            allowances_charges=tuple(
                m.AllowanceCharge(is_charge=ac["is_charge"], amount=Decimal(ac["amount"]), reason=ac["reason"],
                                  vat=vat_for(ac["vat_code"], seller.mva_registered))
                for ac in draft.get("allowances_charges", [])),
            kid=None if credit else kid,
            buyer_reference=draft.get("buyer_reference") or (
                None if draft.get("order_reference") else str(draft["customer_number"])),
            order_reference=draft.get("order_reference"), note=draft.get("note"),
            credited_invoice_number=draft.get("credited_invoice_number") if credit else None,
            credited_invoice_date=date.fromisoformat(draft["credited_invoice_date"])
            if credit and draft.get("credited_invoice_date") else None,
        )
    except ValidationError as exc:
        errors = [FieldError(".".join(str(p) for p in e["loc"]) or "invoice", e["msg"])
                  for e in exc.errors(include_input=False, include_url=False)]
        raise InvalidInput("the invoice is not valid: " + "; ".join(f"{e.field}: {e.message}" for e in errors),
                           errors) from exc


def summary(calc: Calculation) -> dict[str, Any]:
    """Totals and the VAT breakdown as JSON strings (never floats)."""
    t = calc.totals
    return {
        "totals": {"line_extension": str(t.line_extension), "allowance_total": str(t.allowance_total),
                   "charge_total": str(t.charge_total), "tax_exclusive": str(t.tax_exclusive), "vat": str(t.tax),
                   "tax_inclusive": str(t.tax_inclusive), "payable": str(t.payable)},
        "vat": [{"category": str(g.category), "rate": str(g.rate), "taxable": str(g.taxable), "vat": str(g.tax)}
                for g in calc.vat],
    }


def document_of(stored: dict[str, Any]) -> m.Invoice:
    """The frozen domain invoice of an issued invoice."""
    return m.Invoice.model_validate(stored["document"])


def calculate_document(invoice: m.Invoice) -> Calculation:
    return calculate(invoice)
