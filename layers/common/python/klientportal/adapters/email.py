"""Outgoing e-mail with attachments: Amazon SES SendRawEmail. Locally the same SES call goes to moto,
and a copy of what was sent lands in the local outbox (channel "email")."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Protocol

from klientportal import aws
from klientportal.adapters import outbox


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str
    from_address: str
    from_name: str | None = None
    reply_to: str | None = None
    attachments: tuple[tuple[str, str, bytes], ...] = field(default=())  # (filename, mime type, content)
    reference: str | None = None  # our delivery id, in a header for support


def mime_of(mail: Mail) -> bytes:
    msg = EmailMessage()
    msg["From"] = formataddr((mail.from_name, mail.from_address)) if mail.from_name else mail.from_address
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Message-ID"] = make_msgid(domain=mail.from_address.split("@", 1)[1])
    if mail.reply_to:
        msg["Reply-To"] = mail.reply_to
    if mail.reference:
        msg["X-Klientportal-Reference"] = mail.reference
    msg.set_content(mail.body)
    for filename, mime, content in mail.attachments:
        maintype, subtype = mime.split("/", 1)
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


class EmailSender(Protocol):
    def send(self, mail: Mail) -> str:
        """Send; return the provider's message id. Raises on refusal."""


class SesEmailSender:
    """Amazon SES v1 SendRawEmail (the PDF travels as a MIME attachment)."""

    def send(self, mail: Mail) -> str:
        resp = aws.client("ses").send_raw_email(
            Source=mail.from_address, Destinations=[mail.to], RawMessage={"Data": mime_of(mail)}
        )
        message_id: str = resp["MessageId"]
        return message_id


class LocalSesEmailSender(SesEmailSender):
    """LOCAL SIMULATOR: SES on moto (the sender domain is verified when SES refuses it as unverified,
    as a fresh or reset moto does) plus a copy in the local outbox, so the developer sees the message."""

    def send(self, mail: Mail) -> str:
        ses = aws.client("ses")
        try:
            message_id = super().send(mail)
        except ses.exceptions.MessageRejected:
            ses.verify_domain_identity(Domain=mail.from_address.split("@", 1)[1])
            message_id = super().send(mail)
        outbox.deliver(
            "email",
            {
                "to": mail.to,
                "from": mail.from_address,
                "reply_to": mail.reply_to,
                "subject": mail.subject,
                "body": mail.body,
                "ses_message_id": message_id,
                "reference": mail.reference,
                "attachments": [{"filename": f, "mime": t, "bytes": len(c)} for f, t, c in mail.attachments],
            },
        )
        return message_id
