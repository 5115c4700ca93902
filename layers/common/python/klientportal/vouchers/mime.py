"""Hardened parsing of an inbound e-mail (raw MIME bytes) into accepted and rejected attachments.

Bounded before the tree is built: the message is fed to the stdlib feed parser in chunks while its
size and its number of boundary-like lines are counted, so a 40 MB message or one with a million
tiny parts is refused early. Then the part tree is walked iteratively (part count, depth) and each
leaf that is not the message body is decoded one at a time and classified (`attachments.classify`).
The encoded text of a part is released as soon as it is decoded.

Outcomes: "accepted" (at least one usable attachment), "no-attachment" (nothing usable; the mail is
quarantined with its rejections), "rejected" (the message itself is hostile or unreadable).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesFeedParser
from typing import Any, BinaryIO, TypeVar

from klientportal.vouchers.attachments import MAIL, Attachment, Budget, Rejection, classify
from klientportal.vouchers.filenames import sanitise_filename
from klientportal.vouchers.limits import DEFAULT_MAIL_LIMITS, MailLimits
from klientportal.vouchers.reasons import Reason

T = TypeVar("T")

ACCEPTED, NO_ATTACHMENT, REJECTED = "accepted", "no-attachment", "rejected"
DEFAULT_INBOX_DOMAIN = "bilag.example.no"
_FEED_CHUNK = 1024 * 1024
_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_BODY_TYPES = frozenset({"text/plain", "text/html"})


@dataclass(frozen=True)
class MailIntake:
    """The result of reading one e-mail; nothing in it is dropped without a Rejection."""

    outcome: str
    reason: Reason | None
    message: str
    sender: str | None = None
    recipient: str | None = None
    client_slug: str | None = None
    subject: str | None = None
    message_id: str | None = None
    attachments: tuple[Attachment, ...] = ()
    rejections: tuple[Rejection, ...] = ()
    defects: tuple[str, ...] = ()


def parse_message(
    raw: bytes | BinaryIO,
    *,
    limits: MailLimits = DEFAULT_MAIL_LIMITS,
    inbox_domain: str = DEFAULT_INBOX_DOMAIN,
    envelope_recipients: tuple[str, ...] = (),
) -> MailIntake:
    """Read raw MIME (bytes or a binary stream) into a MailIntake."""
    stream = io.BytesIO(raw) if isinstance(raw, (bytes, bytearray, memoryview)) else raw
    message, refusal = _feed(stream, limits)
    if refusal is not None:
        return refusal
    assert message is not None
    headers = _headers(message, limits, inbox_domain, envelope_recipients)
    leaves, too_complex = _leaves(message, limits)
    if too_complex is not None:
        return MailIntake(REJECTED, too_complex[0], too_complex[1], **headers)
    accepted: list[Attachment] = []
    rejected: list[Rejection] = []
    budget = Budget(limits.max_total_attachment_bytes)
    for index, part in enumerate(leaves, start=1):
        ok, bad = _classify_part(part, index, limits, budget)
        accepted.extend(ok)
        rejected.extend(bad)
    defects = tuple(sorted({type(defect).__name__ for part in message.walk() for defect in part.defects}))
    if accepted:
        message_text = f"{len(accepted)} attachment(s) accepted, {len(rejected)} rejected"
        return MailIntake(
            ACCEPTED,
            None,
            message_text,
            **headers,
            attachments=tuple(accepted),
            rejections=tuple(rejected),
            defects=defects,
        )
    return MailIntake(
        NO_ATTACHMENT,
        Reason.NO_ATTACHMENT,
        f"no usable attachment ({len(rejected)} rejected); the message is quarantined",
        **headers,
        rejections=tuple(rejected),
        defects=defects,
    )


def _feed(stream: BinaryIO, limits: MailLimits) -> tuple[EmailMessage | None, MailIntake | None]:
    parser = BytesFeedParser(policy=policy.default)
    size = 0
    boundary_lines = 0
    previous = b"\n"
    max_boundary_lines = 2 * limits.max_parts + 2
    while chunk := stream.read(_FEED_CHUNK):
        size += len(chunk)
        if size > limits.max_message_bytes:
            return None, MailIntake(
                REJECTED, Reason.MESSAGE_TOO_LARGE, f"the message exceeds {limits.max_message_bytes} bytes"
            )
        boundary_lines += (previous[-1:] + chunk).count(b"\n--")
        previous = chunk
        if boundary_lines > max_boundary_lines:
            return None, MailIntake(REJECTED, Reason.TOO_MANY_PARTS, f"more than {limits.max_parts} MIME parts")
        parser.feed(chunk)
    try:
        message = parser.close()
    except (ValueError, LookupError, RecursionError) as exc:
        return None, MailIntake(REJECTED, Reason.MALFORMED_MESSAGE, f"the message cannot be parsed: {exc}")
    if not isinstance(message, EmailMessage) or size == 0:
        return None, MailIntake(REJECTED, Reason.MALFORMED_MESSAGE, "the message is empty")
    return message, None


def _leaves(message: EmailMessage, limits: MailLimits) -> tuple[list[EmailMessage], tuple[Reason, str] | None]:
    """Leaf parts that are not the message body, after checking part count and nesting depth."""
    leaves: list[EmailMessage] = []
    stack: list[tuple[EmailMessage, int]] = [(message, 0)]
    count = 0
    while stack:
        part, depth = stack.pop()
        count += 1
        if count > limits.max_parts:
            return [], (Reason.TOO_MANY_PARTS, f"more than {limits.max_parts} MIME parts")
        if depth > limits.max_depth:
            return [], (Reason.NESTING_TOO_DEEP, f"MIME parts nested deeper than {limits.max_depth}")
        if part.is_multipart():
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend((child, depth + 1) for child in reversed(children) if isinstance(child, EmailMessage))
        elif not _is_body(part):
            leaves.append(part)
    return leaves, None


def _is_body(part: EmailMessage) -> bool:
    return (
        part.get_content_type() in _BODY_TYPES
        and _safe(part.get_content_disposition) != "attachment"
        and not _safe(part.get_filename)
    )


def _classify_part(
    part: EmailMessage, index: int, limits: MailLimits, budget: Budget
) -> tuple[list[Attachment], list[Rejection]]:
    filename = sanitise_filename(_safe(part.get_filename), fallback=f"attachment-{index}")
    declared = part.get_content_type()
    encoded = part.get_payload()
    encoding = str(part.get("content-transfer-encoding", "")).strip().lower()
    estimate = len(encoded) * 3 // 4 if encoding == "base64" and isinstance(encoded, str) else len(encoded or "")
    if estimate > limits.max_attachment_bytes + 4:
        part.set_payload("")
        return [], [
            Rejection(
                filename,
                declared,
                MAIL,
                Reason.ATTACHMENT_TOO_LARGE,
                f"about {estimate} bytes exceeds {limits.max_attachment_bytes}",
                estimate,
            )
        ]
    try:
        decoded = part.get_payload(decode=True)  # bytes (or None) for a leaf part
        data = decoded if isinstance(decoded, bytes) else b""
    except (ValueError, LookupError) as exc:
        return [], [Rejection(filename, declared, MAIL, Reason.UNDECODABLE_ATTACHMENT, f"cannot decode: {exc}")]
    part.set_payload("")
    return classify(data, filename=filename, declared_type=declared, origin=MAIL, limits=limits, budget=budget)


def _safe(getter: Callable[[], T]) -> T | None:
    """Header-derived values from hostile input: a malformed header is treated as absent."""
    try:
        return getter()
    except (ValueError, LookupError, TypeError, AttributeError):
        return None


def _header(message: EmailMessage, name: str, limit: int) -> str | None:
    value = _safe(lambda: message.get(name))
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text[:limit] or None


def _addresses(message: EmailMessage, name: str) -> list[str]:
    header = _safe(lambda: message.get(name))
    addresses = getattr(header, "addresses", None) if header is not None else None
    if addresses:
        return [address.addr_spec.lower() for address in addresses if address.addr_spec]
    return [header.strip().lower()] if isinstance(header, str) and "@" in header else []


def _headers(message: EmailMessage, limits: MailLimits, inbox_domain: str, envelope: tuple[str, ...]) -> dict[str, Any]:
    senders = _addresses(message, "From")
    candidates = [address.lower() for address in envelope]
    for name in ("Delivered-To", "X-Original-To", "To", "Cc"):
        candidates.extend(_addresses(message, name))
    recipient = next((address for address in candidates if address.rpartition("@")[2] == inbox_domain.lower()), None)
    slug = None
    if recipient is not None:
        local = recipient.rpartition("@")[0].split("+", 1)[0]
        slug = local if _SLUG.fullmatch(local) else None
    return {
        "sender": senders[0][: limits.max_header_chars] if senders else None,
        "recipient": recipient[: limits.max_header_chars] if recipient else None,
        "client_slug": slug,
        "subject": _header(message, "Subject", limits.max_header_chars),
        "message_id": _header(message, "Message-ID", limits.max_header_chars),
    }
