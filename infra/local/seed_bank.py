"""Demo data of the bank routine for the local stack: Fjordkaffe's bank agreement (and Byggmester
Hansen's, whose payroll run pays salaries and tax through the bank), an open item
from the bureau's own ledger, and an OCR giro file waiting in the bank simulator's folder (it pays
the first sent invoice in full, the open item partly, and carries a KID nobody issued). Fire
`POST /_local/schedules/bank-retrieval` to fetch it. All through the services the API uses."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta
from decimal import Decimal

from infra.local.bank_files import Paid, ocr_file
from klientportal import clock
from klientportal.adapters.bank_channel import BankChannelError, SimulatedBankChannel
from klientportal.bank.agreements import AgreementAccount, BankAgreement
from klientportal.bank.open_items import ReceivableIn
from klientportal.bootstrap import Invocation
from klientportal.formats.kid import mod10_control
from klientportal.repository import keys
from klientportal.repository.store import SYSTEM

CLIENT = "c-fjordkaffe"
ACCOUNT = "86011117947"
CHANNEL_CUSTOMER = "fjordkaffe-dnb"
OPEN_ITEM = "H-2041"
OPEN_ITEM_KID = "2041" + mod10_control("2041")


PAYROLL_CLIENT = "c-hansenbygg"
PAYROLL_ACCOUNT = "15032080119"


def seed_bank(services: Invocation) -> None:
    bank = services.bank(CLIENT)
    agreement = BankAgreement(
        accounts=[AgreementAccount(account=ACCOUNT)], channel_customer_id=CHANNEL_CUSTOMER, ocr_agreement_id="001008566"
    )
    bank.set_agreement(agreement, SYSTEM)
    salaries = BankAgreement(accounts=[AgreementAccount(account=PAYROLL_ACCOUNT)], channel_customer_id="hansenbygg-dnb")
    services.bank(PAYROLL_CLIENT).set_agreement(salaries, SYSTEM)  # the payroll run's batch goes out from here
    today = clock.today_oslo()
    bank.receivables.add(
        ReceivableIn(
            invoice_number=OPEN_ITEM,
            customer_number=2,
            kid=OPEN_ITEM_KID,
            amount=Decimal("2400.00"),
            issue_date=today - timedelta(days=40),
            due_date=today - timedelta(days=26),
            customer_name="Bryggeriet Bergen AS",
        ),
        SYSTEM,
    )
    sent = [
        r.data
        for r in services.store.query_all(keys.client_pk(CLIENT), keys.INVOICE_PREFIX)
        if r.entity == "invoice" and r.data.get("status") == "sent" and r.data.get("kid")
    ]
    payments = [
        Paid(Decimal("1000.00"), kid=OPEN_ITEM_KID, on=today),
        Paid(Decimal("75.00"), kid="0000000018", on=today),
    ]
    if sent:
        first = min(sent, key=lambda d: int(d["number"]))
        payments.insert(0, Paid(Decimal(first["totals"]["payable"]), kid=first["kid"], on=today))
    data = ocr_file(_transmission(today), ACCOUNT, payments)
    with contextlib.suppress(BankChannelError):  # a restart the same day: the bank keeps the file it offered
        SimulatedBankChannel().offer(CHANNEL_CUSTOMER, f"OCR.D{today:%d%m%y}.001.txt", data)


def _transmission(day: date) -> int:
    return int(f"{day:%y%m%d}1")
