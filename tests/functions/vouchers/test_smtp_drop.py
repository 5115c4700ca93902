"""The local SMTP drop: smtplib → 127.0.0.1 → inbound/mail/ → S3 → SQS → ingest → the client's inbox."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.policy import SMTP

import pytest

from infra.local.smtp import SmtpDrop
from tests.functions.vouchers.conftest import ADMIN, FJORD


@pytest.fixture
def smtp(aws_env):
    drop = SmtpDrop(port=0).start()
    yield drop
    drop.stop()


def _smtp_mail(to: str, ehf: bytes) -> bytes:
    """As a mail client sends it: base64 attachment, lines within SMTP's 998-character limit."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "faktura@leverandor.no", to, "Faktura TOSL108"
    message.set_content("Vedlagt EHF.")
    message.add_attachment(ehf, maintype="application", subtype="xml", filename="faktura.xml", cte="base64")
    return message.as_bytes(policy=SMTP)


def test_voucher_sent_by_smtp_reaches_the_inbox(api, inbound, smtp, ehf_bytes):
    address = api.get(f"/clients/{FJORD}/voucher-inbox", user=ADMIN).json["address"]
    raw = _smtp_mail(address, ehf_bytes)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as client:
        refused = client.sendmail("faktura@leverandor.no", [address], raw)
        assert refused == {}
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail("faktura@leverandor.no", ["someone@example.com"], raw)
    assert len(smtp.written) == 1 and smtp.written[0].startswith("mail/")
    inbound.drain()
    [voucher] = api.get(f"/clients/{FJORD}/vouchers", user=ADMIN).json["items"]
    assert voucher["channel"] == "mail" and voucher["source"]["mail"]["recipient"] == address
    assert voucher["details"]["invoice_number"] == "TOSL108"
