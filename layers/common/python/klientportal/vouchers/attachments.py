"""Accepting or rejecting one candidate file (an e-mail attachment or a zip entry).

The bytes decide the type (magic bytes), not the name or the declared MIME type; a declared type
that names something else is a rejection. Only PDF, XML and images become vouchers; a zip from an
e-mail is opened one level deep under `ZipLimits`. Every refusal is a `Rejection` with a reason.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from klientportal.vouchers import sniff
from klientportal.vouchers.limits import MailLimits
from klientportal.vouchers.reasons import Reason

MAIL = "mail"


@dataclass(frozen=True)
class Attachment:
    """An accepted file: sanitised name, the sniffed content type, and the bytes."""

    filename: str
    content_type: str
    declared_type: str | None
    origin: str
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Rejection:
    """A file that was not accepted, and why (`reason` is stable, `message` is for people)."""

    filename: str
    declared_type: str | None
    origin: str
    reason: Reason
    message: str
    size: int | None = None


@dataclass
class Budget:
    """What is left of the total attachment size allowance for one message."""

    remaining: int

    def take(self, size: int) -> bool:
        if size > self.remaining:
            return False
        self.remaining -= size
        return True


def classify(
    data: bytes,
    *,
    filename: str,
    declared_type: str | None,
    origin: str,
    limits: MailLimits,
    budget: Budget,
) -> tuple[list[Attachment], list[Rejection]]:
    """Accept the file, reject it with a reason, or (a zip from the e-mail) classify its entries."""

    def reject(reason: Reason, message: str) -> tuple[list[Attachment], list[Rejection]]:
        return [], [Rejection(filename, declared_type, origin, reason, message, len(data))]

    if not data:
        return reject(Reason.EMPTY_ATTACHMENT, "the attachment is empty")
    if len(data) > limits.max_attachment_bytes:
        return reject(Reason.ATTACHMENT_TOO_LARGE, f"{len(data)} bytes exceeds {limits.max_attachment_bytes}")
    sniffed = sniff.sniff(data)
    declared = sniff.normalise_declared(declared_type)
    if not sniff.declared_matches(declared, sniffed):
        return reject(Reason.TYPE_MISMATCH, f"declared {declared_type!r} but the content is {sniffed}")
    if sniffed == sniff.ZIP:
        if origin != MAIL:
            return reject(Reason.ZIP_NESTED, "zip archives inside zip archives are not opened")
        from klientportal.vouchers.zipped import classify_zip

        return classify_zip(data, archive_name=filename, limits=limits, budget=budget)
    if sniffed not in sniff.VOUCHER_TYPES:
        return reject(Reason.UNSUPPORTED_TYPE, f"content is {sniffed}; only PDF, XML and images are vouchers")
    if not budget.take(len(data)):
        return reject(Reason.ATTACHMENTS_TOTAL_TOO_LARGE, "the message's total attachment allowance is used up")
    return [Attachment(filename, sniffed, declared_type, origin, data)], []
