"""Hostile XML through safe_xml and the EHF reader: refused with a reason, no entity or network access."""

from __future__ import annotations

import time

import pytest

from klientportal.formats.ehf.reader import EhfReadError, read_ehf
from klientportal.formats.safe_xml import XmlInputError, parse_xml

UBL = (
    b'xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    b'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"'
)
LAUGHS = b"".join(
    b'<!ENTITY l%d "&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;">' % ((i,) + (i - 1,) * 10) for i in range(1, 10)
)
BILLION_LAUGHS = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY l0 "lol">' + LAUGHS + b"]><lolz>&l9;</lolz>"
HOSTILE = {
    "external-entity": (
        b'<?xml version="1.0"?><!DOCTYPE i [<!ENTITY x SYSTEM "file:///etc/passwd">]><Invoice '
        + UBL
        + b"><cbc:ID>&x;</cbc:ID></Invoice>",
        "dtd-forbidden",
    ),
    "network-dtd": (
        b'<?xml version="1.0"?><!DOCTYPE Invoice SYSTEM "http://127.0.0.1:9/evil.dtd"><Invoice ' + UBL + b"/>",
        "dtd-forbidden",
    ),
    "parameter-entity": (b'<!DOCTYPE i [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p">%p;]><i/>', "dtd-forbidden"),
    "billion-laughs": (BILLION_LAUGHS, "dtd-forbidden"),
    "laughs-behind-long-comment": (
        b"<!--" + b"x" * 70_000 + b"-->" + BILLION_LAUGHS.split(b"?>", 1)[1],
        "dtd-forbidden",
    ),
    "truncated": (b'<?xml version="1.0"?><Invoice ' + UBL + b"><cbc:ID>1</cbc:I", "malformed"),
    "deep-nesting": (b"<a>" * 10_000 + b"</a>" * 10_000, "malformed"),
    "not-xml": (b"%PDF-1.4 not xml", "not-xml"),
    "empty": (b"", "not-xml"),
}


@pytest.fixture
def timed():
    start = time.perf_counter()
    yield
    assert time.perf_counter() - start < 5.0


@pytest.mark.parametrize(("data", "reason"), HOSTILE.values(), ids=HOSTILE.keys())
def test_parse_xml_refuses(data: bytes, reason: str, timed) -> None:
    with pytest.raises(XmlInputError) as caught:
        parse_xml(data)
    assert caught.value.reason == reason


@pytest.mark.parametrize(("data", "reason"), HOSTILE.values(), ids=HOSTILE.keys())
def test_ehf_reader_passes_the_reason_on(data: bytes, reason: str, timed) -> None:
    with pytest.raises(EhfReadError) as caught:
        read_ehf(data)
    assert caught.value.reason == reason


def test_xinclude_is_never_processed(timed) -> None:
    data = (
        b"<Invoice " + UBL + b' xmlns:xi="http://www.w3.org/2001/XInclude"><cbc:ID>'
        b'<xi:include href="file:///etc/passwd" parse="text"/></cbc:ID>'
        b"<cbc:IssueDate>2024-01-01</cbc:IssueDate></Invoice>"
    )
    voucher = read_ehf(data)
    assert voucher.invoice_number.value is None
    root = parse_xml(data)
    assert root[0][0].tag == "{http://www.w3.org/2001/XInclude}include"


def test_size_limit_and_type() -> None:
    with pytest.raises(XmlInputError) as too_large:
        parse_xml(b"<a>" + b"x" * 2000 + b"</a>", max_bytes=1000)
    with pytest.raises(XmlInputError) as not_bytes:
        parse_xml("<a/>")  # type: ignore[arg-type]
    assert (too_large.value.reason, not_bytes.value.reason) == ("too-large", "not-bytes")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>', "not-ubl-invoice"),
        (b"<Invoice/>", "not-ubl-invoice"),
        (b"<html><body>Faktura</body></html>", "not-ubl-invoice"),
        (b"<Invoice " + UBL + b"><cbc:IssueDate>30.06.2013</cbc:IssueDate></Invoice>", "bad-date"),
        (
            b"<Invoice "
            + UBL
            + b' xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2">'
            b'<cac:LegalMonetaryTotal><cbc:PayableAmount currencyID="NOK">12,50</cbc:PayableAmount>'
            b"</cac:LegalMonetaryTotal></Invoice>",
            "bad-amount",
        ),
        (
            b"<Invoice "
            + UBL
            + b' xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2">'
            b'<cac:LegalMonetaryTotal><cbc:PayableAmount currencyID="NOK">NaN</cbc:PayableAmount>'
            b"</cac:LegalMonetaryTotal></Invoice>",
            "bad-amount",
        ),
    ],
)
def test_non_ubl_and_bad_values(data: bytes, reason: str) -> None:
    with pytest.raises(EhfReadError) as caught:
        read_ehf(data)
    assert caught.value.reason == reason
