"""Content types by magic bytes, and declared MIME types normalised to the same small vocabulary."""

from __future__ import annotations

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TIFF = "image/tiff"
XML = "application/xml"
ZIP = "application/zip"
UNKNOWN = "application/octet-stream"

VOUCHER_TYPES = frozenset({PDF, PNG, JPEG, TIFF, XML})

_ALIASES = {
    "application/pdf": PDF,
    "application/x-pdf": PDF,
    "application/acrobat": PDF,
    "image/png": PNG,
    "image/x-png": PNG,
    "image/jpeg": JPEG,
    "image/jpg": JPEG,
    "image/pjpeg": JPEG,
    "image/tiff": TIFF,
    "image/tif": TIFF,
    "image/x-tiff": TIFF,
    "application/xml": XML,
    "text/xml": XML,
    "application/zip": ZIP,
    "application/x-zip-compressed": ZIP,
    "application/x-zip": ZIP,
}
_GENERIC = frozenset({"application/octet-stream", "application/binary", "application/unknown", ""})


def sniff(data: bytes) -> str:
    """The content type the bytes themselves show, or UNKNOWN."""
    head = data[:1024]
    if b"%PDF-" in head:
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return ZIP
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<?xml") or (text[:1] == b"<" and text[1:2].isalpha()):
        return XML
    return UNKNOWN


def normalise_declared(content_type: str | None) -> str | None:
    """A declared type in the sniffing vocabulary; None if generic (says nothing about the bytes)."""
    declared = (content_type or "").split(";")[0].strip().lower()
    if declared in _GENERIC:
        return None
    if declared.endswith("+xml"):
        return XML
    return _ALIASES.get(declared, declared)


def declared_matches(declared: str | None, sniffed: str) -> bool:
    """True when the declared type is generic or names what the bytes are."""
    return declared is None or declared == sniffed
