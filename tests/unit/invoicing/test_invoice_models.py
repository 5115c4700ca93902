"""The invoice model refuses what could not become a valid EHF or a lawful invoice."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest
from pydantic import ValidationError

from klientportal.invoicing.models import AllowanceCharge, DocumentKind, InvoiceLine, Vat, VatCategory
from tests.unit.invoicing.invoice_samples import S25, E, buyer, credit_note, mixed_invoice, seller


def line(**changes: Any) -> InvoiceLine:
    data: dict[str, Any] = dict(description="Timer", quantity=D(1), unit_price=D(100), vat=S25)
    return InvoiceLine(**(data | changes))


def test_the_samples_are_valid() -> None:
    assert mixed_invoice().kind is DocumentKind.INVOICE
    assert credit_note().kind is DocumentKind.CREDIT_NOTE


@pytest.mark.parametrize("field", ["quantity", "unit_price"])
def test_float_is_refused(field: str) -> None:
    with pytest.raises(ValidationError, match="never float"):
        line(**{field: 1.5})


@pytest.mark.parametrize(
    "changes",
    [
        {"unit_price": D("1.00001")},
        {"unit_price": D(-1)},
        {"quantity": D(0)},
        {"discount_amount": D("10.001")},
        {"discount_amount": D(101)},
        {"discount_amount": D(1), "discount_percent": D(1)},
        {"discount_percent": D(101)},
        {"quantity": D(-1), "discount_percent": D(10)},
        {"description": "   "},
        {"description": "bell\x07"},
        {"unit_code": "hours"},
        {"colour": "red"},
        {"unit_price": D("NaN")},
    ],
)
def test_bad_lines(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        line(**changes)


@pytest.mark.parametrize(
    "vat",
    [
        {"category": "S", "rate": 20},
        {"category": "S", "rate": 25, "exemption_reason": "no"},
        {"category": "Z", "rate": 25},
        {"category": "E"},
        {"category": "AE", "rate": 0},
        {"category": "G", "exemption_reason_code": "EXPORT"},
        {"category": "X"},
    ],
)
def test_bad_vat(vat: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Vat(**vat)


def test_exemption_reason_code_alone_is_enough() -> None:
    assert Vat(category="G", exemption_reason_code="VATEX-EU-G").exemption_reason is None


def test_identifiers_are_checked() -> None:
    with pytest.raises(ValidationError):
        seller(orgnr="123456789")
    with pytest.raises(ValidationError):
        seller(bank_account="86011117948")
    with pytest.raises(ValidationError):
        seller(iban="NO9386011117948")
    with pytest.raises(ValidationError):
        mixed_invoice(kid="1234567890")


def test_seller_not_registered_for_vat_invoices_outside_scope_only() -> None:
    outside = Vat(category="O", exemption_reason="Ikke mva-pliktig")
    unregistered = seller(mva_registered=False, foretaksregisteret=False)
    with pytest.raises(ValidationError, match="category O only"):
        mixed_invoice(seller=unregistered)
    with pytest.raises(ValidationError, match="not registered for VAT"):
        mixed_invoice(lines=(line(vat=outside),), allowances_charges=())
    with pytest.raises(ValidationError, match="no buyer VAT number"):
        mixed_invoice(seller=unregistered, lines=(line(vat=outside),), allowances_charges=())
    ok = mixed_invoice(
        seller=unregistered, buyer=buyer(vat_number=None), lines=(line(vat=outside),), allowances_charges=()
    )
    assert ok.seller.mva_number is None


def test_one_exemption_reason_per_category() -> None:
    other = Vat(category="E", exemption_reason="Annen grunn")
    with pytest.raises(ValidationError, match="share one exemption reason"):
        mixed_invoice(lines=(line(vat=E), line(vat=other)), allowances_charges=())
    with pytest.raises(ValidationError, match="share one exemption reason"):
        mixed_invoice(allowances_charges=(AllowanceCharge(is_charge=True, amount=D(1), reason="Gebyr", vat=other),))


def test_reverse_charge_and_intra_community_need_buyer_identification() -> None:
    reverse = Vat(category=VatCategory.REVERSE_CHARGE, exemption_reason="Omvendt avgiftsplikt")
    with pytest.raises(ValidationError, match="reverse charge"):
        mixed_invoice(buyer=buyer(orgnr=None, vat_number=None), lines=(line(vat=reverse),), allowances_charges=())
    intra = Vat(category=VatCategory.INTRA_COMMUNITY, exemption_reason_code="VATEX-EU-IC")
    with pytest.raises(ValidationError, match="category K"):
        mixed_invoice(lines=(line(vat=intra),), allowances_charges=())


def test_document_rules() -> None:
    with pytest.raises(ValidationError, match="due date"):
        mixed_invoice(due_date=mixed_invoice().issue_date.replace(year=2025))
    with pytest.raises(ValidationError, match="must name the invoice"):
        credit_note(credited_invoice_number=None, credited_invoice_date=None)
    with pytest.raises(ValidationError, match="only a credit note"):
        mixed_invoice(credited_invoice_number="1")
    with pytest.raises(ValidationError, match="nok_exchange_rate"):
        mixed_invoice(currency="EUR")
    with pytest.raises(ValidationError, match="only for invoices in a foreign"):
        mixed_invoice(nok_exchange_rate=D("11.5"))
    with pytest.raises(ValidationError):
        mixed_invoice(lines=())
    with pytest.raises(ValidationError):
        mixed_invoice(prepaid_amount=D("0.001"))


def test_models_are_frozen() -> None:
    invoice = mixed_invoice()
    with pytest.raises(ValidationError):
        invoice.number = "2"  # type: ignore[misc]
