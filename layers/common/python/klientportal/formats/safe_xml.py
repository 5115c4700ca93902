"""Hardened XML parsing for everything that comes from outside.

No entity resolution, no DTD loading, no network, a size limit and a depth-safe parser (libxml2
refuses nesting deeper than 256 without XML_PARSE_HUGE, which stays off). Any DTD (DOCTYPE) in input
is refused outright: UBL, SBDH, ISO 20022 and a-melding documents never carry one. The DOCTYPE
check runs twice: a fast scan of the head and, after parsing, on the parsed document itself, so a
DOCTYPE hidden behind a long leading comment is refused too. XInclude is never processed.
"""

from __future__ import annotations

from lxml import etree

from klientportal.errors import ReasonedError

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_HEAD_SCAN_BYTES = 65536


class XmlInputError(ReasonedError, ValueError):
    """The bytes are not acceptable XML; `reason` is a short machine-readable code.

    Reasons: not-bytes, too-large, dtd-forbidden, not-xml, malformed.
    """


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def parse_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse untrusted XML bytes into an element tree root, or raise XmlInputError."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise XmlInputError("not-bytes", f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > max_bytes:
        raise XmlInputError("too-large", f"{len(data)} bytes exceeds the limit of {max_bytes}")
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if b"<!DOCTYPE" in data[:_HEAD_SCAN_BYTES] or b"<!ENTITY" in data[:_HEAD_SCAN_BYTES]:
        raise XmlInputError("dtd-forbidden", "documents with a DOCTYPE or ENTITY declaration are refused")
    if not head.startswith(b"<"):
        raise XmlInputError("not-xml", "the content does not start with an XML declaration or element")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        declared = b"<!DOCTYPE" in data or b"<!ENTITY" in data
        raise XmlInputError("dtd-forbidden" if declared else "malformed", str(exc)) from exc
    if root is None:
        raise XmlInputError("malformed", "empty document")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XmlInputError("dtd-forbidden", "documents with a DOCTYPE or ENTITY declaration are refused")
    return root
