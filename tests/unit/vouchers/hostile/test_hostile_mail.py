"""Hostile e-mail, generated here: each ends in a stable reason, quickly and without blowing memory."""

from __future__ import annotations

import io
import struct
import time
import zipfile

import pytest

from klientportal.vouchers.limits import MIB, MailLimits, ZipLimits
from klientportal.vouchers.mime import NO_ATTACHMENT, REJECTED, parse_message
from klientportal.vouchers.reasons import Reason

PDF = b"%PDF-1.4\n% test\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
SANITY_SECONDS = 5.0
HEAD = b"From: x@example.com\r\nTo: acme@bilag.example.no\r\nSubject: hostile\r\nMIME-Version: 1.0\r\n"


@pytest.fixture
def timed():
    start = time.perf_counter()
    yield
    assert time.perf_counter() - start < SANITY_SECONDS


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _reasons(intake) -> list[tuple[str, Reason]]:
    return [(r.filename, r.reason) for r in intake.rejections]


def test_no_attachment(mail, timed) -> None:
    assert parse_message(mail()).reason is Reason.NO_ATTACHMENT


def test_message_over_the_40_mb_ceiling_is_refused_while_reading(timed) -> None:
    raw = HEAD + b"\r\n" + b"A" * (40 * MIB + 1)
    intake = parse_message(io.BytesIO(raw))
    assert (intake.outcome, intake.reason) == (REJECTED, Reason.MESSAGE_TOO_LARGE)


def test_attachment_too_large_and_total_allowance(mail, timed) -> None:
    limits = MailLimits(max_attachment_bytes=4000, max_total_attachment_bytes=5000)
    intake = parse_message(
        mail(
            (
                (PDF + b"x" * 8000, "application/pdf", "big.pdf"),
                (PDF + b"x" * 3000, "application/pdf", "one.pdf"),
                (PDF + b"x" * 3000, "application/pdf", "two.pdf"),
            )
        ),
        limits=limits,
    )
    assert [a.filename for a in intake.attachments] == ["one.pdf"]
    assert _reasons(intake) == [
        ("big.pdf", Reason.ATTACHMENT_TOO_LARGE),
        ("two.pdf", Reason.ATTACHMENTS_TOTAL_TOO_LARGE),
    ]


def _multipart(parts: int) -> bytes:
    body = b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n" for _ in range(parts))
    return HEAD + b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n' + body + b"--b--\r\n"


def test_too_many_parts(timed) -> None:
    assert parse_message(_multipart(5000)).reason is Reason.TOO_MANY_PARTS
    assert parse_message(_multipart(150)).reason is Reason.TOO_MANY_PARTS
    assert parse_message(_multipart(20)).reason is Reason.NO_ATTACHMENT


def _nested(depth: int) -> bytes:
    opening = b"".join(
        b'--b%d\r\nContent-Type: multipart/mixed; boundary="b%d"\r\n\r\n' % (i, i + 1) for i in range(depth)
    )
    closing = b"".join(b"--b%d--\r\n" % i for i in reversed(range(depth + 1)))
    leaf = (
        b"--b%d\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename=a.pdf\r\n\r\n%%PDF-1.4\r\n" % depth
    )
    return HEAD + b'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n' + opening + leaf + closing


def test_deep_nesting(timed) -> None:
    assert parse_message(_nested(3)).attachments[0].filename == "a.pdf"
    assert parse_message(_nested(30)).reason is Reason.NESTING_TOO_DEEP
    assert parse_message(_nested(20000)).reason is Reason.TOO_MANY_PARTS


def test_zip_bomb_by_ratio(mail, timed) -> None:
    bomb = _zip({"faktura.pdf": PDF + b"\x00" * (10 * MIB)})
    intake = parse_message(mail(((bomb, "application/zip", "bilag.zip"),)))
    assert (intake.outcome, _reasons(intake)) == (NO_ATTACHMENT, [("faktura.pdf", Reason.ZIP_RATIO)])


def test_zip_too_large_in_total_and_too_many_entries(mail, timed) -> None:
    limits = MailLimits(zip=ZipLimits(max_entries=5, max_total_bytes=10_000, max_ratio=10_000))
    big = _zip({f"{i}.pdf": PDF + b"\x00" * 4000 for i in range(3)})
    many = _zip({f"{i}.pdf": PDF for i in range(6)})
    intake = parse_message(
        mail(((big, "application/zip", "big.zip"), (many, "application/zip", "many.zip"))), limits=limits
    )
    assert _reasons(intake) == [("big.zip", Reason.ZIP_TOO_LARGE), ("many.zip", Reason.ZIP_TOO_MANY_ENTRIES)]


def _patch_sizes(archive: bytes, uncompressed: int) -> bytes:
    """Make the headers claim a smaller uncompressed size than the entry really has."""
    data = bytearray(archive)
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, local + 22, uncompressed)
    struct.pack_into("<I", data, central + 24, uncompressed)
    return bytes(data)


def test_zip_entry_lying_about_its_size_is_not_expanded(mail, timed) -> None:
    liar = _patch_sizes(_zip({"faktura.pdf": PDF + b"\x00" * (5 * MIB)}), 100_000)
    intake = parse_message(mail(((liar, "application/zip", "liar.zip"),)))
    assert intake.attachments == ()
    assert [r.reason for r in intake.rejections] in ([Reason.ZIP_MALFORMED], [Reason.ZIP_RATIO])


def test_encrypted_nested_and_malformed_zips(mail, timed) -> None:
    encrypted = bytearray(_zip({"a.pdf": PDF}))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        position = encrypted.index(signature) + offset
        encrypted[position] |= 0x1
    nested = _zip({"inner.zip": _zip({"a.pdf": PDF})})
    intake = parse_message(
        mail(
            (
                (bytes(encrypted), "application/zip", "enc.zip"),
                (nested, "application/zip", "outer.zip"),
                (b"PK\x03\x04 not really", "application/zip", "broken.zip"),
            )
        )
    )
    assert _reasons(intake) == [
        ("a.pdf", Reason.ZIP_ENCRYPTED),
        ("inner.zip", Reason.ZIP_NESTED),
        ("broken.zip", Reason.ZIP_MALFORMED),
    ]


@pytest.mark.parametrize(
    ("hostile", "safe"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\win.pdf", "win.pdf"),
        ("fak\x00tu\x1bra\u202e.pdf", "faktura.pdf"),
        ("....", "attachment-1"),
        ("a" * 300 + ".pdf", "a" * 116 + ".pdf"),
        ('bad:"*?<>|.pdf', "bad_______.pdf"),
    ],
)
def test_filenames_are_sanitised(mail, hostile: str, safe: str) -> None:
    intake = parse_message(mail(((PDF, "application/pdf", hostile),)))
    assert intake.attachments[0].filename == safe


def test_zip_entry_paths_are_sanitised(mail) -> None:
    intake = parse_message(mail(((_zip({"../../../evil.pdf": PDF, "/abs/x.png": PNG}), "application/zip", "z.zip"),)))
    assert [a.filename for a in intake.attachments] == ["evil.pdf", "x.png"]


def test_content_type_lying_about_the_bytes(mail) -> None:
    intake = parse_message(
        mail(
            (
                (PNG, "application/pdf", "faktura.pdf"),
                (b"MZ\x90\x00", "image/png", "bilde.png"),
                (PDF, "image/jpeg", "photo.jpg"),
            )
        )
    )
    assert [r.reason for r in intake.rejections] == [Reason.TYPE_MISMATCH] * 3


def test_garbage_is_not_a_crash(timed) -> None:
    garbage = bytes(range(256)) * 4000
    intake = parse_message(garbage)
    assert intake.outcome in (NO_ATTACHMENT, REJECTED) and intake.attachments == ()


def test_empty_input_is_malformed() -> None:
    assert parse_message(b"").reason is Reason.MALFORMED_MESSAGE


def test_malformed_headers_are_treated_as_absent() -> None:
    raw = b"From: <<<@@@>>>\r\nTo: =?utf-8?q?broken\r\nMessage-ID: " + b"x" * 5000 + b"\r\n\r\nbody"
    intake = parse_message(raw)
    assert intake.reason is Reason.NO_ATTACHMENT and intake.client_slug is None
    assert intake.message_id is not None and len(intake.message_id) <= 2000
