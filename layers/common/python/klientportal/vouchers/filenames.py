"""Attachment file names made safe to show and to use as the last part of a storage key."""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_CHARS = 120
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*;\\/]')


def sanitise_filename(name: str | None, *, fallback: str) -> str:
    """Only the last path component, no control or reserved characters, no leading dots, bounded length."""
    if not name:
        return fallback
    name = unicodedata.normalize("NFC", str(name))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf", "Zl", "Zp"})
    name = _UNSAFE.sub("_", name).strip(" .")
    name = re.sub(r"\s+", " ", name)
    if not name or set(name) <= {"_", "."}:
        return fallback
    if len(name) > MAX_NAME_CHARS:
        _, dot, ext = name.rpartition(".")
        keep = ext if dot and len(ext) <= 10 else ""
        name = name[: MAX_NAME_CHARS - len(keep) - 1].rstrip(" .") + ("." + keep if keep else "")
    return name
