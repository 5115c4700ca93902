"""Portal uploads: the key format of the inbound bucket (one home: built here for the presigned
request, parsed here by the intake) and the presigned POST that binds each file's declared size
and content type (0266).

Keys: `upload/<client>/<batch>-<n>/<file name>` (portal), `ehf/<client>/<name>` (access point),
`mail/<id>` (SES). S3 refuses a POST whose body is not exactly the declared size or whose
Content-Type is not the declared one; the intake checks the stored size against the declared one
again before reading (`size_mismatch`), so a store that does not enforce the policy (moto) or an
object written some other way cannot slip past either.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from klientportal.vouchers.filenames import sanitise_filename

MAIL_PREFIX, UPLOAD_PREFIX, EHF_PREFIX = "mail/", "upload/", "ehf/"
UPLOAD_SECONDS = 900
UPLOADED_BY = "uploaded-by"  # x-amz-meta-uploaded-by: the uploader's user id
DECLARED_SIZE = "declared-size"  # x-amz-meta-declared-size: bytes, as declared and signed


@dataclass(frozen=True)
class InboundKey:
    """What the key of an inbound object says: its channel, the client it names, its file name."""

    channel: str  # "mail" | "upload" | "ehf"
    client_id: str | None  # None for mail (routed by recipient)
    filename: str | None


def upload_key(client_id: str, batch: str, index: int, filename: str) -> str:
    return f"{UPLOAD_PREFIX}{client_id}/{batch}-{index}/{filename}"


def ehf_key(client_id: str, name: str) -> str:
    return f"{EHF_PREFIX}{client_id}/{name}"


def parse_inbound_key(key: str) -> InboundKey | None:
    """The channel, client and file name of an inbound key, or None when it is none of ours."""
    if key.startswith(MAIL_PREFIX):
        return InboundKey("mail", None, None)
    parts = key.split("/")
    if key.startswith((UPLOAD_PREFIX, EHF_PREFIX)) and len(parts) >= 3 and parts[1]:
        return InboundKey("upload" if key.startswith(UPLOAD_PREFIX) else "ehf", parts[1], parts[-1])
    return None


@dataclass(frozen=True)
class DeclaredFile:
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class UploadTarget:
    filename: str
    key: str
    url: str
    fields: dict[str, str]  # the form fields to send before the file (method POST, multipart)
    expires_in: int
    method: str = "POST"


def presigned_uploads(
    s3: Any,
    bucket: str,
    client_id: str,
    uploader: str,
    files: list[DeclaredFile],
    *,
    batch: str | None = None,
    expires_in: int = UPLOAD_SECONDS,
) -> list[UploadTarget]:
    """One presigned POST per file; its policy fixes the key, the exact size (content-length-range
    size..size), the content type and the uploader, so S3 refuses any other body."""
    batch = batch or uuid.uuid4().hex[:16]
    targets = []
    for index, f in enumerate(files, start=1):
        name = sanitise_filename(f.filename, fallback=f"upload-{index}")
        key = upload_key(client_id, batch, index, name)
        fields = {
            "Content-Type": f.content_type,
            f"x-amz-meta-{UPLOADED_BY}": uploader,
            f"x-amz-meta-{DECLARED_SIZE}": str(f.size),
        }
        conditions: list[Any] = [["content-length-range", f.size, f.size], *({k: v} for k, v in fields.items())]
        post = s3.generate_presigned_post(bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=expires_in)
        targets.append(
            UploadTarget(filename=name, key=key, url=post["url"], fields=post["fields"], expires_in=expires_in)
        )
    return targets


def size_mismatch(head: dict[str, Any]) -> str | None:
    """Why a stored upload does not match what was declared for it, or None. An upload without a
    declared size (written some other way than the presigned POST) is refused as well."""
    declared = (head.get("Metadata") or {}).get(DECLARED_SIZE)
    actual = int(head["ContentLength"])
    if declared is None or not declared.isdigit():
        return f"the upload carries no declared size; {actual} bytes stored"
    if int(declared) != actual:
        return f"declared {int(declared)} bytes, {actual} bytes stored"
    return None
