"""The text layer of a PDF voucher (pypdf), bounded by size and page count.

Only PDFs with a text layer can be read here; a scanned PDF has none and goes to OCR instead
(`PdfTextError("pdf-no-text")` from `read_pdf_voucher`). PDFs encrypted with an empty user password
(owner restrictions only) are opened; anything needing a password is refused.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from klientportal.errors import ReasonedError
from klientportal.vouchers.limits import DEFAULT_PDF_LIMITS, PdfLimits
from klientportal.vouchers.models import ExtractedVoucher

if TYPE_CHECKING:
    from pypdf import PdfReader

logging.getLogger("pypdf").setLevel(logging.ERROR)


class PdfTextError(ReasonedError, ValueError):
    """A PDF that cannot be read here. Reasons: not-pdf, pdf-too-large, pdf-encrypted,
    pdf-unreadable, pdf-too-many-pages, pdf-no-text."""


@dataclass(frozen=True)
class PdfText:
    pages: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.pages)

    @property
    def has_text(self) -> bool:
        return any(page.strip() for page in self.pages)


def _open(data: bytes, limits: PdfLimits) -> PdfReader:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if len(data) > limits.max_bytes:
        raise PdfTextError("pdf-too-large", f"{len(data)} bytes exceeds {limits.max_bytes}")
    if b"%PDF-" not in data[:1024]:
        raise PdfTextError("not-pdf", "no %PDF- header in the first 1024 bytes")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise PdfTextError("pdf-encrypted", "the PDF needs a password")
        page_count = len(reader.pages)
    except PdfTextError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError) as exc:
        raise PdfTextError("pdf-unreadable", f"{type(exc).__name__}: {exc}") from exc
    if page_count > limits.max_pages:
        raise PdfTextError("pdf-too-many-pages", f"{page_count} pages exceeds {limits.max_pages}")
    return reader


def count_pages(data: bytes, *, limits: PdfLimits = DEFAULT_PDF_LIMITS) -> int:
    """Number of pages, after the same checks as text extraction."""
    return len(_open(data, limits).pages)


def extract_text(data: bytes, *, limits: PdfLimits = DEFAULT_PDF_LIMITS) -> PdfText:
    """Text of each page, stopping once `limits.max_text_chars` characters have been read."""
    from pypdf.errors import PyPdfError

    reader = _open(data, limits)
    pages: list[str] = []
    total = 0
    try:
        for page in reader.pages:
            if total >= limits.max_text_chars:
                break
            text = (page.extract_text() or "")[: limits.max_text_chars - total]
            total += len(text)
            pages.append(text)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError) as exc:
        raise PdfTextError("pdf-unreadable", f"{type(exc).__name__}: {exc}") from exc
    return PdfText(tuple(pages))


def read_pdf_voucher(data: bytes, *, limits: PdfLimits = DEFAULT_PDF_LIMITS) -> ExtractedVoucher:
    """Extract the text layer and interpret it as a Norwegian invoice (confidence below 1)."""
    from klientportal.vouchers.invoice_text import interpret_invoice_text

    text = extract_text(data, limits=limits)
    if not text.has_text:
        raise PdfTextError("pdf-no-text", "the PDF has no text layer; use OCR")
    return interpret_invoice_text(text.text)
