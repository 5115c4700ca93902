"""The text writer of build.py (decision 0160) writes exactly what lxml would: escaping, empty
elements, namespaces; and it refuses what XML cannot carry, as lxml did."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from lxml import etree

from klientportal.formats.ehf.build import build_ehf
from klientportal.formats.safe_xml import parse_xml
from klientportal.invoicing.models import Address, Attachment, Invoice
from tests.unit.invoicing.invoice_samples import buyer, credit_note, mixed_invoice
from tests.unit.invoicing.invoice_strategies import invoices

SPECIAL = "A & B <c> \"d\" 'e' ]]> x\r\ny\tz æøå € Ŋ 中 😀"


def lxml_round_trip(xml: bytes) -> bytes:
    return etree.tostring(parse_xml(xml), xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize(
    "invoice",
    [
        mixed_invoice(
            note=SPECIAL,
            buyer=buyer(name=SPECIAL, address=Address(street=SPECIAL, country="SE")),
            attachments=(Attachment(filename='a&"b\t<c>.pdf', content=b"%PDF", description=SPECIAL),),
        ),
        credit_note(due_date=credit_note().issue_date),
        mixed_invoice(delivery_country="SE", order_reference="PO & 1 <2>"),
    ],
    ids=["special-characters", "credit-note", "delivery"],
)
def test_written_bytes_are_what_lxml_serialises(invoice: Invoice) -> None:
    xml = build_ehf(invoice)
    assert lxml_round_trip(xml) == xml
    root = parse_xml(xml)
    if invoice.note:
        assert root.findtext("{*}Note") == SPECIAL  # CR LF read back as LF would be lost: &#13; keeps it
        attachment = root.find(".//{*}EmbeddedDocumentBinaryObject")
        assert attachment.get("filename") == 'a&"b\t<c>.pdf'


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invoices())
def test_generated_documents_round_trip_through_lxml(invoice: Invoice) -> None:
    try:
        xml = build_ehf(invoice)
    except ValueError:  # EhfBuildError: not sendable, covered elsewhere
        return
    assert lxml_round_trip(xml) == xml


@pytest.mark.parametrize("bad", ["a\x01b", "a\ud800b", "a\ufffeb"])
def test_characters_xml_cannot_carry_are_refused(bad: str) -> None:
    invoice = mixed_invoice().model_copy(update={"note": bad})  # model_copy skips the model's own check
    with pytest.raises(ValueError, match="XML compatible"):
        build_ehf(invoice)
