"""Invoicing use cases: drafts, issuing (gapless numbers, KID, PDF), sending by e-mail / EHF / print,
receipts, payments, payment requests, reminders, debt collection and credit notes.

Every state change is one `Store.write` (audited; the audit action is the domain event on the bus:
invoice.issued, invoice.sent, invoice.delivery_failed, invoice.reminded, ...). Anything that sends
writes its intent first, conditionally on the invoice version, and only then calls the adapter, so
a retry or a concurrent request never sends twice (at most once; a crash in between leaves a
visible `submitting` delivery for support, never a silent duplicate).
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from klientportal import clock
from klientportal.adapters.access_point import EhfEnvelope
from klientportal.adapters.email import Mail
from klientportal.adapters.print_centre import PrintJob
from klientportal.adapters.receipts import Receipt
from klientportal.adapters.svea import Claim
from klientportal.errors import AlreadyExists, FieldError, InvalidInput, NotFound, RuleViolation, StaleVersion
from klientportal.formats.ehf.build import EhfBuildError, build_ehf
from klientportal.formats.kid import KidError, generate_kid
from klientportal.invoicing import attachments as files_attached
from klientportal.invoicing import documents as docs
from klientportal.invoicing import lifecycle as lc
from klientportal.invoicing.delivery import (
    Adapters, DeliveryAddressMissing, DocumentFiles, ReceiverCannotTakeEhf, check_address, peppol_id_of,
)
from klientportal.invoicing.models import Attachment
from klientportal.invoicing.numbering import take_number
from klientportal.invoicing.text import amount_text, date_text
from klientportal.invoicing.repository import (
    COUNTER_SK, SETTINGS_SK, InvoiceRepository, delivery_sk, invoice_sk, kid_sk, new_invoice_id, with_open_index,
)
from klientportal.invoicing.settings import InvoiceSettings, ReminderLaw
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Change, Store
from klientportal.settings import settings as app_settings
from klientportal.tenancy.models import Client

ISSUE_RETRIES = 40


class SettingsMissing(RuleViolation):
    status, slug, title = 409, "invoice-settings-missing", "The client has no invoice settings yet"


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


class InvoiceService:
    def __init__(self, store: Store, client: Client, adapters: Adapters, *, law: ReminderLaw | None = None,
                 today: Callable[[], date] | None = None) -> None:
        self.store = store
        self.client = client
        self.repo = InvoiceRepository(store, client.client_id)
        self.adapters = adapters
        self.files = DocumentFiles(client.client_id)
        self.law = law or ReminderLaw.from_env()
        self.today = today or (lambda: clock.today_oslo())

    # ---------------------------------------------------------------- settings
    def settings(self) -> InvoiceSettings:
        rec = self.repo.settings()
        if rec is None:
            raise SettingsMissing("set the client's invoice settings (PUT /invoice-settings) before issuing")
        return InvoiceSettings.model_validate(rec.data)

    def settings_view(self) -> dict:
        rec = self.repo.settings()
        if rec is None:
            raise NotFound("no invoice settings yet")
        counter = self.repo.counter()
        return {**rec.data, "version": rec.version,
                "next_number": int(counter.data["next"]) if counter else rec.data["next_number_start"]}

    def put_settings(self, body: InvoiceSettings, version: int | None, actor: Actor) -> dict:
        rec = self.repo.settings()
        data = body.model_dump(mode="json")
        counter = self.repo.counter()
        if counter is not None and rec is not None and data["next_number_start"] != rec.data["next_number_start"]:
            raise RuleViolation("the number series has started; next_number_start can no longer change",
                                [FieldError("next_number_start", "fixed once an invoice is issued")])
        if rec is None:
            self.store.create(Record(self.repo.pk, SETTINGS_SK, "invoice_settings", data), actor,
                              "invoice_settings.created")
        else:
            if version is not None and version != rec.version:
                raise StaleVersion(f"the settings are at version {rec.version}, you sent {version}")
            self.store.replace(rec, data, actor, "invoice_settings.updated")
        return self.settings_view()

    # ---------------------------------------------------------------- drafts
    def _resolve_lines(self, lines: list[dict]) -> list[dict]:
        out = []
        for i, line in enumerate(lines):
            resolved = {k: v for k, v in line.items() if v is not None}
            if line.get("product_number"):
                product = self.repo.product(line["product_number"])
                if product is None:
                    raise InvalidInput(f"no product {line['product_number']}",
                                       [FieldError(f"lines.{i}.product_number", "no such product")])
                resolved.setdefault("description", product["name"])
                resolved.setdefault("unit_price", str(product["unit_price"]))
                resolved.setdefault("vat_code", str(product["vat_code"]))
                resolved.setdefault("unit_code", product.get("unit", "EA"))
                resolved.setdefault("income_account", product.get("income_account"))
            missing = [f for f in ("description", "unit_price", "vat_code") if not resolved.get(f)]
            if missing:
                raise InvalidInput("a free-text line needs description, unit_price and vat_code",
                                   [FieldError(f"lines.{i}.{f}", "required without a product") for f in missing])
            out.append({k: (str(v) if isinstance(v, Decimal) else v) for k, v in resolved.items()})
        return out

    def _preview(self, data: dict) -> dict:
        """Totals of a draft, computed as they will be on issue (None when not computable yet)."""
        try:
            s = self.settings()
            customer = self._customer(data["customer_number"])
            doc = docs.domain_invoice(data, number="UTKAST", issue_date=self.today(), due_date=None, kid=None,
                                      seller=docs.seller_of(s, self.client.name, self.client.orgnr),
                                      buyer=docs.buyer_of(customer))
        except (SettingsMissing, InvalidInput):
            return {"totals": None, "vat": []}
        return docs.summary(docs.calculate_document(doc))

    def _customer(self, number: int) -> dict:
        customer = self.repo.customer(number)
        if customer is None:
            raise InvalidInput(f"no customer {number}", [FieldError("customer_number", "no such customer")])
        return customer

    def create_draft(self, body: dict, actor: Actor) -> Record:
        self._customer(body["customer_number"])
        invoice_id = new_invoice_id()
        data = {"id": invoice_id, "kind": "invoice", "status": lc.DRAFT, "number": None,
                "customer_number": body["customer_number"], "lines": self._resolve_lines(body["lines"]),
                "allowances_charges": body.get("allowances_charges") or [],
                **{k: body.get(k) for k in docs.DRAFT_FIELDS}}
        data.update(self._preview(data))
        data["attachments"] = files_attached.store(self.files, invoice_id, body.get("attachments") or [])
        return self.store.create(Record(self.repo.pk, invoice_sk(invoice_id), "invoice", data), actor,
                                 "invoice.draft_created")

    def update_draft(self, invoice_id: str, version: int, changes: dict, actor: Actor) -> Record:
        rec = self.repo.invoice(invoice_id)
        lc.require_draft(rec.data)
        if rec.version != version:
            raise StaleVersion(f"the invoice is at version {rec.version}, you sent {version}",
                               extra={"current_version": rec.version})
        data = dict(rec.data)
        if "customer_number" in changes:
            self._customer(changes["customer_number"])
        if "lines" in changes:
            changes["lines"] = self._resolve_lines(changes["lines"])
        if "attachments" in changes:
            changes["attachments"] = files_attached.store(self.files, invoice_id, changes["attachments"] or [])
        data.update(changes)
        data.update(self._preview(data))
        return self.store.replace(rec, data, actor, "invoice.draft_updated")

    def get(self, invoice_id: str) -> Record:
        return self.repo.invoice(invoice_id)

    # ---------------------------------------------------------------- issue
    def issue(self, invoice_id: str, actor: Actor) -> Record:
        """Assign the next number, KID and dates, freeze the document, store the PDF. Idempotent: an
        invoice that is already issued is returned as it is (no second number)."""
        for attempt in range(ISSUE_RETRIES):
            rec = self.repo.invoice(invoice_id)
            if rec.data["status"] != lc.DRAFT:
                return rec
            try:
                issued = self._issue_once(rec, actor)
                break
            except (StaleVersion, AlreadyExists):
                time.sleep(random.uniform(0, 0.01 * min(attempt + 1, 10)))
        else:
            raise StaleVersion("too many concurrent changes; try again")
        self._ensure_pdf(issued)
        return issued

    def _issue_once(self, rec: Record, actor: Actor) -> Record:
        s = self.settings()
        data = dict(rec.data)
        customer = self._customer(data["customer_number"])
        credit = data["kind"] == "credit_note"
        original = self.repo.invoice(data["credited_invoice_id"]) if credit else None
        counter = self.repo.counter()
        number, counter_change = take_number(counter, self.repo.pk, s.next_number_start)
        issue_date = self.today()
        due_days = data.get("due_days")
        if due_days is None:
            due_days = customer.get("payment_terms_days", s.due_days)
        due_date = issue_date + timedelta(days=int(due_days))
        kid = None
        if not credit:
            try:
                kid = generate_kid(s.kid, int(data["customer_number"]), number)
            except KidError as exc:
                raise RuleViolation(f"cannot make a KID: {exc}; change the KID settings",
                                    [FieldError("kid", str(exc))]) from exc
        doc = docs.domain_invoice(data, number=str(number), issue_date=issue_date, due_date=due_date, kid=kid,
                                  seller=docs.seller_of(s, self.client.name, self.client.orgnr),
                                  buyer=docs.buyer_of(customer))
        summary = docs.summary(docs.calculate_document(doc))
        data.update(status=lc.ISSUED, number=number, issue_date=issue_date.isoformat(),
                    due_date=due_date.isoformat(), kid=kid, document=doc.model_dump(mode="json"),
                    pdf_key=self.files.key(data["id"], f"{'kreditnota' if credit else 'faktura'}-{number}.pdf"),
                    paid_amount="0.00", credited_amount="0.00", payments=[], reminders=[], **summary)
        changes = [counter_change, Change(rec, replace(rec, data=data), "credit_note.issued" if credit
                                          else "invoice.issued")]
        if kid:
            changes.append(Change(None, Record(self.repo.pk, kid_sk(kid, data["id"]), "invoice_kid",
                                               {"kid": kid, "invoice_id": data["id"], "number": number}),
                                  "invoice.kid_indexed"))
        if original is not None:
            changes.append(self._credit_original(original, data))
        return self.store.write(self.repo.pk, changes, actor)[1]

    def _credit_original(self, original: Record, credit: dict) -> Change:
        o = dict(original.data)
        lc.require(o["status"], lc.CREDITABLE, "credit")
        amount = Decimal(credit["totals"]["payable"])
        creditable = Decimal(o["totals"]["payable"]) - Decimal(o.get("credited_amount", "0"))
        if amount > creditable:
            raise RuleViolation(f"the credit note ({_money(amount)}) exceeds what is left to credit "
                                f"({_money(creditable)})", extra={"creditable": _money(creditable)})
        o["credited_amount"] = _money(Decimal(o.get("credited_amount", "0")) + amount)
        o["credit_notes"] = [*o.get("credit_notes", []), {"id": credit["id"], "number": credit["number"],
                                                          "amount": _money(amount)}]
        o["status"] = lc.status_after_payment(o)
        after = with_open_index(replace(original, data=o), self.client.client_id, o["status"] in lc.OPEN)
        return Change(original, after, "invoice.credited")

    def _ensure_pdf(self, rec: Record) -> bytes:
        pdf = self.files.get(rec.data["pdf_key"])
        if pdf is None:
            from klientportal.invoicing.pdf import render_invoice_pdf  # fpdf2 only where a PDF is made
            pdf = render_invoice_pdf(files_attached.with_attachments(docs.document_of(rec.data), rec.data, self.files))
            self.files.put(rec.data["pdf_key"], pdf, "application/pdf")
        return pdf

    def pdf(self, invoice_id: str) -> tuple[Record, bytes]:
        rec = self.repo.invoice(invoice_id)
        if rec.data["status"] == lc.DRAFT:
            raise lc.InvalidTransition("a draft has no PDF yet; issue it first")
        return rec, self._ensure_pdf(rec)

    def ehf(self, invoice_id: str) -> bytes:
        rec = self.repo.invoice(invoice_id)
        if rec.data["status"] == lc.DRAFT:
            raise lc.InvalidTransition("a draft has no EHF yet; issue it first")
        return self._build_ehf(rec)

    def _build_ehf(self, rec: Record) -> bytes:
        pdf = self._ensure_pdf(rec)
        name = rec.data["pdf_key"].rsplit("/", 1)[1]
        doc = files_attached.with_attachments(docs.document_of(rec.data), rec.data, self.files,
                                              (Attachment(filename=name, content=pdf, description=f"{name[:-4]}"),))
        try:
            return build_ehf(doc)
        except EhfBuildError as exc:
            raise RuleViolation(f"this invoice cannot be sent as EHF: {exc}") from exc

    # ---------------------------------------------------------------- credit notes
    def create_credit_note(self, invoice_id: str, body: dict, actor: Actor) -> Record:
        original = self.repo.invoice(invoice_id)
        if original.data["kind"] != "invoice":
            raise lc.InvalidTransition("only an invoice can be credited")
        lc.require(original.data["status"], lc.CREDITABLE, "credit")
        lines = self._resolve_lines(body["lines"]) if body.get("lines") else original.data["lines"]
        credit_id = new_invoice_id()
        data = {"id": credit_id, "kind": "credit_note", "status": lc.DRAFT, "number": None,
                "customer_number": original.data["customer_number"], "lines": lines,
                "allowances_charges": [] if body.get("lines") else original.data.get("allowances_charges", []),
                "buyer_reference": original.data["document"].get("buyer_reference"),
                "order_reference": original.data["document"].get("order_reference"),
                "note": body.get("note"), "due_days": 0, "channel": original.data.get("channel"),
                **{k: original.data.get(k) for k in docs.CREDITED_FIELDS},
                "credited_invoice_id": invoice_id, "credited_invoice_number": str(original.data["number"]),
                "credited_invoice_date": original.data["issue_date"]}
        data.update(self._preview(data))
        return self.store.create(Record(self.repo.pk, invoice_sk(credit_id), "invoice", data), actor,
                                 "credit_note.draft_created")

    # ---------------------------------------------------------------- send
    def send(self, invoice_id: str, actor: Actor, channel: str | None = None) -> Record:
        rec = self.repo.invoice(invoice_id)
        if rec.data["status"] == lc.DRAFT:
            raise lc.InvalidTransition("issue the invoice before sending it")
        delivery = rec.data.get("delivery") or {}
        if rec.data["status"] not in lc.SENDABLE or delivery.get("status") == "submitting":
            return rec  # already sent (or being sent): sending again is a no-op, never a second message
        customer = self._customer(rec.data["customer_number"])
        channel = channel or rec.data.get("channel") or customer.get("delivery_channel", "email")
        check_address(channel, customer)
        if channel == "ehf":
            participant = self.adapters.access_point.lookup(peppol_id_of(customer))
            if not participant.accepts(rec.data["kind"] == "credit_note"):
                raise ReceiverCannotTakeEhf(
                    f"{participant.participant_id} is not registered in PEPPOL for EHF "
                    f"{'credit notes' if rec.data['kind'] == 'credit_note' else 'invoices'}; use e-mail or print",
                    extra={"participant": participant.participant_id})
        attempt = int(delivery.get("attempt", 0)) + 1
        delivery_id = f"{invoice_id}-{attempt}"
        started = {"channel": channel, "attempt": attempt, "delivery_id": delivery_id, "status": "submitting",
                   "started_at": clock.iso(clock.now()), "reason": None}
        intent = Record(self.repo.pk, delivery_sk(invoice_id, attempt), "invoice_delivery",
                        {"invoice_id": invoice_id, **started})
        data = {**rec.data, "delivery": started}
        try:
            intent, rec = self.store.write(self.repo.pk, [
                Change(None, intent, "invoice.delivery_started"),
                Change(rec, replace(rec, data=data), "invoice.sending")], actor)
        except (StaleVersion, AlreadyExists):
            return self.repo.invoice(invoice_id)  # a concurrent send won; it sends, we do not
        try:
            reference = self._submit(rec, customer, channel, delivery_id)
            outcome, reason = "submitted", None
        except (DeliveryAddressMissing, ReceiverCannotTakeEhf, RuleViolation) as exc:
            outcome, reason, reference = "failed", exc.detail, None
        except Exception as exc:  # noqa: BLE001 - the adapter's failure is recorded, not lost
            outcome, reason, reference = "failed", f"{channel} delivery failed: {type(exc).__name__}: {exc}", None
        return self._finish_delivery(invoice_id, attempt, outcome, reason, reference, actor)

    def _submit(self, rec: Record, customer: dict, channel: str, delivery_id: str) -> str:
        data = rec.data
        credit = data["kind"] == "credit_note"
        if channel == "email":
            pdf = self._ensure_pdf(rec)
            return self.adapters.email.send(self._mail(rec, customer["email"], self._invoice_text(data), pdf,
                                                       delivery_id))
        if channel == "ehf":
            xml = self._build_ehf(rec)
            key = self.files.key(data["id"], f"ehf-{data['number']}.xml")
            self.files.put(key, xml, "application/xml")
            sender = f"0192:{self.client.orgnr}"
            return self.adapters.access_point.submit(EhfEnvelope(
                sender=sender, receiver=peppol_id_of(customer), credit_note=credit, xml=xml,
                client_id=self.client.client_id, invoice_id=data["id"], delivery_id=delivery_id)).message_id
        pdf = self._ensure_pdf(rec)
        address = customer["address"]
        return self.adapters.print_centre.submit(PrintJob(
            client_id=self.client.client_id, invoice_id=data["id"], delivery_id=delivery_id,
            recipient={"name": customer["name"], **address}, pdf=pdf))

    def _finish_delivery(self, invoice_id: str, attempt: int, outcome: str, reason: str | None,
                         reference: str | None, actor: Actor) -> Record:
        for _ in range(ISSUE_RETRIES):
            rec = self.repo.invoice(invoice_id)
            intent = self.repo.delivery(invoice_id, attempt)
            delivery = {**rec.data["delivery"], "status": outcome, "reason": reason, "reference": reference,
                        "finished_at": clock.iso(clock.now())}
            data = {**rec.data, "delivery": delivery}
            failed = outcome == "failed"
            data["status"] = lc.DELIVERY_FAILED if failed else (
                lc.SENT if rec.data["status"] in lc.SENDABLE else rec.data["status"])
            if not failed and data["kind"] == "invoice":
                data["sent_at"] = delivery["finished_at"]
            after = with_open_index(replace(rec, data=data), self.client.client_id,
                                    data["kind"] == "invoice" and data["status"] in lc.OPEN)
            try:
                return self.store.write(self.repo.pk, [
                    Change(intent, replace(intent, data={**intent.data, **delivery}), "invoice.delivery_recorded"),
                    Change(rec, after, "invoice.delivery_failed" if failed else "invoice.sent")], actor)[1]
            except StaleVersion:
                continue
        raise StaleVersion("could not record the delivery outcome; it is kept as 'submitting'")

    # ---------------------------------------------------------------- receipts
    def apply_receipt(self, receipt: Receipt, actor: Actor) -> Record | None:
        """A partner's receipt: access point (accepted/rejected), print centre (printed), Svea status."""
        rec = self.repo.invoice(receipt.invoice_id)
        data = dict(rec.data)
        if receipt.source == "svea":
            return self._collection_status(rec, receipt, actor)
        delivery = dict(data.get("delivery") or {})
        if receipt.details.get("delivery_id") != delivery.get("delivery_id") or \
                delivery.get("reference") not in (None, receipt.reference):
            return None  # a receipt of an older attempt: keep it in the delivery record only
        if receipt.kind == "rejected":
            if delivery.get("status") == "rejected":
                return rec
            delivery.update(status="rejected", reason=receipt.reason, receipt_at=clock.iso(clock.now()))
            data.update(delivery=delivery, status=lc.DELIVERY_FAILED if data["status"] == lc.SENT else data["status"])
            action = "invoice.delivery_failed"
        else:
            if delivery.get("status") == "delivered":
                return rec
            delivery.update(status="delivered", receipt=receipt.kind, receipt_at=clock.iso(clock.now()))
            data.update(delivery=delivery)
            action = "invoice.delivered"
        after = with_open_index(replace(rec, data=data), self.client.client_id,
                                data["kind"] == "invoice" and data["status"] in lc.OPEN)
        intent = self.repo.delivery(data["id"], int(delivery["attempt"]))
        changes = [Change(rec, after, action)]
        if intent is not None:
            changes.append(Change(intent, replace(intent, data={**intent.data, **delivery}),
                                  "invoice.delivery_recorded"))
        return self.store.write(self.repo.pk, changes, actor)[0]

    # ---------------------------------------------------------------- payments
    def register_payment(self, invoice_id: str, payment: dict, actor: Actor) -> Record:
        """A (partial) payment; the same payment_id twice is recorded once (the bank routine can replay)."""
        for _ in range(ISSUE_RETRIES):
            rec = self.repo.invoice(invoice_id)
            if rec.data["kind"] != "invoice":
                raise lc.InvalidTransition("payments are registered on invoices, not credit notes")
            if any(p["payment_id"] == payment["payment_id"] for p in rec.data.get("payments", [])):
                return rec
            lc.require(rec.data["status"], lc.PAYABLE, "register a payment on")
            data = dict(rec.data)
            data["payments"] = [*data.get("payments", []), payment]
            data["paid_amount"] = _money(sum((Decimal(p["amount"]) for p in data["payments"]), Decimal(0)))
            data["status"] = lc.status_after_payment(data)
            closing = data["status"] in (lc.PAID, lc.CREDITED) and (data.get("collection") or {}).get(
                "status") not in (None, "closed", "closing")
            if closing:
                data["collection"] = {**data["collection"], "status": "closing"}
            after = with_open_index(replace(rec, data=data), self.client.client_id, data["status"] in lc.OPEN)
            try:
                rec = self.store.write(self.repo.pk, [Change(
                    rec, after, "invoice.paid" if data["status"] == lc.PAID else "invoice.payment_registered")],
                    actor)[0]
            except StaleVersion:
                continue
            if closing:
                self.adapters.collection.close_case(data["collection"]["case_id"], "paid to the creditor",
                                                    self.client.client_id, invoice_id)
            return rec
        raise StaleVersion("too many concurrent changes; try again")

    # ---------------------------------------------------------------- payment request, reminders
    def _invoice_text(self, data: dict) -> str:
        doc = data["document"]
        credit = data["kind"] == "credit_note"
        what = "kreditnota" if credit else "faktura"
        lines = [f"Hei {doc['buyer']['name']},", "",
                 f"Vedlagt følger {what} {data['number']} fra {doc['seller']['name']}."]
        if not credit:
            lines += [f"Beløp: {amount_text(Decimal(data['totals']['payable']))} {doc['currency']}",
                      f"Forfallsdato: {date_text(date.fromisoformat(data['due_date']))}",
                      f"Kontonummer: {doc['seller']['bank_account']}", f"KID: {data['kid']}"]
        return "\n".join(lines + ["", "Med vennlig hilsen", doc["seller"]["name"]])

    def _mail(self, rec: Record, to: str, body: str, pdf: bytes | None, reference: str,
              subject: str | None = None) -> Mail:
        data = rec.data
        seller = data["document"]["seller"]
        name = data["pdf_key"].rsplit("/", 1)[1]
        what = "Kreditnota" if data["kind"] == "credit_note" else "Faktura"
        return Mail(to=to, subject=subject or f"{what} {data['number']} fra {seller['name']}", body=body,
                    from_address=app_settings().invoice_from_address, from_name=seller["name"],
                    reply_to=seller.get("email"), attachments=((name, "application/pdf", pdf),) if pdf else (),
                    reference=reference)

    def payment_request(self, invoice_id: str, actor: Actor) -> Record:
        """Betalingsanmodning: the invoice's payment details by e-mail, with the PDF."""
        rec = self.repo.invoice(invoice_id)
        if rec.data["kind"] != "invoice":
            raise lc.InvalidTransition("a payment request is for an invoice")
        lc.require(rec.data["status"], lc.PAYABLE, "request payment for")
        customer = self._customer(rec.data["customer_number"])
        check_address("email", customer)
        seq = len(rec.data.get("payment_requests", [])) + 1
        entry = {"seq": seq, "at": clock.iso(clock.now()), "to": customer["email"], "status": "sending"}
        data = {**rec.data, "payment_requests": [*rec.data.get("payment_requests", []), entry]}
        rec = self.store.replace(rec, data, actor, "invoice.payment_requested")
        body = "Betalingsanmodning\n\n" + self._invoice_text(rec.data)
        self.adapters.email.send(self._mail(rec, customer["email"], body, self._ensure_pdf(rec),
                                            f"{invoice_id}-pr{seq}",
                                            subject=f"Betalingsanmodning: faktura {rec.data['number']}"))
        return rec

    def remind(self, invoice_id: str, actor: Actor, *, on_demand: bool = True) -> Record:
        rec = self.repo.invoice(invoice_id)
        s = self.settings()
        plan = lc.plan_reminder(rec.data, self.today(), self.law, fee=s.reminder_fee, interest=s.late_interest,
                                on_demand=on_demand)
        if not plan.allowed:
            raise lc.InvalidTransition(f"no reminder now: {plan.reason}", extra={"reason": plan.reason})
        customer = self._customer(rec.data["customer_number"])
        channel = "email" if customer.get("email") else "print"
        check_address(channel, customer)
        reminders = rec.data.get("reminders", [])
        entry = {"seq": len(reminders) + 1, "kind": plan.kind, "at": clock.iso(clock.now()),
                 "date": self.today().isoformat(), "fee": _money(plan.fee), "interest": _money(plan.interest),
                 "interest_rate": str(self.law.forsinkelsesrente_percent),
                 "new_due_date": plan.new_due_date.isoformat(), "channel": channel, "legal_source": self.law.source}
        data = {**rec.data, "reminders": [*reminders, entry], "status": lc.REMINDED}
        after = with_open_index(replace(rec, data=data), self.client.client_id, True)
        rec = self.store.write(self.repo.pk, [Change(rec, after, "invoice.reminded")], actor)[0]
        self._send_reminder(rec, customer, entry, channel)
        return rec

    def _send_reminder(self, rec: Record, customer: dict, entry: dict, channel: str) -> None:
        data = rec.data
        left = lc.outstanding(data)
        total = left + Decimal(entry["fee"]) + Decimal(entry["interest"])
        title = "Inkassovarsel" if entry["kind"] == "inkassovarsel" else "Purring"
        body = [f"{title}: faktura {data['number']}", "",
                f"Vi kan ikke se å ha mottatt betaling for faktura {data['number']} med forfall "
                f"{date_text(date.fromisoformat(data['due_date']))}.",
                f"Utestående: {amount_text(left)} kr",
                f"Purregebyr: {amount_text(Decimal(entry['fee']))} kr",
                f"Forsinkelsesrente ({entry['interest_rate']} % p.a.): {amount_text(Decimal(entry['interest']))} kr",
                f"Å betale: {amount_text(total)} kr innen {date_text(date.fromisoformat(entry['new_due_date']))}",
                f"Kontonummer {data['document']['seller']['bank_account']}, KID {data['kid']}."]
        if entry["kind"] == "inkassovarsel":
            body += ["", "Dersom beløpet ikke er betalt innen fristen på 14 dager, vil kravet bli oversendt "
                         "til inkasso, og det vil påløpe inkassokostnader (inkassoloven § 9)."]
        reference = f"{data['id']}-r{entry['seq']}"
        if channel == "email":
            self.adapters.email.send(self._mail(rec, customer["email"], "\n".join(body), self._ensure_pdf(rec),
                                                reference, subject=f"{title}: faktura {data['number']}"))
        else:
            self.adapters.print_centre.submit(PrintJob(
                client_id=self.client.client_id, invoice_id=data["id"], delivery_id=reference,
                recipient={"name": customer["name"], **customer["address"]}, pdf=self._ensure_pdf(rec)))

    # ---------------------------------------------------------------- collection (Svea)
    def start_collection(self, invoice_id: str, actor: Actor) -> Record:
        rec = self.repo.invoice(invoice_id)
        ok, reason = lc.may_start_collection(rec.data, self.today())
        if not ok:
            raise lc.InvalidTransition(f"cannot hand over to debt collection: {reason}", extra={"reason": reason})
        data = dict(rec.data)
        reminders = data["reminders"]
        collection = {"provider": "svea", "status": "submitting", "case_id": None, "history": [],
                      "started_at": clock.iso(clock.now())}
        data.update(status=lc.IN_COLLECTION, collection=collection)
        rec = self.store.write(self.repo.pk, [Change(rec, with_open_index(
            replace(rec, data=data), self.client.client_id, True), "invoice.collection_started")], actor)[0]
        customer = self._customer(data["customer_number"])
        claim = Claim(client_id=self.client.client_id, invoice_id=invoice_id, creditor_orgnr=self.client.orgnr,
                      debtor={k: customer.get(k) for k in ("name", "orgnr", "address", "email")},
                      invoice_number=str(data["number"]), kid=data.get("kid"),
                      principal=_money(lc.outstanding(data)),
                      fees=_money(sum((Decimal(r["fee"]) for r in reminders), Decimal(0))),
                      interest=_money(Decimal(reminders[-1]["interest"])), due_date=data["due_date"],
                      inkassovarsel_date=next(r["date"] for r in reversed(reminders) if r["kind"] == "inkassovarsel"))
        case_id = self.adapters.collection.create_case(claim)
        for _ in range(ISSUE_RETRIES):
            rec = self.repo.invoice(invoice_id)
            data = dict(rec.data)
            data["collection"] = {**data["collection"], "case_id": case_id,
                                  "status": data["collection"]["status"] if data["collection"]["status"] != "submitting"
                                  else "created"}
            try:
                return self.store.replace(rec, data, actor, "invoice.collection_case_created")
            except StaleVersion:
                continue
        raise StaleVersion("could not record the collection case id")

    def _collection_status(self, rec: Record, receipt: Receipt, actor: Actor) -> Record:
        data = dict(rec.data)
        collection = dict(data.get("collection") or {})
        history = list(collection.get("history", []))
        if any(h["status"] == receipt.status for h in history):
            return rec  # the same status twice: consumers are idempotent
        history.append({"status": receipt.status, "at": clock.iso(clock.now()), "reason": receipt.reason})
        collection.update(history=history, case_id=collection.get("case_id") or receipt.reference,
                          status=receipt.status)
        data["collection"] = collection
        action = "invoice.collection_closed" if receipt.status == "closed" else "invoice.collection_updated"
        return self.store.replace(rec, data, actor, action)


def run_reminders(store: Store, clients: Callable[[str], Client | None], adapters: Adapters, today: date,
                  law: ReminderLaw, actor: Actor, months_back: int = 13) -> dict:
    """The scheduled reminder run over every client's open invoices (GSI1 by due month)."""
    from klientportal.invoicing.repository import open_invoices_due_in
    sent, skipped, failed = 0, 0, 0
    year, month = today.year, today.month
    for _ in range(months_back):
        for item in open_invoices_due_in(store, f"{year:04d}-{month:02d}"):
            client_id = item.pk.split("#", 1)[1]
            client = clients(client_id)
            if client is None:
                continue
            service = InvoiceService(store, client, adapters, law=law, today=lambda: today)
            try:
                if not service.settings().automatic_reminders:
                    skipped += 1
                    continue
                plan = lc.plan_reminder(item.data, today, law, on_demand=False)
                if not plan.allowed:
                    skipped += 1
                    continue
                service.remind(item.data["id"], actor, on_demand=False)
                sent += 1
            except Exception:  # noqa: BLE001 - one bad invoice must not stop the run
                failed += 1
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return {"sent": sent, "skipped": skipped, "failed": failed}
