"""Pure rules of the invoicing routine: reminders and interest, VAT mapping, numbering, balances."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from klientportal.errors import InvalidInput
from klientportal.invoicing import lifecycle as lc
from klientportal.invoicing.documents import vat_for
from klientportal.invoicing.numbering import take_number
from klientportal.invoicing.settings import ReminderLaw, late_interest
from klientportal.repository.records import Record

LAW = ReminderLaw(inkassosats=Decimal("700"), forsinkelsesrente_percent=Decimal("12.5"))


def invoice(**kw) -> dict:
    return {
        "status": "sent",
        "due_date": "2026-03-16",
        "totals": {"payable": "1000.00"},
        "paid_amount": "0.00",
        "credited_amount": "0.00",
        "reminders": [],
        **kw,
    }


def test_fee_is_a_tenth_of_inkassosatsen_rounded_down():
    assert LAW.max_reminder_fee == Decimal("70.00")
    assert ReminderLaw(inkassosats=Decimal("755")).max_reminder_fee == Decimal("75.50")
    assert ReminderLaw(inkassosats=Decimal("700.05")).max_reminder_fee == Decimal("70.00")


def test_late_interest_actual_365():
    assert late_interest(Decimal("1000"), Decimal("12.5"), date(2026, 3, 16), date(2026, 4, 15)) == Decimal("10.27")
    assert late_interest(Decimal("1000"), Decimal("12.5"), date(2026, 3, 16), date(2026, 3, 16)) == 0


def test_no_reminder_before_due_and_no_scheduled_one_before_14_days():
    assert not lc.plan_reminder(invoice(), date(2026, 3, 16), LAW).allowed
    assert not lc.plan_reminder(invoice(), date(2026, 3, 29), LAW).allowed
    early = lc.plan_reminder(invoice(), date(2026, 3, 20), LAW, on_demand=True)
    assert early.allowed and early.fee == 0 and early.kind == "purring"
    plan = lc.plan_reminder(invoice(), date(2026, 3, 30), LAW)
    assert plan.allowed and plan.fee == Decimal("70.00") and plan.new_due_date == date(2026, 4, 13)


def test_second_is_inkassovarsel_then_collection_not_a_third():
    first = {"kind": "purring", "fee": "70.00", "new_due_date": "2026-04-13", "date": "2026-03-30"}
    inv = invoice(status="reminded", reminders=[first])
    assert not lc.plan_reminder(inv, date(2026, 4, 13), LAW).allowed  # deadline not passed
    second = lc.plan_reminder(inv, date(2026, 4, 14), LAW)
    assert second.kind == "inkassovarsel" and second.fee == Decimal("70.00")
    warned = invoice(
        status="reminded",
        reminders=[
            first,
            {"kind": "inkassovarsel", "fee": "70.00", "new_due_date": "2026-04-28", "date": "2026-04-14"},
        ],
    )
    assert "debt collection" in lc.plan_reminder(warned, date(2026, 5, 1), LAW).reason
    assert lc.may_start_collection(warned, date(2026, 4, 28)) == (
        False,
        "the inkassovarsel's deadline 2026-04-28 has not passed",
    )
    assert lc.may_start_collection(warned, date(2026, 4, 29))[0]
    assert not lc.may_start_collection(invoice(status="reminded", reminders=[first]), date(2026, 6, 1))[0]


def test_at_most_two_fees():
    r = [
        {"kind": "purring", "fee": "70.00", "new_due_date": "2026-04-13", "date": "2026-03-30"},
        {"kind": "purring", "fee": "70.00", "new_due_date": "2026-04-28", "date": "2026-04-14"},
    ]
    assert lc.plan_reminder(invoice(status="reminded", reminders=r), date(2026, 5, 1), LAW).fee == 0


def test_status_after_payments_and_credits():
    assert lc.status_after_payment(invoice(paid_amount="400.00")) == "partly_paid"
    assert lc.status_after_payment(invoice(paid_amount="1000.00")) == "paid"
    assert lc.status_after_payment(invoice(credited_amount="1000.00")) == "credited"
    assert lc.status_after_payment(invoice(status="in_collection", paid_amount="10.00")) == "in_collection"


def test_frozen_invoice_refuses_edits():
    with pytest.raises(lc.InvoiceFrozen):
        lc.require_draft({"status": "issued", "number": 7})


def test_vat_codes_map_to_en16931():
    assert vat_for("3", True).key == ("S", Decimal(25))
    assert vat_for("33", True).key == ("S", Decimal(12))
    assert vat_for("52", True).exemption_reason_code == "VATEX-EU-G"
    assert vat_for("3", False).category == "O"
    with pytest.raises(InvalidInput):
        vat_for("1", True)  # an input code
    with pytest.raises(InvalidInput):
        vat_for("32", True)  # råfisk: no EHF treatment here


def test_numbering_starts_and_advances():
    number, change = take_number(None, "T#c", 10001)
    assert number == 10001 and change.before is None and change.after.data == {"next": 10002}
    counter = Record("T#c", "INVOICE_COUNTER", "invoice_counter", {"next": 10005}, version=4)
    number, change = take_number(counter, "T#c", 1)
    assert number == 10005 and change.after.data == {"next": 10006} and change.before is counter
