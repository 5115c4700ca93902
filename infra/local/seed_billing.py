"""Demo billing: the platform's price list (net) and the bureau's own (gross, a price agreed with
Fjordkaffe), the bureau's own company as a client that invoices (the seller of re-invoices, with
the demo clients as its customers), and the clients' agreements: Fjordkaffe (since January) and
Hansen Bygg (since June) re-invoiced, Lakk & Lim on Byrålisens since March; a platform operator
(drift@klientportal.no). Through the billing service the API uses."""

from __future__ import annotations

from datetime import date

from klientportal.billing.agreements import AgreementTerms
from klientportal.billing.prices import PriceListVersion
from klientportal.bootstrap import Invocation
from klientportal.invoicing.settings import InvoiceSettings
from klientportal.registers.service import REGISTERS, RegisterService
from klientportal.repository import keys
from klientportal.repository.store import SYSTEM
from klientportal.tenancy.models import ClientCreate, Module, Tier

OWN_COMPANY = "c-tallbalanse"
PLATFORM_OPERATOR = ("drift@klientportal.no", "Drift Klientportal")  # writes the platform's price list (0713)
BUREAU_ID, FJORD, BYGG, LAKK = "b-demo", "c-fjordkaffe", "c-hansenbygg", "c-lakkoglim"
PRICES_FROM = "2026-01-01"

PLATFORM_PRICES = {
    "valid_from": PRICES_FROM,
    "prices": {
        "transactions": {
            "ehf_sent": "0.90",
            "ehf_received": "0.60",
            "print_letter": "9.50",
            "ocr_interpretation": "1.20",
            "bank_file": "2.00",
            "bank_transaction": "0.15",
            "payment_batch": "1.50",
            "payment_line": "0.40",
            "payslip": "6.00",
            "a_melding": "15.00",
        },
        "portal_client_month": "79.00",
        "byraklient_company_month": "120.00",
        "byraklient_user_month": "35.00",
        "modules": {"payroll": "25.00", "projects": "15.00"},
        "byralisens_system_price": "4800.00",
        "byralisens_maintenance_year": "1200.00",
        "byralisens_direct_system_price": "7900.00",
    },
}
BUREAU_PRICES = {
    "valid_from": PRICES_FROM,
    "prices": {
        "transactions": {
            "ehf_sent": "1.50",
            "ehf_received": "1.00",
            "print_letter": "14.00",
            "email_invoice": "0.50",
            "ocr_interpretation": "2.00",
            "bank_file": "3.00",
            "bank_transaction": "0.25",
            "payment_batch": "2.50",
            "payment_line": "0.75",
            "payslip": "12.00",
            "a_melding": "25.00",
        },
        "portal_client_month": "129.00",
        "byraklient_company_month": "199.00",
        "byraklient_user_month": "59.00",
        "modules": {"payroll": "45.00", "projects": "29.00"},
        "byralisens_system_price": "6500.00",
        "byralisens_maintenance_year": "1800.00",
        "byralisens_direct_system_price": "9900.00",
    },
    "clients": {FJORD: {"transactions": {"ehf_sent": "1.20"}, "portal_client_month": "99.00"}},
}
OWN_SETTINGS = {
    "address": {"street": "Kongens gate 5", "postal_code": "7011", "city": "Trondheim"},
    "bank_account": "12345678903",
    "email": "faktura@byraet.no",
    "kid": {"algorithm": "MOD11", "length": 8, "composition": "invoice"},
    "due_days": 14,
    "next_number_start": 5001,
}
OWN_CUSTOMERS = (
    {
        "customer_number": 1,
        "name": "Fjordkaffe AS",
        "orgnr": "912345610",
        "email": "daglig@fjordkaffe.no",
        "delivery_channel": "email",
        "address": {"street": "Bryggen 1", "postal_code": "5003", "city": "Bergen"},
    },
    {
        "customer_number": 2,
        "name": "Byggmester Hansen AS",
        "orgnr": "912345629",
        "email": "post@hansenbygg.no",
        "delivery_channel": "email",
        "address": {"street": "Verkstedveien 12", "postal_code": "7041", "city": "Trondheim"},
    },
    {
        "customer_number": 3,
        "name": "Lakk & Lim AS",
        "orgnr": "912345637",
        "email": "eier@lakkoglim.no",
        "delivery_channel": "email",
        "address": {"street": "Lakkveien 3", "postal_code": "0150", "city": "Oslo"},
    },
)
AGREEMENTS = {
    FJORD: AgreementTerms(starts=date(2026, 1, 1), re_invoice=True, customer_number=1),
    BYGG: AgreementTerms(starts=date(2026, 6, 1), re_invoice=True, customer_number=2),
    LAKK: AgreementTerms(starts=date(2026, 3, 1), re_invoice=False),
}


def seed_billing(services: Invocation) -> None:
    """Price lists, the bureau's own company with its customers, settings and agreements."""
    billing = services.billing()
    services.tenancy.add_platform_operator(*PLATFORM_OPERATOR, SYSTEM)
    billing.add_version(keys.PLATFORM_BILLING_PK, PriceListVersion.model_validate(PLATFORM_PRICES), SYSTEM)
    billing.add_version(keys.bureau_pk(BUREAU_ID), PriceListVersion.model_validate(BUREAU_PRICES), SYSTEM)
    services.tenancy.create_client(
        BUREAU_ID,
        ClientCreate(
            name="Tall & Balanse Regnskap AS", orgnr="912345602", tier=Tier.PORTAL, modules=[Module.INVOICING]
        ),
        SYSTEM,
        client_id=OWN_COMPANY,
    )
    services.invoices(OWN_COMPANY).put_settings(InvoiceSettings.model_validate(OWN_SETTINGS), None, SYSTEM)
    registers, spec = RegisterService(services.store, OWN_COMPANY), REGISTERS["customers"]
    for customer in OWN_CUSTOMERS:
        registers.create(spec, spec.create.model_validate(customer), SYSTEM)
    billing.put_settings(BUREAU_ID, OWN_COMPANY, None, SYSTEM)
    for client_id, terms in AGREEMENTS.items():
        billing.put_terms(client_id, terms, SYSTEM)
