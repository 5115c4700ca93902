"""Use case: drafts of invoices and credit notes (lines from products or free text, previewed totals)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from klientportal.errors import FieldError, InvalidInput, StaleVersion
from klientportal.invoicing import attachments as files_attached
from klientportal.invoicing import documents as docs
from klientportal.invoicing import lifecycle as lc
from klientportal.invoicing.context import InvoicingContext, SettingsMissing
from klientportal.invoicing.records import InvoiceKind
from klientportal.invoicing.repository import new_invoice_id
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Actor


class Drafts:
    def __init__(self, ctx: InvoicingContext) -> None:
        self.ctx = ctx

    def resolve_lines(self, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for i, line in enumerate(lines):
            resolved = {k: v for k, v in line.items() if v is not None}
            if line.get("product_number"):
                product = self.ctx.repo.product(line["product_number"])
                if product is None:
                    raise InvalidInput(
                        f"no product {line['product_number']}",
                        [FieldError(f"lines.{i}.product_number", "no such product")],
                    )
                resolved.setdefault("description", product["name"])
                resolved.setdefault("unit_price", str(product["unit_price"]))
                resolved.setdefault("vat_code", str(product["vat_code"]))
                resolved.setdefault("unit_code", product.get("unit", "EA"))
                resolved.setdefault("income_account", product.get("income_account"))
            missing = [f for f in ("description", "unit_price", "vat_code") if not resolved.get(f)]
            if missing:
                raise InvalidInput(
                    "a free-text line needs description, unit_price and vat_code",
                    [FieldError(f"lines.{i}.{f}", "required without a product") for f in missing],
                )
            out.append({k: (str(v) if isinstance(v, Decimal) else v) for k, v in resolved.items()})
        return out

    def preview(self, data: dict[str, Any]) -> dict[str, Any]:
        """Totals of a draft, computed as they will be on issue (None when not computable yet)."""
        ctx = self.ctx
        try:
            s = ctx.settings()
            customer = ctx.customer(data["customer_number"])
            doc = docs.domain_invoice(
                data,
                number="UTKAST",
                issue_date=ctx.today(),
                due_date=None,
                kid=None,
                seller=docs.seller_of(s, ctx.client.name, ctx.client.orgnr),
                buyer=docs.buyer_of(customer),
            )
        except (SettingsMissing, InvalidInput):
            return {"totals": None, "vat": []}
        return docs.summary(docs.calculate_document(doc))

    def _read_ahead(self, customer_number: int | None, lines: list[dict[str, Any]] | None) -> None:
        self.ctx.repo.read_ahead(
            customers=[customer_number] if customer_number is not None else [],
            products=[line["product_number"] for line in lines or [] if line.get("product_number")],
        )

    def create(self, body: dict[str, Any], actor: Actor, invoice_id: str | None = None) -> Record:
        """A new draft; `invoice_id` given by a caller that must create it once (billing's re-invoices:
        a second create of the same id is AlreadyExists)."""
        return self.ctx.store.create(self.draft_record(body, invoice_id), actor, "invoice.draft_created")

    def draft_record(self, body: dict[str, Any], invoice_id: str | None = None) -> Record:
        """The draft of `body`, checked, not written (for a caller that writes it with its own changes)."""
        self._read_ahead(body["customer_number"], body["lines"])
        self.ctx.customer(body["customer_number"])
        invoice_id = invoice_id or new_invoice_id()
        data = {
            "id": invoice_id,
            "kind": InvoiceKind.INVOICE,
            "status": lc.DRAFT,
            "number": None,
            "customer_number": body["customer_number"],
            "lines": self.resolve_lines(body["lines"]),
            "allowances_charges": body.get("allowances_charges") or [],
            **{k: body.get(k) for k in docs.DRAFT_FIELDS},
        }
        data.update(self.preview(data))
        data["attachments"] = files_attached.store(self.ctx.files, invoice_id, body.get("attachments") or [])
        return Record(self.ctx.pk, keys.invoice_sk(invoice_id), "invoice", data)

    def update(self, invoice_id: str, version: int, changes: dict[str, Any], actor: Actor) -> Record:
        rec = self.ctx.repo.invoice(invoice_id)
        lc.require_draft(rec.data)
        if rec.version != version:
            raise StaleVersion(
                f"the invoice is at version {rec.version}, you sent {version}", extra={"current_version": rec.version}
            )
        self._read_ahead(changes.get("customer_number", rec.data["customer_number"]), changes.get("lines"))
        data = dict(rec.data)
        if "customer_number" in changes:
            self.ctx.customer(changes["customer_number"])
        if "lines" in changes:
            changes["lines"] = self.resolve_lines(changes["lines"])
        if "attachments" in changes:
            changes["attachments"] = files_attached.store(self.ctx.files, invoice_id, changes["attachments"] or [])
        data.update(changes)
        data.update(self.preview(data))
        return self.ctx.store.replace(rec, data, actor, "invoice.draft_updated")

    def create_credit_note(self, invoice_id: str, body: dict[str, Any], actor: Actor) -> Record:
        original = self.ctx.repo.invoice(invoice_id)
        if original.data["kind"] != InvoiceKind.INVOICE:
            raise lc.InvalidTransition("only an invoice can be credited")
        lc.require(original.data["status"], lc.CREDITABLE, "credit")
        self._read_ahead(original.data["customer_number"], body.get("lines"))
        lines = self.resolve_lines(body["lines"]) if body.get("lines") else original.data["lines"]
        credit_id = new_invoice_id()
        data = {
            "id": credit_id,
            "kind": InvoiceKind.CREDIT_NOTE,
            "status": lc.DRAFT,
            "number": None,
            "customer_number": original.data["customer_number"],
            "lines": lines,
            "allowances_charges": [] if body.get("lines") else original.data.get("allowances_charges", []),
            "buyer_reference": original.data["document"].get("buyer_reference"),
            "order_reference": original.data["document"].get("order_reference"),
            "note": body.get("note"),
            "due_days": 0,
            "channel": original.data.get("channel"),
            **{k: original.data.get(k) for k in docs.CREDITED_FIELDS},
            "credited_invoice_id": invoice_id,
            "credited_invoice_number": str(original.data["number"]),
            "credited_invoice_date": original.data["issue_date"],
        }
        data.update(self.preview(data))
        return self.ctx.store.create(
            Record(self.ctx.pk, keys.invoice_sk(credit_id), "invoice", data), actor, "credit_note.draft_created"
        )
