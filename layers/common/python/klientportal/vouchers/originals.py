"""Originals (bilag) kept unaltered: content-addressed objects in the vouchers bucket, each with
its own COMPLIANCE retention until five years after the end of the financial year
(bokføringsloven § 13), written BEFORE anything reads them.

Key: originals/<sha256[:2]>/<sha256>. The same bytes are the same object, so a replayed event or the
same file sent twice stores nothing new. The retention year is the financial year (of the client, once
known: `first_month`, 0265) in which the original was received (Europe/Oslo): never earlier than the
year of the voucher's booking, so the lock is never too short. A stored object whose lock ends earlier
than the rule asks is extended (PutObjectRetention); a lock is never shortened (COMPLIANCE forbids it).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time
from typing import Any

from botocore.exceptions import ClientError

from klientportal import clock

RETENTION_YEARS = 5
ORIGINALS_PREFIX = "originals/"
PREVIEW_SECONDS = 300
MAX_COPIED_BYTES = 1024 * 1024 * 1024  # larger objects stay (unread, quarantined) in the inbound bucket


def retain_until(received_on: date, first_month: int = 1) -> datetime:
    """The end of the financial year of `received_on` + five years, Oslo time (the first moment after
    it). `first_month` is the financial year's first month: 1 = the calendar year; 7 = July–June, so
    a voucher received in March 2027 (year ending 30 June 2027) is kept until 1 July 2032 (0265)."""
    if not 1 <= first_month <= 12:
        raise ValueError("first_month is 1..12")
    end_year = received_on.year + (1 if first_month > 1 and received_on.month >= first_month else 0)
    if first_month == 1:
        end_year += 1
    return datetime.combine(date(end_year + RETENTION_YEARS, first_month, 1), time(0, 0), tzinfo=clock.OSLO)


def original_key(sha256: str) -> str:
    return f"{ORIGINALS_PREFIX}{sha256[:2]}/{sha256}"


@dataclass(frozen=True)
class OriginalRef:
    bucket: str
    key: str
    sha256: str
    size: int
    content_type: str
    retain_until: str
    filename: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _is_missing(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


def _lengthen(s3: Any, bucket: str, key: str, current: datetime | None, until: datetime) -> datetime:
    """The object's lock end after making it at least `until`: PutObjectRetention only when the
    current end is earlier (COMPLIANCE can be lengthened, never shortened), so a replay calls nothing."""
    if current is not None and current >= until:
        return current
    s3.put_object_retention(Bucket=bucket, Key=key, Retention={"Mode": "COMPLIANCE", "RetainUntilDate": until})
    return until


def extend_retention(s3: Any, ref: OriginalRef, until: datetime) -> OriginalRef:
    """`ref` locked at least until `until` (an original stored before its client was known, 0265).
    Unchanged, without a call, when its lock already ends then or later."""
    if datetime.fromisoformat(ref.retain_until) >= until:
        return ref
    head = s3.head_object(Bucket=ref.bucket, Key=ref.key)  # the stored end, not what this run assumed
    stored = _lengthen(s3, ref.bucket, ref.key, head.get("ObjectLockRetainUntilDate"), until)
    return replace(ref, retain_until=clock.iso(stored))


def _stored_lock(s3: Any, bucket: str, key: str, until: datetime) -> datetime | None:
    """The lock end of the original already stored at `key` (lengthened to `until` when earlier),
    or None when nothing is stored there yet."""
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if _is_missing(exc):
            return None
        raise
    return _lengthen(s3, bucket, key, head.get("ObjectLockRetainUntilDate"), until)


def store_original(
    s3: Any,
    bucket: str,
    data: bytes,
    *,
    content_type: str,
    filename: str | None = None,
    received: datetime | None = None,
    first_month: int = 1,
) -> OriginalRef:
    """Store `data` unaltered and locked (or find it stored already, its lock lengthened when the
    rule for `first_month` asks for a later end); return where it is."""
    sha = hashlib.sha256(data).hexdigest()
    key = original_key(sha)
    until = retain_until(clock.today_oslo(received), first_month)
    stored = _stored_lock(s3, bucket, key, until)
    if stored is not None:
        return OriginalRef(bucket, key, sha, len(data), content_type, clock.iso(stored), filename)
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=data,
        ContentType=content_type,
        ChecksumAlgorithm="SHA256",
        ChecksumSHA256=base64.b64encode(bytes.fromhex(sha)).decode(),
        ObjectLockMode="COMPLIANCE",
        ObjectLockRetainUntilDate=until,
        Metadata={"sha256": sha},
    )
    return OriginalRef(bucket, key, sha, len(data), content_type, clock.iso(until), filename)


def copy_original(
    s3: Any,
    bucket: str,
    source_bucket: str,
    source_key: str,
    *,
    content_type: str,
    filename: str | None = None,
    received: datetime | None = None,
    first_month: int = 1,
    max_bytes: int = MAX_COPIED_BYTES,
) -> OriginalRef | None:
    """An object too large to read into memory (hostile or not), kept all the same: hashed as a
    stream, then copied server-side into the locked originals. None when it exceeds `max_bytes`."""
    body = s3.get_object(Bucket=source_bucket, Key=source_key)["Body"]
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: body.read(1024 * 1024), b""):
        size += len(chunk)
        if size > max_bytes:
            body.close()
            return None
        digest.update(chunk)
    sha = digest.hexdigest()
    key = original_key(sha)
    until = retain_until(clock.today_oslo(received), first_month)
    stored = _stored_lock(s3, bucket, key, until)
    if stored is None:
        s3.meta.events.register("before-sign.s3.CopyObject", _declare_checksum, unique_id=_CHECKSUM_HOOK)
        s3.copy_object(
            Bucket=bucket,
            Key=key,
            CopySource={"Bucket": source_bucket, "Key": source_key},
            MetadataDirective="REPLACE",
            ContentType=content_type,
            Metadata={"sha256": sha},
            ChecksumAlgorithm="SHA256",
            ObjectLockMode="COMPLIANCE",
            ObjectLockRetainUntilDate=until,
        )
    else:
        until = stored
    return OriginalRef(bucket, key, sha, size, content_type, clock.iso(until), filename)


_CHECKSUM_HOOK = "klientportal-copy-declares-checksum"


def _declare_checksum(request: Any, **_: Any) -> None:
    """Declare the checksum algorithm on CopyObject as SDKs do on writes (an Object Lock bucket asks
    for it; S3 computes the copy's checksum server-side)."""
    request.headers["x-amz-sdk-checksum-algorithm"] = "SHA256"


def presigned_get(
    s3: Any, bucket: str, key: str, *, content_type: str, filename: str | None = None, expires_in: int = PREVIEW_SECONDS
) -> str:
    params: dict[str, Any] = {"Bucket": bucket, "Key": key, "ResponseContentType": content_type}
    if filename:
        safe = "".join(c for c in filename if c.isalnum() or c in "._- ")[:100] or "voucher"
        params["ResponseContentDisposition"] = f'inline; filename="{safe}"'
    url: str = s3.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)
    return url
