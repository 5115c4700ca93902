"""The customer's own supporting documents on an invoice (EHF AdditionalDocumentReference, BG-24).

The files are kept in the documents bucket beside the invoice's PDF and EHF, under
`clients/<client>/invoices/<id>/attachments/<sha256>` (the content's hash: the same file twice is one
object; no user text in the key); the draft keeps their metadata only (a DynamoDB item holds at most
400 KB). The PDF lists them; the EHF embeds them after the invoice PDF. Limits: the MIME types PEPPOL
allows (BR-CL-24), at most `MAX_ATTACHMENTS` files of `MAX_ATTACHMENT_BYTES` each and
`MAX_TOTAL_BYTES` together, so that the base64 request body stays below Lambda's 6 MB payload limit.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from klientportal.errors import FieldError, InvalidInput, RuleViolation
from klientportal.invoicing.delivery import DocumentFiles

if TYPE_CHECKING:  # the handler checks sizes with this module; the invoice models are for the use cases
    from klientportal.invoicing import models as m

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 2 * 1024 * 1024
MAX_TOTAL_BYTES = 4 * 1024 * 1024
#: The name of the invoice's own PDF (service: faktura-<number>.pdf / kreditnota-<number>.pdf).
_OWN_PDF = re.compile(r"^(faktura|kreditnota)-[0-9]+\.pdf$", re.IGNORECASE)


def decode(content_base64: str) -> bytes:
    """Strict base64 (RFC 4648 alphabet and padding; nothing skipped)."""
    try:
        return base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not valid base64") from exc


def store(files: DocumentFiles, invoice_id: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Check every attachment, then put each in S3; returns the metadata the draft keeps."""
    from klientportal.invoicing import models as m

    if len(items) > MAX_ATTACHMENTS:
        raise InvalidInput(f"at most {MAX_ATTACHMENTS} attachments", [FieldError("attachments", "too many")])
    checked = []
    for i, item in enumerate(items):
        try:
            content = decode(item["content_base64"])
            attachment = m.Attachment(
                filename=item["filename"],
                mime_code=item["mime_code"],
                content=content,
                description=item.get("description"),
            )
        except (ValueError, ValidationError) as exc:
            raise InvalidInput(
                f"attachment {i + 1} is not valid: {exc}", [FieldError(f"attachments.{i}", str(exc).splitlines()[-1])]
            ) from exc
        if _OWN_PDF.match(attachment.filename):
            raise InvalidInput(
                f"the file name {attachment.filename} is kept for the invoice's own PDF",
                [FieldError(f"attachments.{i}.filename", "reserved name")],
            )
        if len(content) > MAX_ATTACHMENT_BYTES:
            raise InvalidInput(
                f"attachment {i + 1} is larger than {MAX_ATTACHMENT_BYTES} bytes",
                [FieldError(f"attachments.{i}.content_base64", "too large")],
            )
        checked.append(attachment)
    if sum(len(x.content) for x in checked) > MAX_TOTAL_BYTES:
        raise InvalidInput(
            f"the attachments are larger than {MAX_TOTAL_BYTES} bytes together",
            [FieldError("attachments", "too large together")],
        )
    if len({x.filename for x in checked}) != len(checked):
        raise InvalidInput("two attachments have the same file name", [FieldError("attachments", "same file name")])
    stored = []
    for attachment in checked:
        digest = hashlib.sha256(attachment.content).hexdigest()
        key = files.key(invoice_id, f"attachments/{digest}")
        files.put(key, attachment.content, attachment.mime_code)
        stored.append(
            {
                "filename": attachment.filename,
                "mime_code": attachment.mime_code,
                "description": attachment.description,
                "size": len(attachment.content),
                "sha256": digest,
                "key": key,
            }
        )
    return stored


def load(files: DocumentFiles, stored: list[dict[str, Any]]) -> tuple[m.Attachment, ...]:
    """The attachments of an invoice from S3, each checked against its recorded hash."""
    from klientportal.invoicing import models as m

    out = []
    for meta in stored:
        content = files.get(meta["key"])
        if content is None or hashlib.sha256(content).hexdigest() != meta["sha256"]:
            raise RuleViolation(f"the attachment {meta['filename']} is missing or changed in storage")
        out.append(
            m.Attachment(
                filename=meta["filename"],
                mime_code=meta["mime_code"],
                content=content,
                description=meta.get("description"),
            )
        )
    return tuple(out)


def with_attachments(
    invoice: m.Invoice, data: dict[str, Any], files: DocumentFiles, first: tuple[m.Attachment, ...] = ()
) -> m.Invoice:
    """`invoice` with `first` (e.g. its own PDF) and the stored attachments of `data`, validated."""
    from klientportal.invoicing import models as m

    attached = first + load(files, data.get("attachments") or [])
    if not attached:
        return invoice
    try:
        return m.Invoice.model_validate({**dict(invoice), "attachments": attached})
    except ValidationError as exc:
        raise RuleViolation(f"the attachments cannot go with this invoice: {exc.errors()[0]['msg']}") from exc
