"""Demo vouchers for the local stack: an EHF and a PDF invoice in the inbox, and one voucher waiting
for the demo attester. Made the way real ones are: the files are written where the access point and
the portal upload write them, read by the ingest function's own intake, then coded and routed through
the voucher service the API uses — all from the composition root (`bootstrap.Invocation`) given."""

from __future__ import annotations

from klientportal.bootstrap import Invocation
from klientportal.formats.ehf.validation import default_conformance_dir
from klientportal.repository.store import SYSTEM
from klientportal.vouchers.uploads import DECLARED_SIZE, UPLOADED_BY, ehf_key, upload_key

EHF_EXAMPLE = ("peppol", "examples", "ehf-norway", "ehf-3-faktura-1.xml")
EXAMPLE_RECEIVER = b'<cbc:EndpointID schemeID="0192">987654325</cbc:EndpointID>'
KONTORLAND = (
    "Kontorland AS",
    "Org.nr: 974 760 673 MVA",
    "FAKTURA",
    "Fakturanr: K-5521",
    "Fakturadato: 02.11.2026",
    "Forfallsdato: 16.11.2026",
    "Kontorstoler 2 stk      4 000,00",
    "Sum eks. mva      4 000,00",
    "MVA 25 %      1 000,00",
    "Sum inkl. mva      5 000,00",
    "Å betale      kr 5 000,00",
    "Kontonummer: 1503.40.12345",
    "KID: 1234567897",
)
RORLEGGER = (
    "Rørlegger Hansen AS",
    "Org.nr: 123 456 785 MVA",
    "FAKTURA",
    "Fakturanr: 2026-311",
    "Fakturadato: 20.11.2026",
    "Forfallsdato: 04.12.2026",
    "Rørarbeid kjøkken      8 000,00",
    "Sum eks. mva      8 000,00",
    "MVA 25 %      2 000,00",
    "Sum inkl. mva      10 000,00",
    "Å betale      kr 10 000,00",
    "Kontonummer: 8601.11.17947",
    "KID: 1234567897",
)


def _pdf(lines: tuple[str, ...]) -> bytes:
    from fpdf import FPDF  # dev dependency: only the local stack makes demo PDFs

    pdf = FPDF()
    pdf.set_font("Helvetica", size=10)
    pdf.add_page()
    for line in lines:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _ingest(services: Invocation, key: str, data: bytes, content_type: str, **meta: str) -> list[str]:
    """Write `data` where the channel writes it and run the ingest function's intake on it at once (the
    S3 notification delivers it again later: a replay, which changes nothing); the intake is the one
    the ingest function gets from the composition root."""
    bucket = services.settings.inbound_bucket
    services.s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type, Metadata=meta)
    return services.voucher_intake().handle_object(bucket, key).vouchers


def _upload(services: Invocation, client_id: str, name: str, data: bytes) -> list[str]:
    return _ingest(
        services,
        upload_key(client_id, "demo", 1, name),
        data,
        "application/pdf",
        **{DECLARED_SIZE: str(len(data)), UPLOADED_BY: SYSTEM.sub},
    )


def seed_vouchers(services: Invocation) -> dict[str, list[str]]:
    """{client id: voucher ids} of the demo vouchers: an EHF (the official example addressed to Fjordkaffe)
    and a PDF in Fjordkaffe's and Byggmester Hansen's inboxes, and a coded PDF in Fjordkaffe routed to the
    demo attester."""
    from infra.local.seed import BYGG, FJORD, USERS
    from klientportal.tenancy.models import Role

    made: dict[str, list[str]] = {FJORD: [], BYGG: []}
    example = default_conformance_dir().joinpath(*EHF_EXAMPLE)
    if example.is_file():  # the official artefacts sit beside the repository (README); without them: no EHF
        orgnr = services.client(FJORD).orgnr
        ehf = example.read_bytes().replace(
            EXAMPLE_RECEIVER, f'<cbc:EndpointID schemeID="0192">{orgnr}</cbc:EndpointID>'.encode()
        )
        made[FJORD] += _ingest(services, ehf_key(FJORD, "demo-ehf-1.xml"), ehf, "application/xml")
    made[BYGG] += _upload(services, BYGG, "kontorland-k5521.pdf", _pdf(KONTORLAND))

    waiting = _upload(services, FJORD, "rorlegger-2026-311.pdf", _pdf(RORLEGGER))
    attester = next(u for u in USERS if u.role == Role.ATTESTER and u.scope_id == FJORD)
    member = next(m for m in services.tenancy.repo.members("client", FJORD) if m.email == attester.email)
    service = services.vouchers(FJORD)
    for vid in waiting:
        rec = service.get(vid)
        rec = service.code(vid, rec.version, [{"account": "6600", "vat_code": "1", "net_amount": "8000.00"}], SYSTEM)
        service.send_to_attestation(vid, rec.version, SYSTEM, "Demo: attester dette bilaget", attester=member.sub)
    made[FJORD] += waiting
    return made
