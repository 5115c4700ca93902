"""Which domain events are billable, and how many transactions each is."""

from __future__ import annotations

from klientportal.billing.transactions import BILLABLE_ACTIONS, classify


def test_invoices_by_channel_and_print_reminders():
    assert classify("invoice.sent", None, {"delivery": {"channel": "ehf"}}) == [("ehf_sent", 1)]
    assert classify("invoice.sent", None, {"delivery": {"channel": "print"}}) == [("print_letter", 1)]
    assert classify("invoice.sent", None, {"delivery": {"channel": "email"}}) == [("email_invoice", 1)]
    assert classify("invoice.delivery_failed", None, {"delivery": {"channel": "ehf"}}) == []
    assert classify("invoice.reminded", None, {"reminders": [{"channel": "email"}, {"channel": "print"}]}) == [
        ("print_letter", 1)
    ]
    assert classify("invoice.reminded", None, {"reminders": [{"channel": "print"}, {"channel": "email"}]}) == []


def test_vouchers_ehf_received_and_the_first_ocr_reading_only():
    assert classify("voucher.received", None, {"channel": "ehf"}) == [("ehf_received", 1)]
    assert classify("voucher.received", None, {"channel": "mail"}) == []
    ocr = {"extracted": {"source": "ocr"}}
    assert classify("voucher.interpreted", {"status": "received"}, ocr) == [("ocr_interpretation", 1)]
    assert classify("voucher.interpreted", {"status": "new"}, ocr) == []  # the rewrite after a race
    assert classify("voucher.interpreted", {"status": "received"}, {"extracted": {"source": "pdf-text"}}) == []


def test_new_routines_by_their_record_fields():
    assert classify("bank_import.booked", None, {"counts": {"transactions": 42}}) == [
        ("bank_file", 1),
        ("bank_transaction", 42),
    ]
    assert classify("bank_import.booked", None, {"counts": {"transactions": "42"}}) == [("bank_file", 1)]
    # payments an earlier file recorded (OCR and camt.054 of one payment, overlapping files) count once
    assert classify("bank_import.booked", None, {"counts": {"transactions": 4, "duplicates": 3}}) == [
        ("bank_file", 1),
        ("bank_transaction", 1),
    ]
    assert classify("bank_import.booked", None, {"counts": {"transactions": 2, "duplicates": 2}}) == [("bank_file", 1)]
    assert classify("payment_batch.sent", None, {"lines": [{}, {}, {}]}) == [("payment_batch", 1), ("payment_line", 3)]
    assert classify("payment_batch.sent", None, {"lines": []}) == []
    assert classify("payslip.issued", None, {}) == [("payslip", 1)]
    assert classify("a_melding.submitted", None, {}) == [("a_melding", 1)]


def test_every_billable_action_is_classified_and_others_are_not():
    assert classify("customer.created", None, {"channel": "ehf"}) == []
    samples = {
        "invoice.sent": {"delivery": {"channel": "ehf"}},
        "invoice.reminded": {"reminders": [{"channel": "print"}]},
        "voucher.received": {"channel": "ehf"},
        "voucher.interpreted": {"extracted": {"source": "ocr"}},
        "bank_import.booked": {"counts": {"transactions": 1}},
        "payment_batch.sent": {"lines": [{}]},
    }
    for action in BILLABLE_ACTIONS:
        assert classify(action, {"status": "received"}, samples.get(action, {})), action
