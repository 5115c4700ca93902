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
from tests.unit.invoicing.invoice_samples import shapes_invoice

PERIOD = {"start": "2026-02-01", "end": "2026-02-28"}
EUR_SHAPES = shapes_invoice(currency="EUR", nok_exchange_rate=Decimal("11.5"))


def test_every_stored_invoice_field_is_declared():
    stored = set(StoredInvoice.model_fields) - {"document"}  # the frozen document is not sent (api._out)
    assert stored | set(docs.DRAFT_FIELDS) | set(docs.CREDITED_FIELDS) <= set(InvoiceOut.model_fields)
    assert set(docs.summary(calculate(EUR_SHAPES))["totals"]) <= set(TotalsOut.model_fields)
    assert set(RECIPIENT_FIELDS) <= set(RecipientOut.model_fields)


def _issued_with_every_shape() -> dict:
    """An issued, partly credited, overpaid and reminded invoice as the use cases store it (`document` left
    out, as the API leaves it out)."""
    return {
        "id": "inv-1", "kind": "invoice", "status": "paid", "number": 10001, "customer_number": 2, "version": 7,
        "created_at": "2026-02-28T10:00:00+01:00", "updated_at": "2026-03-20T10:00:00+01:00",
        "lines": [
            {"description": "Konsulenttimer", "quantity": "12", "unit_code": "HUR", "unit_price": "1000",
             "gross_price": "1150", "base_quantity": "10", "vat_code": "3", "period": PERIOD,
             "allowances_charges": [
                 {"is_charge": True, "amount": None, "percent": "5", "reason": "Reisetillegg", "reason_code": "FC"},
                 {"is_charge": False, "amount": "25.00", "percent": None, "reason": "Avtalerabatt",
                  "reason_code": None}]},
            {"product_number": "P-7", "description": "Bedriftshelsetjeneste", "quantity": "1", "unit_price": "500",
             "vat_code": "6", "income_account": "3100", "discount_percent": "10", "allowances_charges": [],
             "exemption_reason": "Helsetjenester, mval. § 3-2", "exemption_reason_code": "VATEX-EU-132-1B"}],
        "allowances_charges": [
            {"is_charge": False, "amount": None, "percent": "2.5", "base_amount": None, "reason": "Kontantrabatt",
             "reason_code": "95", "vat_code": "3", "exemption_reason": None, "exemption_reason_code": None}],
        "buyer_reference": "Ola", "order_reference": "PO-1", "note": "Takk", "due_days": 14, "channel": "ehf",
        "currency": "EUR", "nok_exchange_rate": "11.5", "period": PERIOD, "prepaid_amount": "1000.00",
        "round_payable_to_krone": True,
        "attachments": [{"filename": "timeliste.csv", "mime_code": "text/csv", "description": None, "size": 26,
                         "sha256": "ab" * 32, "key": "clients/c-1/invoices/inv-1/attachments/" + "ab" * 32}],
        **docs.summary(calculate(EUR_SHAPES)),
        "issue_date": "2026-02-28", "due_date": "2026-03-14", "kid": "0000200100015",
        "pdf_key": "clients/c-1/invoices/inv-1/faktura-10001.pdf",
        "recipient": {"customer_number": 2, "name": "Kunde AS", "email": "a@kunde.no", "orgnr": "974760673",
                      "address": {"street": "Gate 1", "postal_code": "0150", "city": "Oslo", "country": "NO"},
                      "peppol_id": "0192:974760673", "delivery_channel": "ehf"},
        "paid_amount": "1105.00", "credited_amount": "0.00", "overpaid_amount": "100.00",
        "payments": [{"payment_id": "b-1", "amount": "1105.00", "paid_on": "2026-03-02", "reference": None,
                      "overpaid": "100.00"}],
        "credit_notes": [{"id": "inv-2", "number": 10002, "amount": "10.00"}],
        "reminders": [{"seq": 1, "kind": "purring", "at": "2026-03-01T08:00:00+01:00", "date": "2026-03-01",
                       "fee": "0.00", "interest": "1.20", "interest_rate": "12.5", "new_due_date": "2026-03-15",
                       "channel": "email", "legal_source": "inkassoloven § 9"}],
        "payment_requests": [{"seq": 1, "at": "2026-03-01T08:00:00+01:00", "to": "a@kunde.no", "status": "sending"}],
        "delivery": {"channel": "ehf", "attempt": 1, "delivery_id": "inv-1-1", "status": "delivered",
                     "started_at": "2026-02-28T10:01:00+01:00", "finished_at": "2026-02-28T10:01:01+01:00",
                     "reason": None, "reference": "m-1", "receipt": "accepted",
                     "receipt_at": "2026-02-28T10:02:00+01:00"},
        "sent_at": "2026-02-28T10:01:01+01:00",
        "collection": {"provider": "svea", "status": "closed", "case_id": "S-1", "started_at": "2026-03-16T08:00:00",
                       "history": [{"status": "closed", "at": "2026-03-20T10:00:00", "reason": "paid"}]},
    }


def test_an_invoice_with_every_shape_is_sent_as_stored():
    stored = _issued_with_every_shape()
    sent = json.loads(InvoiceOut.model_validate(stored).model_dump_json())
    assert sent == stored
    assert sent["totals"]["vat_nok"] == "3461.85" and sent["totals"]["rounding"] == "-0.15"


def test_a_field_that_is_not_declared_is_not_sent():
    stored = {**_issued_with_every_shape(), "internal": "x"}
    stored["lines"][0]["internal"] = "x"
    sent = json.loads(InvoiceOut.model_validate(stored).model_dump_json())
    assert "internal" not in sent and "internal" not in sent["lines"][0]


def test_totals_stored_before_prepaid_and_rounding_existed_are_sent_with_zero():
    totals = {k: "100.00" for k in ("line_extension", "allowance_total", "charge_total", "tax_exclusive", "vat",
                                    "tax_inclusive", "payable")}
    sent = json.loads(TotalsOut.model_validate(totals).model_dump_json())
    assert sent == {**totals, "prepaid": "0.00", "rounding": "0.00"}


class _Files(DocumentFiles):
    """The documents bucket, kept in memory."""

    def __init__(self) -> None:
        self.client_id, self.bucket = "c-1", "documents"

    def put(self, key: str, content: bytes, content_type: str) -> None:
        pass


def test_attachment_metadata_as_stored_is_sent_whole():
    [meta] = attachments.store(_Files(), "inv-1", [{"filename": "t.csv", "mime_code": "text/csv",
                                                    "content_base64": base64.b64encode(b"a;b\n").decode()}])
    assert AttachmentOut.model_validate(meta).model_dump(mode="json") == meta
