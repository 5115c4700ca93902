"""The local stand-in for SES inbound: a real SMTP server on 127.0.0.1 that accepts mail for the
voucher inbox domain and writes the raw MIME to the inbound bucket under mail/, where the SES
receipt rule's S3 action writes it in AWS. S3 → SQS → ingest then runs exactly as in AWS.

Like SES it prepends a Return-Path and a Received header and keeps the message otherwise as sent;
like SES's S3 action it does not record the envelope recipients (routing reads To/Cc/Delivered-To).
Mail for other domains is refused at RCPT (550), as SES refuses domains without a receipt rule.
"""

from __future__ import annotations

import email.utils
import socket
import uuid

from aiosmtpd.controller import Controller

from klientportal import aws
from klientportal.settings import settings
from klientportal.vouchers.limits import DEFAULT_MAIL_LIMITS

DEFAULT_PORT = 2525


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self, drop: SmtpDrop) -> None:
        self.drop = drop

    async def handle_RCPT(self, server, session, envelope, address: str, rcpt_options):
        if address.rpartition("@")[2].lower() != self.drop.domain.lower():
            return f"550 5.1.1 <{address}>: not a voucher inbox (only @{self.drop.domain})"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or b""
        peer = session.peer[0] if session.peer else "unknown"
        received = (
            f"Return-Path: <{envelope.mail_from}>\r\n"
            f"Received: from {session.host_name or peer} ([{peer}]) by klientportal-local-smtp "
            f"for <{envelope.rcpt_tos[0]}>; {email.utils.formatdate(usegmt=True)}\r\n"
        ).encode()
        key = self.drop.write(received + content)
        return f"250 2.0.0 Ok: queued as {key.rsplit('/', 1)[1]}"


class SmtpDrop:
    """`SmtpDrop(port=2525).start()`; `.stop()`. Port 0 picks a free port."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = DEFAULT_PORT, domain: str | None = None, bucket: str | None = None
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.domain = domain or settings().inbox_domain
        self.bucket = bucket or settings().inbound_bucket
        self.written: list[str] = []
        self.addresses: list[str] = []  # shown in the banner
        self._controller = Controller(
            _Handler(self),
            hostname=host,
            port=self.port,
            data_size_limit=DEFAULT_MAIL_LIMITS.max_message_bytes + 64 * 1024,
        )

    def write(self, raw: bytes) -> str:
        key = f"mail/{uuid.uuid4().hex}"
        aws.client("s3").put_object(Bucket=self.bucket, Key=key, Body=raw, ContentType="message/rfc822")
        self.written.append(key)
        return key

    def start(self) -> SmtpDrop:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


def start_smtp_drop(tenancy) -> SmtpDrop:
    """For the local runner: give each demo client its voucher address and start the drop on
    KP_LOCAL_SMTP_PORT (default 2525; 0 = any free port)."""
    import os

    from infra.local import seed
    from klientportal.repository.store import SYSTEM
    from klientportal.vouchers.inbox import address, assign_inbox

    configured = os.environ.get("KP_LOCAL_SMTP_PORT")
    drop = SmtpDrop(port=int(configured or DEFAULT_PORT))
    for client_id, _ in seed.CLIENTS:
        found = tenancy.repo.client(client_id)
        if found:
            slug = assign_inbox(tenancy.repo.store, found[0], SYSTEM)["slug"]
            drop.addresses.append(address(slug, drop.domain))
    try:
        return drop.start()
    except OSError:
        if configured:
            raise
        fallback = SmtpDrop(port=0)  # 2525 is taken and no port was asked for: any free port (see banner)
        fallback.addresses = drop.addresses
        return fallback.start()
