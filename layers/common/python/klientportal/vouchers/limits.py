"""Limits on hostile input: e-mail, attachments, zip archives and PDFs. Sizes in bytes.

SES accepts messages up to 40 MB, so that is the message ceiling; everything else is set well
below what a Lambda with 1 GB of memory can hold at once.
"""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int = 50
    max_entry_bytes: int = 20 * MIB
    max_total_bytes: int = 50 * MIB
    max_ratio: int = 100


@dataclass(frozen=True)
class MailLimits:
    max_message_bytes: int = 40 * MIB
    max_parts: int = 100
    max_depth: int = 5
    max_attachment_bytes: int = 20 * MIB
    max_total_attachment_bytes: int = 40 * MIB
    max_header_chars: int = 2000
    zip: ZipLimits = ZipLimits()


@dataclass(frozen=True)
class PdfLimits:
    max_bytes: int = 20 * MIB
    max_pages: int = 50
    max_text_chars: int = 2_000_000


DEFAULT_MAIL_LIMITS = MailLimits()
DEFAULT_PDF_LIMITS = PdfLimits()
