"""Reading inbound e-mail into accepted attachments and reasoned rejections."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage

from klientportal.vouchers.mime import ACCEPTED, NO_ATTACHMENT, parse_message
from klientportal.vouchers.reasons import Reason

EHF = b'<?xml version="1.0"?><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>'
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_headers_and_a_pdf_attachment(mail, norwegian_invoice_pdf: bytes) -> None:
    intake = parse_message(mail(((norwegian_invoice_pdf, "application/pdf", "faktura 117.pdf"),)))
    assert intake.outcome == ACCEPTED and intake.reason is None
    assert (intake.sender, intake.recipient, intake.client_slug) == (
        "faktura@leverandor.no",
        "acme-as@bilag.example.no",
        "acme-as",
    )
    assert intake.subject == "Faktura 2024-117" and intake.message_id == "<20240315.117@leverandor.no>"
    [attachment] = intake.attachments
    assert (attachment.filename, attachment.content_type, attachment.origin) == (
        "faktura 117.pdf",
        "application/pdf",
        "mail",
    )
    assert attachment.data == norwegian_invoice_pdf and len(attachment.sha256) == 64
    assert intake.rejections == ()


def test_plus_addressing_and_other_domains(mail) -> None:
    intake = parse_message(
        mail(((PNG, "image/png", "kvittering.png"),), to="Ola <ola@example.com>, ACME-AS+reise@Bilag.Example.no")
    )
    assert (intake.recipient, intake.client_slug) == ("acme-as+reise@bilag.example.no", "acme-as")
    assert parse_message(mail(((PNG, "image/png", "k.png"),), to="ola@example.com")).client_slug is None


def test_envelope_recipient_wins_over_headers(mail) -> None:
    intake = parse_message(mail(((PNG, "image/png", "k.png"),)), envelope_recipients=("beta@bilag.example.no",))
    assert intake.client_slug == "beta"


def test_generic_declared_type_is_decided_by_the_bytes(mail) -> None:
    intake = parse_message(mail(((EHF, "application/octet-stream", "invoice.xml"),)))
    assert [a.content_type for a in intake.attachments] == ["application/xml"]


def test_body_only_is_no_attachment(mail) -> None:
    intake = parse_message(mail())
    assert (intake.outcome, intake.reason) == (NO_ATTACHMENT, Reason.NO_ATTACHMENT)
    assert intake.attachments == () and intake.rejections == ()


def test_unsupported_files_are_rejected_not_dropped(mail) -> None:
    intake = parse_message(
        mail(((b"MZ\x90\x00 program", "application/octet-stream", "setup.exe"), (b"", "application/pdf", "empty.pdf")))
    )
    assert intake.outcome == NO_ATTACHMENT
    assert [(r.filename, r.reason) for r in intake.rejections] == [
        ("setup.exe", Reason.UNSUPPORTED_TYPE),
        ("empty.pdf", Reason.EMPTY_ATTACHMENT),
    ]


def test_zip_entries_are_unpacked_one_level(mail, norwegian_invoice_pdf: bytes) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mars/faktura.pdf", norwegian_invoice_pdf)
        zf.writestr("mars/ehf.xml", EHF)
        zf.writestr("mars/notes.txt", b"plain notes")
        zf.writestr("mars/", b"")
    intake = parse_message(mail(((archive.getvalue(), "application/zip", "mars.zip"),)))
    assert [(a.filename, a.origin) for a in intake.attachments] == [
        ("faktura.pdf", "zip:mars.zip"),
        ("ehf.xml", "zip:mars.zip"),
    ]
    assert [(r.filename, r.reason) for r in intake.rejections] == [("notes.txt", Reason.UNSUPPORTED_TYPE)]


def test_attachments_of_a_forwarded_message_are_found() -> None:
    inner = EmailMessage()
    inner["Subject"] = "Faktura"
    inner.set_content("original")
    inner.add_attachment(PNG, maintype="image", subtype="png", filename="bilag.png")
    outer = EmailMessage()
    outer["From"], outer["To"] = "ola@example.com", "acme-as@bilag.example.no"
    outer.set_content("videresendt")
    outer.add_attachment(inner)
    intake = parse_message(outer.as_bytes())
    assert [a.filename for a in intake.attachments] == ["bilag.png"]


def test_a_stream_is_read_like_bytes(mail, norwegian_invoice_pdf: bytes) -> None:
    raw = mail(((norwegian_invoice_pdf, "application/pdf", "f.pdf"),))
    assert parse_message(io.BytesIO(raw)).attachments == parse_message(raw).attachments


def test_rfc2231_and_encoded_word_filenames_are_decoded(mail) -> None:
    intake = parse_message(mail(((PNG, "image/png", "kvittering æøå.png"),)))
    assert intake.attachments[0].filename == "kvittering æøå.png"
