"""`read_bank_file`: tell the format from the bytes and read with the right reader."""

from __future__ import annotations

from klientportal.formats.bank import ocr
from klientportal.formats.bank.model import BankFile, BankFileRejected

_XML_START = (b"<", b"\xef\xbb\xbf<")


def sniff(data: bytes) -> str:
    """`nets-ocr`, `xml` (camt: the root element decides which), or raise `BankFileRejected`."""
    head = data[:256].lstrip(b" \t\r\n")
    if head.startswith(_XML_START):
        return "xml"
    if head.startswith(b"NY") or head.lstrip(b"\xef\xbb\xbf\xff\xfe").replace(b"\x00", b"").startswith(b"NY"):
        return ocr.FORMAT  # a byte-order mark or UTF-16 is the OCR reader's to refuse as an encoding fault
    raise BankFileRejected(
        "neither a Nets OCR giro file (starts with NY) nor ISO 20022 XML", 1 if data else None, code="unknown-format"
    )


def read_bank_file(data: bytes) -> BankFile:
    """Read a bank file whole or raise `BankFileRejected(reason, line)`; nothing of a refused file is returned."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    kind = sniff(data)
    if kind == ocr.FORMAT:
        return ocr.read_ocr(data)
    from klientportal.formats.bank import camt

    return camt.read_camt(data)
