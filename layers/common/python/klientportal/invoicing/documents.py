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
from klientportal.invoicing.calc import Calculation, calculate, line_amounts
from klientportal.invoicing.delivery import peppol_id_of
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

#: Document fields of a draft kept as the user gave them (beside customer, lines, allowances/charges
#: and attachments); `domain_invoice` maps them.
DRAFT_FIELDS = (
    "buyer_reference",
    "order_reference",
    "note",
    "due_days",
    "channel",
    "currency",
    "nok_exchange_rate",
    "period",
    "prepaid_amount",
    "round_payable_to_krone",
)
#: What a credit note takes over from the invoice it credits: currency, rate, period, and the
#: rounding, so that a full credit note credits exactly the rounded payable amount.
CREDITED_FIELDS = ("currency", "nok_exchange_rate", "period", "round_payable_to_krone")
_EXEMPTION_FIELDS = ("exemption_reason", "exemption_reason_code")


def vat_for(code: str, mva_registered: bool, field: str = "vat_code", given: dict[str, Any] | None = None) -> m.Vat:
    """The VAT treatment of a SAF-T output code; every line of a seller not registered for VAT is O.
    `given` may carry `exemption_reason` / `exemption_reason_code` that replace the code's default
    text / VATEX code (only for a category that takes a reason: E, AE, G, O)."""
    if not mva_registered:
        treatment = dict(_NOT_REGISTERED)
    else:
        known = get_vat_code(code)
        if known is None or not known.is_output:
            raise InvalidInput(f"{code} is not an output VAT code", [FieldError(field, "not an output VAT code")])
        if code not in VAT_TREATMENT:
            raise InvalidInput(
                f"VAT code {code} cannot be invoiced here (no EHF treatment)",
                [FieldError(field, "not supported on outgoing invoices")],
            )
        treatment = dict(VAT_TREATMENT[code])
    overrides = {k: given[k] for k in _EXEMPTION_FIELDS if given and given.get(k)}
    prefix = field.rsplit(".", 1)[0] + "." if "." in field else ""
    if overrides and m.VatCategory(treatment["category"]) not in m.NEEDS_EXEMPTION_REASON:
        raise InvalidInput(
            f"VAT code {code} (category {treatment['category']}) takes no exemption reason",
            [FieldError(prefix + k, "only for exempt, reverse-charge or export lines") for k in overrides],
        )
    try:
        return m.Vat(**{**treatment, **overrides})
    except ValidationError as exc:
        errors = [FieldError(prefix + "exemption_reason_code", e["msg"]) for e in exc.errors(include_url=False)]
        raise InvalidInput("the VAT exemption is not valid: " + "; ".join(e.message for e in errors), errors) from exc


def seller_of(settings: InvoiceSettings, client_name: str, orgnr: str) -> m.Seller:
    a = settings.address
    return m.Seller(
        name=settings.seller_name or client_name,
        orgnr=orgnr,
        mva_registered=settings.mva_registered,
        foretaksregisteret=settings.foretaksregisteret,
        address=m.Address(street=a.street, postal_zone=a.postal_code, city=a.city, country=a.country),
        bank_account=settings.bank_account,
        iban=settings.iban,
        bic=settings.bic,
        email=settings.email,
        phone=settings.phone,
    )


def buyer_of(customer: dict[str, Any]) -> m.Buyer:
    """The buyer from a stored customer (registers.Customer JSON)."""
    address = customer.get("address") or {}
    endpoint = None
    peppol = peppol_id_of(customer)
    if peppol:
        scheme, identifier = peppol.split(":", 1)
        endpoint = m.PeppolEndpoint(scheme=scheme, identifier=identifier)
    return m.Buyer(
        name=customer["name"],
        orgnr=customer.get("orgnr"),
        address=m.Address(
            street=address.get("street"),
            postal_zone=address.get("postal_code"),
            city=address.get("city"),
            country=address.get("country", "NO"),
        ),
        email=customer.get("email"),
        peppol_endpoint=endpoint,
    )


def _decimal(value: Any) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


def _period(value: dict[str, Any] | None) -> m.Period | None:
    if not value:
        return None
    return m.Period(
        start=date.fromisoformat(value["start"]) if value.get("start") else None,
        end=date.fromisoformat(value["end"]) if value.get("end") else None,
    )


def domain_lines(lines: list[dict[str, Any]], mva_registered: bool) -> tuple[m.InvoiceLine, ...]:
    out = []
    for i, line in enumerate(lines):
        out.append(
            m.InvoiceLine(
                description=line["description"],
                quantity=Decimal(line["quantity"]),
                unit_code=line.get("unit_code") or "EA",
                unit_price=Decimal(line["unit_price"]),
                gross_price=_decimal(line.get("gross_price")),
                base_quantity=_decimal(line.get("base_quantity")),
                vat=vat_for(line["vat_code"], mva_registered, f"lines.{i}.vat_code", line),
                discount_amount=Decimal(line["discount_amount"]) if line.get("discount_amount") else None,
                discount_percent=Decimal(line["discount_percent"]) if line.get("discount_percent") else None,
                allowances_charges=tuple(
                    m.LineAllowanceCharge(
                        is_charge=ac["is_charge"],
                        amount=_decimal(ac.get("amount")),
                        percent=_decimal(ac.get("percent")),
                        reason=ac["reason"],
                        reason_code=ac.get("reason_code"),
                    )
                    for ac in line.get("allowances_charges") or []
                ),
                period=_period(line.get("period")),
            )
        )
    return tuple(out)


def domain_allowances_charges(
    items: list[dict[str, Any]], lines: tuple[m.InvoiceLine, ...], mva_registered: bool
) -> tuple[m.AllowanceCharge, ...]:
    """Document allowances/charges. A percent without `base_amount` is a percent of the net amounts of
    the lines with the same VAT treatment (category and rate) as the allowance/charge."""
    out = []
    for i, ac in enumerate(items):
        vat = vat_for(ac.get("vat_code") or "3", mva_registered, f"allowances_charges.{i}.vat_code", ac)
        base = _decimal(ac.get("base_amount"))
        if ac.get("percent") is not None and base is None:
            base = sum((line_amounts(x).net for x in lines if x.vat.key == vat.key), Decimal(0))
            if base <= 0:
                raise InvalidInput(
                    "a percent allowance/charge needs lines with its VAT code, or a base_amount",
                    [FieldError(f"allowances_charges.{i}.base_amount", "no positive line amount with this VAT code")],
                )
        out.append(
            m.AllowanceCharge.model_validate(
                {  # a percent's amount is filled in by the model
                    "is_charge": ac["is_charge"],
                    "amount": _decimal(ac.get("amount")),
                    "percent": _decimal(ac.get("percent")),
                    "base_amount": base,
                    "reason": ac["reason"],
                    "reason_code": ac.get("reason_code"),
                    "vat": vat,
                }
            )
        )
    return tuple(out)


def domain_invoice(
    draft: dict[str, Any],
    *,
    number: str,
    issue_date: date,
    due_date: date | None,
    kid: str | None,
    seller: m.Seller,
    buyer: m.Buyer,
) -> m.Invoice:
    """The validated domain invoice (or credit note) of a draft; InvalidInput when the model refuses."""
    credit = draft["kind"] == "credit_note"
    try:
        lines = domain_lines(draft["lines"], seller.mva_registered)
        invoice = m.Invoice(
            kind=m.DocumentKind.CREDIT_NOTE if credit else m.DocumentKind.INVOICE,
            number=number,
            issue_date=issue_date,
            due_date=due_date,
            seller=seller,
            buyer=buyer,
            lines=lines,
            allowances_charges=domain_allowances_charges(
                draft.get("allowances_charges") or [], lines, seller.mva_registered
            ),
            kid=None if credit else kid,
            buyer_reference=draft.get("buyer_reference")
            or (None if draft.get("order_reference") else str(draft["customer_number"])),
            order_reference=draft.get("order_reference"),
            note=draft.get("note"),
            credited_invoice_number=draft.get("credited_invoice_number") if credit else None,
            credited_invoice_date=date.fromisoformat(draft["credited_invoice_date"])
            if credit and draft.get("credited_invoice_date")
            else None,
            currency=draft.get("currency") or "NOK",
            nok_exchange_rate=_decimal(draft.get("nok_exchange_rate")),
            period=_period(draft.get("period")),
            prepaid_amount=_decimal(draft.get("prepaid_amount")) or Decimal(0),
            round_payable_to_krone=bool(draft.get("round_payable_to_krone")),
        )
    except ValidationError as exc:
        errors = [
            FieldError(".".join(str(p) for p in e["loc"]) or "invoice", e["msg"])
            for e in exc.errors(include_input=False, include_url=False)
        ]
        raise InvalidInput(
            "the invoice is not valid: " + "; ".join(f"{e.field}: {e.message}" for e in errors), errors
        ) from exc
    totals = calculate(invoice).totals
    if totals.prepaid > 0 and totals.prepaid > totals.tax_inclusive:  # a negative draft without prepaid: 0161
        raise InvalidInput(
            f"the prepaid amount ({totals.prepaid}) exceeds the invoice total ({totals.tax_inclusive})",
            [FieldError("prepaid_amount", "more than the total including VAT")],
        )
    return invoice


def summary(calc: Calculation) -> dict[str, Any]:
    """Totals and the VAT breakdown as JSON strings (never floats)."""
    t = calc.totals
    return {
        "totals": {
            "line_extension": str(t.line_extension),
            "allowance_total": str(t.allowance_total),
            "charge_total": str(t.charge_total),
            "tax_exclusive": str(t.tax_exclusive),
            "vat": str(t.tax),
            "tax_inclusive": str(t.tax_inclusive),
            "prepaid": str(t.prepaid),
            "rounding": str(t.rounding),
            "payable": str(t.payable),
            **({"vat_nok": str(t.tax_in_nok)} if t.tax_in_nok is not None else {}),
        },
        "vat": [
            {"category": str(g.category), "rate": str(g.rate), "taxable": str(g.taxable), "vat": str(g.tax)}
            for g in calc.vat
        ],
    }


def document_of(stored: dict[str, Any]) -> m.Invoice:
    """The frozen domain invoice of an issued invoice."""
    return m.Invoice.model_validate(stored["document"])


def calculate_document(invoice: m.Invoice) -> Calculation:
    return calculate(invoice)
