"""Opening a zip attachment one level deep, bounded against zip bombs.

Before reading anything: entry count, declared total size and declared compression ratio. While
reading: each entry is read in chunks and abandoned as soon as it passes its limit, so sizes a
crafted central directory lies about cannot blow memory up. Encrypted and nested archives are
rejected; every other entry goes through the same classification as an e-mail attachment.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from klientportal.vouchers.attachments import Attachment, Budget, Rejection, classify
from klientportal.vouchers.filenames import sanitise_filename
from klientportal.vouchers.limits import MailLimits
from klientportal.vouchers.reasons import Reason

_CHUNK = 64 * 1024


def classify_zip(
    data: bytes, *, archive_name: str, limits: MailLimits, budget: Budget
) -> tuple[list[Attachment], list[Rejection]]:
    """Accepted files and rejections for the entries of one zip archive."""
    zlimits = limits.zip
    origin = f"zip:{archive_name}"

    def whole(reason: Reason, message: str) -> tuple[list[Attachment], list[Rejection]]:
        return [], [Rejection(archive_name, "application/zip", "mail", reason, message, len(data))]

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        return whole(Reason.ZIP_MALFORMED, f"the zip archive cannot be read: {exc}")
    if len(entries) > zlimits.max_entries:
        return whole(Reason.ZIP_TOO_MANY_ENTRIES, f"{len(entries)} entries exceeds {zlimits.max_entries}")
    declared_total = sum(info.file_size for info in entries)
    if declared_total > zlimits.max_total_bytes:
        return whole(Reason.ZIP_TOO_LARGE, f"{declared_total} bytes uncompressed exceeds {zlimits.max_total_bytes}")
    accepted: list[Attachment] = []
    rejected: list[Rejection] = []
    read_total = 0
    with archive:
        for index, info in enumerate(entries, start=1):
            name = sanitise_filename(info.filename, fallback=f"entry-{index}")
            limit = min(zlimits.max_entry_bytes, zlimits.max_total_bytes - read_total)
            content, problem = _read_entry(archive, info, limit, zlimits.max_ratio)
            if problem is not None:
                rejected.append(Rejection(name, None, origin, problem[0], problem[1], info.file_size))
                continue
            read_total += len(content)
            ok, bad = classify(content, filename=name, declared_type=None, origin=origin, limits=limits, budget=budget)
            accepted.extend(ok)
            rejected.extend(bad)
    return accepted, rejected


def _read_entry(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, max_ratio: int
) -> tuple[bytes, tuple[Reason, str] | None]:
    if info.flag_bits & 0x1:
        return b"", (Reason.ZIP_ENCRYPTED, "encrypted zip entries cannot be read")
    compressed = max(info.compress_size, 1)
    if info.file_size > limit:
        return b"", (Reason.ZIP_TOO_LARGE, f"entry of {info.file_size} bytes exceeds the remaining {limit}")
    if info.file_size / compressed > max_ratio:
        return b"", (Reason.ZIP_RATIO, f"compression ratio {info.file_size // compressed}:1 exceeds {max_ratio}:1")
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as handle:
            while chunk := handle.read(_CHUNK):
                size += len(chunk)
                if size > limit or size / compressed > max_ratio:
                    return b"", (Reason.ZIP_RATIO, "entry expands beyond its declared size or ratio limit")
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, ValueError, EOFError, OSError) as exc:
        return b"", (Reason.ZIP_MALFORMED, f"entry cannot be read: {exc}")
    return b"".join(chunks), None
