"""The PDF a bureau uploads as a report, checked before anything is written (I/O-free).

A report file must be a PDF by its first bytes (`%PDF-`), open in pypdf (the page tree parsed, no
password needed), have at least one page and at most `MAX_PAGES`, and be at most `MAX_BYTES` (a
Lambda request carries 6 MB, base64 of 4 MiB is 5.6 MB). Its SHA-256 is kept with the report, so the
file served later is shown to be the original.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from klientportal.errors import DomainError, FieldError
from klientportal.vouchers.limits import MIB, PdfLimits
from klientportal.vouchers.pdf_text import PdfTextError, count_pages

MAX_BYTES = 4 * MIB
MAX_PAGES = 500
MAGIC = b"%PDF-"


class ReportFileRefused(DomainError):
    status, slug, title = 422, "report-file-refused", "The file is not a readable PDF"


class ReportFileTooLarge(DomainError):
    status, slug, title = 413, "report-file-too-large", "The report file is too large"


@dataclass(frozen=True)
class PdfFacts:
    size: int
    sha256: str
    pages: int


def _refused(reason: str, detail: str) -> ReportFileRefused:
    return ReportFileRefused(detail, [FieldError("body", reason)], extra={"reason": reason})


def check_pdf(data: bytes) -> PdfFacts:
    """The facts of an acceptable report PDF; raises ReportFileRefused / ReportFileTooLarge."""
    if not data:
        raise _refused("empty", "send the PDF's bytes as the request body (Content-Type: application/pdf)")
    if len(data) > MAX_BYTES:
        raise ReportFileTooLarge(
            f"the file is {len(data)} bytes; a report may be at most {MAX_BYTES} bytes",
            [FieldError("body", "too large")],
            extra={"bytes": len(data), "max_bytes": MAX_BYTES},
        )
    if not data.startswith(MAGIC):
        raise _refused("not-pdf", f"the file does not begin with {MAGIC.decode()}: it is not a PDF")
    try:
        pages = count_pages(data, limits=PdfLimits(max_bytes=MAX_BYTES, max_pages=MAX_PAGES))
    except PdfTextError as exc:
        messages = {
            "pdf-encrypted": "the PDF needs a password; upload it without one so the client can read it",
            "pdf-too-many-pages": f"the PDF has more than {MAX_PAGES} pages",
        }
        raise _refused(exc.reason, messages.get(exc.reason, f"the PDF cannot be read ({exc.reason})")) from None
    if pages < 1:
        raise _refused("pdf-no-pages", "the PDF has no pages")
    return PdfFacts(len(data), hashlib.sha256(data).hexdigest(), pages)
