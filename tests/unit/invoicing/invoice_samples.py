"""Hand-made invoices with totals worked out by hand (shared by unit and conformance tests)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any

from klientportal.invoicing.calc import calculate
from klientportal.invoicing.documents import summary
from klientportal.invoicing.models import (
    Address,
    AllowanceCharge,
    Attachment,
    Buyer,
    DocumentKind,
    Invoice,
    InvoiceLine,
    LineAllowanceCharge,
    Period,
    Seller,
    Vat,
)

S25 = Vat(category="S", rate=25)
S15 = Vat(category="S", rate=15)
S12 = Vat(category="S", rate=12)
Z = Vat(category="Z")
E = Vat(category="E", exemption_reason="Unntatt etter merverdiavgiftsloven § 3-2")
KID = "1234567897"


def seller(**changes: Any) -> Seller:
    data: dict[str, Any] = dict(
        name="Regnskap Øst AS",
        orgnr="123456785",
        mva_registered=True,
        foretaksregisteret=True,
        address=Address(street="Storgata 1", postal_zone="0155", city="Oslo"),
        bank_account="86011117947",
        email="faktura@regnskap-ost.no",
    )
    return Seller(**(data | changes))


def buyer(**changes: Any) -> Buyer:
    data: dict[str, Any] = dict(
        name="Kunde Ærlig & Søn AS",
        orgnr="987654325",
        vat_number="NO987654325MVA",
        address=Address(street="Bryggen 2", postal_zone="5003", city="Bergen"),
        email="post@kunde.no",
    )
    return Buyer(**(data | changes))


def mixed_invoice(**changes: Any) -> Invoice:
    """Totals by hand:
    line 1: 7.5 h x 950.00 = 7125.00, 10 % discount 712.50 -> 6412.50 (S 25)
    line 2: 2 x 199.90 = 399.80 (S 12); line 3: 100.00 (E); line 4: 3 x 33.33 = 99.99 (Z)
    freight +150.00 and discount -50.00 (S 25): S25 base 6512.50 -> VAT 1628.125 -> 1628.13
    S12 base 399.80 -> VAT 47.976 -> 47.98. Lines 7012.29, excl. VAT 7112.29, VAT 1676.11,
    incl. VAT 8788.40, rounded to whole kroner: 8788.00 (rounding -0.40).
    """
    data: dict[str, Any] = dict(
        number="10001",
        issue_date=date(2026, 1, 5),
        due_date=date(2026, 1, 19),
        seller=seller(),
        buyer=buyer(),
        lines=(
            InvoiceLine(
                description="Regnskapstimer",
                quantity=D("7.5"),
                unit_code="HUR",
                unit_price=D("950.00"),
                vat=S25,
                discount_percent=D(10),
            ),
            InvoiceLine(description="Håndbok i bokføring", quantity=D(2), unit_price=D("199.90"), vat=S12),
            InvoiceLine(description="Kurs (unntatt)", quantity=D(1), unit_price=D("100"), vat=E),
            InvoiceLine(description="Avis", quantity=D(3), unit_price=D("33.33"), vat=Z),
        ),
        allowances_charges=(
            AllowanceCharge(is_charge=True, amount=D("150.00"), reason="Frakt", vat=S25),
            AllowanceCharge(is_charge=False, amount=D("50.00"), reason="Kunderabatt", vat=S25),
        ),
        kid=KID,
        buyer_reference="Ola Nordmann",
        round_payable_to_krone=True,
    )
    return Invoice(**(data | changes))


def credit_note(**changes: Any) -> Invoice:
    """Credits 2 h x 950.00 at 25 %: 1900.00 + VAT 475.00 = 2375.00."""
    data: dict[str, Any] = dict(
        kind=DocumentKind.CREDIT_NOTE,
        number="K-77",
        issue_date=date(2026, 2, 1),
        seller=seller(),
        buyer=buyer(),
        lines=(
            InvoiceLine(
                description="Kreditering av for mange timer", quantity=D(2), unit_code="HUR", unit_price=D(950), vat=S25
            ),
        ),
        buyer_reference="Ola Nordmann",
        credited_invoice_number="10001",
        credited_invoice_date=date(2026, 1, 5),
    )
    return Invoice(**(data | changes))


def shapes_invoice(**changes: Any) -> Invoice:
    """Every EHF shape of ISSUE-8 §3 at once. Totals by hand:
    line 1: 12 x 1 000.00 per 10 (base quantity) = 1200.00; gross price 1 150.00 - price discount 150.00;
            charge 5 % of 1200.00 = 60.00 (FC); allowance 25.00 (100) -> 1235.00 (S 25), period March
    line 2: 1 x 500.00 (E, VATEX-EU-132-1B) -> 500.00
    document allowance 2.5 % of 1235.00 = 30.875 -> 30.88 (95, S 25)
    S25 base 1235.00 - 30.88 = 1204.12 -> VAT 301.03; E base 500.00
    lines 1735.00, excl. VAT 1704.12, VAT 301.03, incl. VAT 2005.15, prepaid 1000.00 -> 1005.15,
    rounded to whole units: 1005.00 (rounding -0.15). In EUR at 11.5 NOK: VAT 3461.845 -> 3461.85 NOK.
    """
    exempt = Vat(category="E", exemption_reason_code="VATEX-EU-132-1B", exemption_reason="Helsetjenester")
    march = Period(start=date(2026, 3, 1), end=date(2026, 3, 31))
    data: dict[str, Any] = dict(
        number="10002",
        issue_date=date(2026, 4, 2),
        due_date=date(2026, 4, 16),
        seller=seller(),
        buyer=buyer(),
        lines=(
            InvoiceLine(
                description="Konsulenttimer",
                quantity=D(12),
                unit_code="HUR",
                unit_price=D(1000),
                gross_price=D(1150),
                base_quantity=D(10),
                vat=S25,
                period=march,
                allowances_charges=(
                    LineAllowanceCharge(is_charge=True, percent=D(5), reason="Reisetillegg", reason_code="FC"),
                    LineAllowanceCharge(is_charge=False, amount=D(25), reason="Avtalerabatt", reason_code="100"),
                ),
            ),
            InvoiceLine(description="Bedriftshelsetjeneste", quantity=D(1), unit_price=D(500), vat=exempt),
        ),
        allowances_charges=(
            AllowanceCharge(
                is_charge=False,
                percent=D("2.5"),
                base_amount=D("1235.00"),
                reason="Kontantrabatt",
                reason_code="95",
                vat=S25,
            ),
        ),
        kid=KID,
        buyer_reference="Ola Nordmann",
        period=Period(start=date(2026, 3, 1), end=date(2026, 3, 31)),
        prepaid_amount=D("1000.00"),
        round_payable_to_krone=True,
        attachments=(
            Attachment(
                filename="timeliste-mars.csv",
                mime_code="text/csv",
                content=b"dato;timer\n",
                description="Timeliste mars",
            ),
        ),
    )
    return Invoice(**(data | changes))


_PERIOD = {"start": "2026-02-01", "end": "2026-02-28"}


def stored_with_every_shape() -> dict:
    """An issued, partly credited, overpaid and reminded invoice as the use cases store it (`document` left
    out, as the API leaves it out)."""
    return {
        "id": "inv-1",
        "kind": "invoice",
        "status": "paid",
        "number": 10001,
        "customer_number": 2,
        "version": 7,
        "created_at": "2026-02-28T10:00:00+01:00",
        "updated_at": "2026-03-20T10:00:00+01:00",
        "lines": [
            {
                "description": "Konsulenttimer",
                "quantity": "12",
                "unit_code": "HUR",
                "unit_price": "1000",
                "gross_price": "1150",
                "base_quantity": "10",
                "vat_code": "3",
                "period": _PERIOD,
                "allowances_charges": [
                    {"is_charge": True, "amount": None, "percent": "5", "reason": "Reisetillegg", "reason_code": "FC"},
                    {
                        "is_charge": False,
                        "amount": "25.00",
                        "percent": None,
                        "reason": "Avtalerabatt",
                        "reason_code": None,
                    },
                ],
            },
            {
                "product_number": "P-7",
                "description": "Bedriftshelsetjeneste",
                "quantity": "1",
                "unit_price": "500",
                "vat_code": "6",
                "income_account": "3100",
                "discount_percent": "10",
                "allowances_charges": [],
                "exemption_reason": "Helsetjenester, mval. § 3-2",
                "exemption_reason_code": "VATEX-EU-132-1B",
            },
        ],
        "allowances_charges": [
            {
                "is_charge": False,
                "amount": None,
                "percent": "2.5",
                "base_amount": None,
                "reason": "Kontantrabatt",
                "reason_code": "95",
                "vat_code": "3",
                "exemption_reason": None,
                "exemption_reason_code": None,
            }
        ],
        "buyer_reference": "Ola",
        "order_reference": "PO-1",
        "note": "Takk",
        "due_days": 14,
        "channel": "ehf",
        "currency": "EUR",
        "nok_exchange_rate": "11.5",
        "period": _PERIOD,
        "prepaid_amount": "1000.00",
        "round_payable_to_krone": True,
        "attachments": [
            {
                "filename": "timeliste.csv",
                "mime_code": "text/csv",
                "description": None,
                "size": 26,
                "sha256": "ab" * 32,
                "key": "clients/c-1/invoices/inv-1/attachments/" + "ab" * 32,
            }
        ],
        **summary(calculate(shapes_invoice(currency="EUR", nok_exchange_rate=D("11.5")))),
        "issue_date": "2026-02-28",
        "due_date": "2026-03-14",
        "kid": "0000200100015",
        "pdf_key": "clients/c-1/invoices/inv-1/faktura-10001.pdf",
        "recipient": {
            "customer_number": 2,
            "name": "Kunde AS",
            "email": "a@kunde.no",
            "orgnr": "974760673",
            "address": {"street": "Gate 1", "postal_code": "0150", "city": "Oslo", "country": "NO"},
            "peppol_id": "0192:974760673",
            "delivery_channel": "ehf",
        },
        "paid_amount": "1105.00",
        "credited_amount": "0.00",
        "overpaid_amount": "100.00",
        "payments": [
            {"payment_id": "b-1", "amount": "1105.00", "paid_on": "2026-03-02", "reference": None, "overpaid": "100.00"}
        ],
        "credit_notes": [{"id": "inv-2", "number": 10002, "amount": "10.00"}],
        "reminders": [
            {
                "seq": 1,
                "kind": "purring",
                "at": "2026-03-01T08:00:00+01:00",
                "date": "2026-03-01",
                "fee": "0.00",
                "interest": "1.20",
                "interest_rate": "12.5",
                "new_due_date": "2026-03-15",
                "channel": "email",
                "legal_source": "inkassoloven § 9",
            }
        ],
        "payment_requests": [{"seq": 1, "at": "2026-03-01T08:00:00+01:00", "to": "a@kunde.no", "status": "sending"}],
        "delivery": {
            "channel": "ehf",
            "attempt": 1,
            "delivery_id": "inv-1-1",
            "status": "delivered",
            "started_at": "2026-02-28T10:01:00+01:00",
            "finished_at": "2026-02-28T10:01:01+01:00",
            "reason": None,
            "reference": "m-1",
            "receipt": "accepted",
            "receipt_at": "2026-02-28T10:02:00+01:00",
        },
        "sent_at": "2026-02-28T10:01:01+01:00",
        "collection": {
            "provider": "svea",
            "status": "closed",
            "case_id": "S-1",
            "started_at": "2026-03-16T08:00:00",
            "history": [{"status": "closed", "at": "2026-03-20T10:00:00", "reason": "paid"}],
        },
    }
