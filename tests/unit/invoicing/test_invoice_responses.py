"""The invoice response (functions/invoicing/responses.py) is closed: every field the invoicing domain
stores on an invoice is declared, so none is dropped on the way to a client."""

from __future__ import annotations

import base64
import json
from decimal import Decimal

from functions.invoicing.responses import AttachmentOut, InvoiceOut, RecipientOut, TotalsOut
from klientportal.invoicing import attachments
from klientportal.invoicing import documents as docs
from klientportal.invoicing.calc import calculate
from klientportal.invoicing.delivery import RECIPIENT_FIELDS, DocumentFiles
from klientportal.invoicing.records import StoredInvoice
from tests.unit.invoicing.invoice_samples import shapes_invoice, stored_with_every_shape


def test_every_stored_invoice_field_is_declared():
    stored = set(StoredInvoice.model_fields) - {"document"}  # the frozen document is not sent (api._out)
    assert stored | set(docs.DRAFT_FIELDS) | set(docs.CREDITED_FIELDS) <= set(InvoiceOut.model_fields)
    foreign = shapes_invoice(currency="EUR", nok_exchange_rate=Decimal("11.5"))  # totals with vat_nok
    assert set(docs.summary(calculate(foreign))["totals"]) <= set(TotalsOut.model_fields)
    assert set(RECIPIENT_FIELDS) <= set(RecipientOut.model_fields)


def test_an_invoice_with_every_shape_is_sent_as_stored():
    stored = stored_with_every_shape()
    sent = json.loads(InvoiceOut.model_validate(stored).model_dump_json())
    assert sent == stored
    assert sent["totals"]["vat_nok"] == "3461.85" and sent["totals"]["rounding"] == "-0.15"


def test_a_field_that_is_not_declared_is_not_sent():
    stored = {**stored_with_every_shape(), "internal": "x"}
    stored["lines"][0]["internal"] = "x"
    sent = json.loads(InvoiceOut.model_validate(stored).model_dump_json())
    assert "internal" not in sent and "internal" not in sent["lines"][0]


def test_totals_stored_before_prepaid_and_rounding_existed_are_sent_with_zero():
    totals = {
        k: "100.00"
        for k in (
            "line_extension",
            "allowance_total",
            "charge_total",
            "tax_exclusive",
            "vat",
            "tax_inclusive",
            "payable",
        )
    }
    sent = json.loads(TotalsOut.model_validate(totals).model_dump_json())
    assert sent == {**totals, "prepaid": "0.00", "rounding": "0.00"}


class _Files(DocumentFiles):
    """The documents bucket, kept in memory."""

    def __init__(self) -> None:
        self.client_id, self.bucket = "c-1", "documents"

    def put(self, key: str, content: bytes, content_type: str) -> None:
        pass


def test_attachment_metadata_as_stored_is_sent_whole():
    [meta] = attachments.store(
        _Files(),
        "inv-1",
        [{"filename": "t.csv", "mime_code": "text/csv", "content_base64": base64.b64encode(b"a;b\n").decode()}],
    )
    assert AttachmentOut.model_validate(meta).model_dump(mode="json") == meta
