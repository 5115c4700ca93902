"""Demo data for the local stack: one bureau, three clients (one per tier), a user per role; for
the two clients that invoice, invoice settings, customers (one per delivery channel), products and
invoices in each state a newcomer meets first (draft, issued, sent). All through the services the
API uses, so the data is audited and published like the API's own."""

from __future__ import annotations

from dataclasses import dataclass

from infra.local.seed_attestation import seed_attestation
from infra.local.seed_bank import seed_bank
from infra.local.seed_billing import seed_billing
from infra.local.seed_ledger import seed_ledger
from infra.local.seed_payments import seed_payments
from infra.local.seed_payroll import seed_payroll
from infra.local.seed_vouchers import seed_vouchers
from klientportal.bootstrap import Invocation
from klientportal.invoicing.settings import InvoiceSettings
from klientportal.registers.service import REGISTERS, RegisterService
from klientportal.repository.store import SYSTEM
from klientportal.settings import settings as deployment_settings
from klientportal.tenancy.models import (
    BureauLicence,
    ClientCreate,
    ClientLicenceUpdate,
    Module,
    Role,
    Tier,
)
from klientportal.tenancy.service import TenancyService

BUREAU_ID = "b-demo"
FJORD, BYGG, LAKK = "c-fjordkaffe", "c-hansenbygg", "c-lakkoglim"


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    role: Role
    scope_id: str
    modules: tuple[Module, ...] = ()
    assigned: tuple[str, ...] | None = None

    @property
    def describes(self) -> str:
        where = "bureau" if self.role in (Role.BUREAU_ADMIN, Role.BUREAU_ACCOUNTANT) else self.scope_id
        extra = f" modules={','.join(self.modules)}" if self.modules else ""
        extra += f" clients={','.join(self.assigned)}" if self.assigned else ""
        return f"{self.role:<18} {where:<14}{extra}"


ADMIN = DemoUser("admin@byraet.no", "Kari Byrå", Role.BUREAU_ADMIN, BUREAU_ID)
USERS: tuple[DemoUser, ...] = (
    ADMIN,
    DemoUser(
        "regnskap@byraet.no",
        "Ola Regnskap",
        Role.BUREAU_ACCOUNTANT,
        BUREAU_ID,
        assigned=(FJORD, BYGG),
    ),
    DemoUser("daglig@fjordkaffe.no", "Ingrid Fjord", Role.CLIENT_ADMIN, FJORD),
    DemoUser("salg@fjordkaffe.no", "Per Salg", Role.CLIENT_USER, FJORD, modules=(Module.INVOICING,)),
    DemoUser("prosjekt@fjordkaffe.no", "Siri Prosjekt", Role.ATTESTER, FJORD),
    DemoUser("post@hansenbygg.no", "Knut Hansen", Role.CLIENT_ADMIN, BYGG),
    DemoUser("eier@lakkoglim.no", "Lise Lakk", Role.CLIENT_ADMIN, LAKK),
)

CLIENTS = (
    (
        FJORD,
        ClientCreate(
            name="Fjordkaffe AS",
            orgnr="912345610",
            tier=Tier.PORTAL,
            modules=[
                Module.INVOICING,
                Module.VOUCHERS,
                Module.ATTESTATION,
                Module.BANK,
                Module.HOURS,
                Module.REPORTS,
            ],
        ),
    ),
    (
        BYGG,
        ClientCreate(
            name="Byggmester Hansen AS",
            orgnr="912345629",
            tier=Tier.BYRAKLIENT,
            modules=[
                Module.INVOICING,
                Module.VOUCHERS,
                Module.ATTESTATION,
                Module.HOURS,
                Module.PAYROLL,
                Module.PROJECTS,
                Module.BANK,
            ],
        ),
    ),
    (
        LAKK,
        ClientCreate(name="Lakk & Lim AS", orgnr="912345637", tier=Tier.BYRALISENS, modules=list(Module)),
    ),
)


INVOICE_SETTINGS = {
    FJORD: {
        "address": {"street": "Bryggen 1", "postal_code": "5003", "city": "Bergen"},
        "bank_account": "86011117947",
        "email": "faktura@fjordkaffe.no",
        "phone": "+4755501234",
        "kid": {"algorithm": "MOD10", "length": 10, "composition": "customer+invoice", "customer_digits": 4},
        "due_days": 14,
        "next_number_start": 10001,
    },
    BYGG: {
        "address": {"street": "Verkstedveien 12", "postal_code": "7041", "city": "Trondheim"},
        "bank_account": "15031234503",
        "email": "post@hansenbygg.no",
        "kid": {"algorithm": "MOD11", "length": 8, "composition": "invoice"},
        "due_days": 10,
        "next_number_start": 1,
    },
}
CUSTOMERS = {
    FJORD: (
        {
            "customer_number": 1,
            "name": "Kafé Kaien AS",
            "orgnr": "923456708",
            "email": "regnskap@kafekaien.no",
            "delivery_channel": "email",
            "address": {"street": "Kaigaten 4", "postal_code": "5016", "city": "Bergen"},
        },
        {
            "customer_number": 2,
            "name": "Hotell Nordlys AS",
            "orgnr": "923456716",
            "delivery_channel": "ehf",
            "address": {"street": "Strandkaien 2", "postal_code": "5013", "city": "Bergen"},
        },
        {
            "customer_number": 3,
            "name": "Bakeriet på Torget AS",
            "orgnr": "923456724",
            "delivery_channel": "print",
            "address": {"street": "Torget 3", "postal_code": "9008", "city": "Tromsø"},
        },
    ),
    BYGG: (
        {
            "customer_number": 1,
            "name": "Borettslaget Solsiden",
            "orgnr": "923456759",
            "email": "styret@solsiden.no",
            "delivery_channel": "email",
            "address": {"street": "Solsiden 10", "postal_code": "7014", "city": "Trondheim"},
        },
        {
            "customer_number": 2,
            "name": "Eiendom Midt AS",
            "orgnr": "923456767",
            "delivery_channel": "ehf",
            "address": {"street": "Kjøpmannsgata 20", "postal_code": "7013", "city": "Trondheim"},
        },
    ),
}
PRODUCTS = {
    FJORD: (
        {
            "product_number": "KAFFE-1",
            "name": "Kaffebønner 1 kg",
            "unit": "KGM",
            "unit_price": "249.00",
            "vat_code": "31",
        },
        {
            "product_number": "KAFFE-ESP",
            "name": "Espressobønner 1 kg",
            "unit": "KGM",
            "unit_price": "289.00",
            "vat_code": "31",
        },
        {
            "product_number": "SERVICE",
            "name": "Service av kaffemaskin",
            "unit": "HUR",
            "unit_price": "950.00",
            "vat_code": "3",
        },
    ),
    BYGG: (
        {"product_number": "TIME", "name": "Tømrer, time", "unit": "HUR", "unit_price": "745.00", "vat_code": "3"},
        {"product_number": "KJORING", "name": "Kjøring", "unit": "KMT", "unit_price": "6.50", "vat_code": "3"},
    ),
}
# (client, customer, lines, what to do): "draft" stays a draft, "issue" takes a number, "send" is delivered
INVOICES = (
    (
        FJORD,
        1,
        [{"product_number": "KAFFE-1", "quantity": "12"}, {"product_number": "SERVICE", "quantity": "1.5"}],
        "send",
    ),
    (FJORD, 2, [{"product_number": "KAFFE-ESP", "quantity": "20"}], "send"),
    (FJORD, 3, [{"product_number": "KAFFE-1", "quantity": "4"}], "issue"),
    (
        FJORD,
        1,
        [{"description": "Leie av kaffemaskin, desember", "quantity": "1", "unit_price": "1200", "vat_code": "3"}],
        "draft",
    ),
    (
        BYGG,
        1,
        [{"product_number": "TIME", "quantity": "37.5"}, {"product_number": "KJORING", "quantity": "120"}],
        "send",
    ),
    (BYGG, 2, [{"product_number": "TIME", "quantity": "8"}], "draft"),
)


def seed(service: TenancyService) -> None:
    """All demo data, each part through the same service the API uses."""
    seed_tenancy(service)
    seed_invoicing(service)
    seed_attestation(service)
    seed_vouchers(_services(service))
    seed_bank(_services(service))
    seed_payments(_services(service))
    seed_payroll(_services(service))
    seed_ledger(_services(service))
    seed_billing(_services(service))


def _services(service: TenancyService) -> Invocation:
    """The API's composition root over the same store."""
    return Invocation(deployment_settings(), service.repo.store)


def seed_invoicing(service: TenancyService) -> None:
    """Invoice settings, customers, products and invoices for the clients that invoice."""
    store, services = service.repo.store, _services(service)
    for client_id, settings in INVOICE_SETTINGS.items():
        invoicing = services.invoices(client_id)
        invoicing.put_settings(InvoiceSettings.model_validate(settings), None, SYSTEM)
        registers = RegisterService(store, client_id)
        for name, items in (("customers", CUSTOMERS[client_id]), ("products", PRODUCTS[client_id])):
            spec = REGISTERS[name]
            for item in items:
                registers.create(spec, spec.create.model_validate(item), SYSTEM)
    for client_id, customer, lines, step in INVOICES:
        invoicing = services.invoices(client_id)
        invoice_id = invoicing.create_draft({"customer_number": customer, "lines": lines}, SYSTEM).data["id"]
        if step in ("issue", "send"):
            invoicing.issue(invoice_id, SYSTEM)
        if step == "send":
            invoicing.send(invoice_id, SYSTEM)


def seed_tenancy(service: TenancyService) -> None:
    """Create the demo bureau, clients and users through the same service the API uses."""
    service.create_bureau(
        BUREAU_ID,
        "Tall & Balanse Regnskap AS",
        "912345602",
        BureauLicence(licence_number="BYRA-1001", modules=list(Module)),
        ADMIN.email,
        ADMIN.name,
        SYSTEM,
    )
    for client_id, req in CLIENTS:
        service.create_client(BUREAU_ID, req, SYSTEM, client_id=client_id)
    client = _services(service).client(BYGG)
    service.register_client_licence(
        client,
        ClientLicenceUpdate(version=client.version, status="registered", licence_number="BK-2001"),
        SYSTEM,
    )
    for user in USERS[1:]:
        scope = "bureau" if user.scope_id == BUREAU_ID else "client"
        service.add_member(
            scope,
            user.scope_id,
            user.email,
            user.name,
            user.role,
            SYSTEM,
            modules=list(user.modules),
            assigned=list(user.assigned) if user.assigned else "all",
        )
