"""The PDF and the EHF of an issued invoice: made from the frozen document, the PDF stored once."""

from __future__ import annotations

from klientportal.errors import RuleViolation
from klientportal.formats.ehf.build import EhfBuildError, build_ehf
from klientportal.invoicing import attachments as files_attached
from klientportal.invoicing import documents as docs
from klientportal.invoicing import lifecycle as lc
from klientportal.invoicing.context import InvoicingContext
from klientportal.invoicing.models import Attachment
from klientportal.repository.records import Record


class Renditions:
    def __init__(self, ctx: InvoicingContext) -> None:
        self.ctx = ctx

    def ensure_pdf(self, rec: Record) -> bytes:
        pdf = self.ctx.files.get(rec.data["pdf_key"])
        return pdf if pdf is not None else self.store_pdf(rec)

    def store_pdf(self, rec: Record) -> bytes:
        """Render the PDF of the frozen document and store it (issuing: its key is new, nothing to read)."""
        from klientportal.invoicing.pdf import render_invoice_pdf  # fpdf2 only where a PDF is made

        pdf = render_invoice_pdf(files_attached.with_attachments(docs.document_of(rec.data), rec.data, self.ctx.files))
        self.ctx.files.put(rec.data["pdf_key"], pdf, "application/pdf")
        return pdf

    def pdf(self, invoice_id: str) -> tuple[Record, bytes]:
        rec = self.ctx.repo.invoice(invoice_id)
        if rec.data["status"] == lc.DRAFT:
            raise lc.InvalidTransition("a draft has no PDF yet; issue it first")
        return rec, self.ensure_pdf(rec)

    def ehf(self, invoice_id: str) -> bytes:
        rec = self.ctx.repo.invoice(invoice_id)
        if rec.data["status"] == lc.DRAFT:
            raise lc.InvalidTransition("a draft has no EHF yet; issue it first")
        return self.build_ehf(rec)

    def build_ehf(self, rec: Record) -> bytes:
        pdf = self.ensure_pdf(rec)
        name = rec.data["pdf_key"].rsplit("/", 1)[1]
        doc = files_attached.with_attachments(
            docs.document_of(rec.data),
            rec.data,
            self.ctx.files,
            (Attachment(filename=name, content=pdf, description=f"{name[:-4]}"),),
        )
        try:
            return build_ehf(doc)
        except EhfBuildError as exc:
            raise RuleViolation(f"this invoice cannot be sent as EHF: {exc}") from exc
