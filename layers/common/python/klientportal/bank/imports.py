"""Bank file imports: a file is stored unaltered first, then imported from a queue.

`receive` (the upload route, the retrieval schedule): the file's identity is its SHA-256 (the
import id is made from it, so the same file twice is one import); it is written to the
Object-Lock bucket under bank/<client>/<import id>, the import record is created `received`, and
a message goes to the bank-imports queue. A file received again while still `received` is queued
again (a crash between the record and the message loses nothing).

`process` (the queue consumer): reads the stored file, checks its digest, reads it whole
(`read_bank_file`: a corrupt file is `rejected` with the reason and line, kept, and nothing of it
is booked), claims the transmission identity, then records each payment in its own transaction
(klientportal.bank.payments) — matched and booked, unmatched for the manual queue, or recognised
as one already recorded (the same reference: an overlapping file or a re-run after a crash; the
same fingerprint from another format: the same payment in OCR and camt.054). Reads are made in
batches per chunk of entries. Counts are recomputed from what the payments' records say, so a
re-run after a crash ends with the same counts as an uninterrupted run. Last, the import record
becomes `booked` (audit action `bank_import.booked`, with `counts.transactions`).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import islice
from typing import Any

from klientportal import clock
from klientportal.bank.agreements import LEDGER_BANK_ACCOUNT, Agreements
from klientportal.bank.matching import OpenItem, Outcome, kid_state, match
from klientportal.bank.open_items import open_item_of_external, open_item_of_invoice
from klientportal.bank.payments import AlreadyRecorded, Booking, Incoming, fingerprint_of, kroner, payment_id_of
from klientportal.errors import AlreadyExists, DomainError, NotFound
from klientportal.formats.bank import BankEntry, BankFile, BankFileRejected, read_bank_file
from klientportal.formats.kid import KidComposition, KidSettings
from klientportal.invoicing.context import InvoicingContext
from klientportal.invoicing.records import money
from klientportal.invoicing.settings import InvoiceSettings
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import SYSTEM, Actor, Change, Store

CHUNK = 50
MAX_BYTES = 64 * 1024 * 1024
STATES = ("received", "booked", "rejected")


def import_id_of(data: bytes) -> str:
    return "bi-" + hashlib.sha256(data).hexdigest()[:32]


def file_key(client_id: str, import_id: str) -> str:
    return f"bank/{client_id}/{import_id}"


@dataclass
class Tally:
    transactions: int = 0
    matched: int = 0
    unmatched: int = 0
    duplicates: int = 0
    ignored: int = 0
    amounts: dict[str, Decimal] = field(
        default_factory=lambda: {"total": Decimal("0.00"), "matched": Decimal("0.00"), "unmatched": Decimal("0.00")}
    )

    def add(self, status: str, amount: Decimal) -> None:
        self.transactions += 1
        if status == "ignored":
            self.ignored += 1
            return
        self.amounts["total"] += amount
        if status == "duplicate":
            self.duplicates += 1
        elif status == "matched":
            self.matched += 1
            self.amounts["matched"] += amount
        else:
            self.unmatched += 1
            self.amounts["unmatched"] += amount

    def view(self) -> dict[str, Any]:
        return {
            "transactions": self.transactions,
            "matched": self.matched,
            "unmatched": self.unmatched,
            "duplicates": self.duplicates,
            "ignored": self.ignored,
            "amounts": {k: money(v) for k, v in self.amounts.items()},
        }


class BankImports:
    """Imports of one client. `s3`/`sqs` are boto3 clients; `bucket` holds the originals."""

    def __init__(
        self,
        ctx: InvoicingContext,
        s3: Any,
        bucket: str,
        queue_url: Any = None,
        sqs: Any = None,
    ) -> None:
        self.ctx = ctx
        self.store: Store = ctx.store
        self.client_id = ctx.client_id
        self.pk = ctx.pk
        self.s3, self.bucket = s3, bucket
        self.sqs, self._queue_url = sqs, queue_url

    # ---- receiving

    def get(self, import_id: str) -> Record:
        try:
            rec = self.store.get(self.pk, keys.bank_import_sk(import_id))
        except ValueError:
            rec = None
        if rec is None:
            raise NotFound(f"no bank import {import_id}")
        return rec

    def receive(
        self, data: bytes, source: str, actor: Actor, *, channel_file: dict[str, Any] | None = None
    ) -> tuple[Record, bool]:
        """Store `data` unaltered and queue its import; (the import record, created now)."""
        if not data:
            raise DomainError("an empty file is not a bank file")
        import_id = import_id_of(data)
        existing = self.store.get(self.pk, keys.bank_import_sk(import_id))
        if existing is not None:
            if existing.data["state"] == "received":
                self._enqueue(import_id)
            return existing, False
        digest = hashlib.sha256(data).hexdigest()
        key = file_key(self.client_id, import_id)
        self.s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType="application/octet-stream",
            Metadata={"sha256": digest, "client": self.client_id},
        )
        record = Record(
            self.pk,
            keys.bank_import_sk(import_id),
            "bank_import",
            {
                "import_id": import_id,
                "state": "received",
                "source": source,
                "file": {
                    "key": key,
                    "sha256": digest,
                    "size": len(data),
                    **({"channel": channel_file} if channel_file else {}),
                },
                "received_at": clock.iso(clock.now()),
                "received_by": actor.sub,
            },
        )
        try:
            created = self.store.write(self.pk, [Change(None, record, "bank_import.received")], actor)[0]
        except AlreadyExists:
            return self.get(import_id), False
        self._enqueue(import_id)
        return created, True

    def _enqueue(self, import_id: str) -> None:
        if self.sqs is None:
            return
        url = self._queue_url() if callable(self._queue_url) else self._queue_url
        self.sqs.send_message(
            QueueUrl=url, MessageBody=json.dumps({"client_id": self.client_id, "import_id": import_id})
        )

    # ---- importing

    def process(self, import_id: str, actor: Actor = SYSTEM) -> Record:
        """Import a received file (idempotent: a booked or rejected import is left as it is)."""
        rec = self.get(import_id)
        if rec.data["state"] != "received":
            return rec
        obj = self.s3.get_object(Bucket=self.bucket, Key=rec.data["file"]["key"])
        data: bytes = obj["Body"].read()
        if hashlib.sha256(data).hexdigest() != rec.data["file"]["sha256"]:
            raise RuntimeError(f"the stored file of {import_id} does not have its recorded digest")
        try:
            bank_file = read_bank_file(data)
        except BankFileRejected as exc:
            return self._finish(rec, "rejected", {"rejection": _rejection(exc)}, "bank_import.rejected", actor)
        except (ValueError, UnicodeDecodeError) as exc:  # a reader fault is still a refused file, never a 500
            return self._finish(
                rec,
                "rejected",
                {"rejection": {"reason": str(exc), "line": None, "code": "unreadable"}},
                "bank_import.rejected",
                actor,
            )
        rec, refused = self._claim_transmission(rec, bank_file, actor)
        if refused is not None:
            return self._finish(rec, "rejected", {"rejection": refused}, "bank_import.rejected", actor)
        try:
            tally = self._payments(import_id, bank_file, actor)
        except BankFileRejected as exc:  # a streaming reader found the fault while iterating
            return self._finish(rec, "rejected", {"rejection": _rejection(exc)}, "bank_import.rejected", actor)
        if bank_file.debit_ore > 0 and isinstance(bank_file.entries, tuple):
            from klientportal.bank.answers import apply_debits

            apply_debits(self.store, self.client_id, bank_file)  # debits of our payment batches (outgoing)
        return self._finish(rec, "booked", {"counts": tally.view()}, "bank_import.booked", actor)

    def _claim_transmission(
        self, rec: Record, bank_file: BankFile, actor: Actor
    ) -> tuple[Record, dict[str, Any] | None]:
        """Claim the file's transmission identity for this import (with the format and identity on
        the import record); the same identity already imported from another file is refused."""
        claim_sk = keys.bank_file_sk(bank_file.format, _safe(bank_file.identity))
        claim = self.store.get(self.pk, claim_sk)
        import_id = rec.data["import_id"]
        if claim is not None and claim.data["import_id"] != import_id:
            return rec, {
                "reason": f"transmission {bank_file.identity} ({bank_file.format}) was imported already as "
                f"{claim.data['import_id']} from another file; nothing of this one is booked",
                "line": 1,
                "code": "transmission-imported",
            }
        if claim is not None:
            return rec, None
        data = {**rec.data, "format": bank_file.format, "identity": bank_file.identity}
        changes = [
            Change(rec, rec.with_data(data), "bank_import.identified"),
            Change(
                None,
                Record(
                    self.pk, claim_sk, "bank_transmission", {"import_id": import_id, "identity": bank_file.identity}
                ),
                "bank_import.transmission_claimed",
            ),
        ]
        return self.store.write(self.pk, changes, actor)[0], None

    def _finish(self, rec: Record, state: str, extra: dict[str, Any], action: str, actor: Actor) -> Record:
        fresh = self.get(rec.data["import_id"])
        data = {**fresh.data, **extra, "state": state, "finished_at": clock.iso(clock.now())}
        return self.store.write(self.pk, [Change(fresh, fresh.with_data(data), action)], actor)[0]

    def _payments(self, import_id: str, bank_file: BankFile, actor: Actor) -> Tally:
        agreement = Agreements(self.store, self.client_id).agreement()
        settings_rec = self.ctx.repo.settings()
        kid_settings = InvoiceSettings.model_validate(settings_rec.data).kid if settings_rec else None
        occurrences: Counter[str] = Counter()
        tally = Tally()
        lookup = KidLookup(self.ctx, kid_settings)
        for chunk in _chunks(bank_file.entries, CHUNK):
            planned = [self._incoming(e, import_id, bank_file.format, occurrences) for e in chunk]
            credits = [p for p in planned if p.entry.credit and p.entry.amount_ore > 0]
            self._read_ahead(planned, credits, lookup)
            for incoming in planned:
                ledger = agreement.ledger_account_of(incoming.entry.account) if agreement else None
                status = self._one(incoming, lookup, ledger or LEDGER_BANK_ACCOUNT, actor)
                tally.add(status, kroner(incoming.entry.amount_ore))
        return tally

    def _incoming(self, entry: BankEntry, import_id: str, file_format: str, occurrences: Counter[str]) -> Incoming:
        fp = fingerprint_of(entry)
        occurrences[fp] += 1
        return Incoming(
            entry,
            payment_id_of(entry.account, entry.reference),
            import_id,
            file_format,
            keys.bank_same_sk(_safe(fp), occurrences[fp]),
        )

    def _read_ahead(self, planned: list[Incoming], credits: list[Incoming], lookup: KidLookup) -> None:
        """Everything a chunk's payments will read, in batches: the payment records, the fingerprint
        claims, the KID lookups, invoicing's payment-id claims and the ledger's customer balances."""
        wanted = [(self.pk, keys.bank_payment_sk(p.payment_id)) for p in planned]
        wanted += [(self.pk, p.same_sk) for p in credits]
        wanted += [(self.pk, keys.invoice_payment_sk(f"bank:{p.payment_id}:1")) for p in credits]
        kids = [p.entry.kid for p in credits if p.entry.kid and kid_state(p.entry.kid) == "valid"]
        wanted += lookup.first_keys(kids)
        self.store.get_many(wanted)
        items = lookup.resolve(kids)
        years = {p.entry.booking_date.year for p in credits}
        parties = {i.customer_number for found in items.values() for i in found}
        balances = keys.ledger_balances_pk(self.client_id)
        self.store.get_many((balances, keys.ledger_party_balance_sk(y, "C", n)) for y in years for n in parties)

    def _one(self, incoming: Incoming, lookup: KidLookup, ledger_account: str, actor: Actor) -> str:
        """Record one payment; its status: matched, unmatched, ignored or duplicate."""
        entry = incoming.entry
        booking = Booking(self.ctx, ledger_account)
        known = booking.payment_record(incoming.payment_id)
        if known is not None:
            return known.data["status"] if known.data.get("import_id") == incoming.import_id else "duplicate"
        amount = kroner(entry.amount_ore)
        if not entry.credit or entry.amount_ore <= 0:
            return "ignored"
        incoming, reported = self._fingerprint(incoming)
        if reported:
            return "duplicate"
        items = lookup.items(entry.kid) if entry.kid and kid_state(entry.kid) == "valid" else []
        outcome = match(amount, entry.credit, entry.kid, items)
        currency = getattr(entry, "currency", "NOK") or "NOK"
        if currency != "NOK":
            outcome = Outcome("unmatched", "currency", f"the payment is in {currency}; open items are in NOK")
        try:
            if outcome.status == "matched":
                try:
                    booking.book(incoming, outcome, actor)
                except DomainError as exc:  # the invoice or the ledger refused: a person decides
                    refused = Outcome("unmatched", "refused", f"{outcome.explanation}; but not booked: {exc}")
                    booking.record_unmatched(incoming, refused, actor)
                    lookup.forget(entry.kid)
                    return "unmatched"
                lookup.forget(entry.kid)
                return "matched"
            booking.record_unmatched(incoming, outcome, actor)
            return "unmatched"
        except (AlreadyRecorded, AlreadyExists):
            # the failed write made the store forget what it touched: this reads the table
            again = Booking(self.ctx, ledger_account).payment_record(incoming.payment_id)
            if again is not None and again.data.get("import_id") == incoming.import_id:
                return str(again.data["status"])
            return "duplicate"

    def _fingerprint(self, incoming: Incoming) -> tuple[Incoming, bool]:
        """The payment with the fingerprint claim it will take, and whether the claim of this
        occurrence is another format's report of the same payment (then it is a duplicate). A claim
        of the same format is another payment with the same fingerprint (two equal payments on one
        day, in two files): this one takes the next free occurrence."""
        sk = incoming.same_sk
        while True:
            claim = self.store.get(self.pk, sk)
            if claim is None:
                return replace(incoming, same_sk=sk), False
            if claim.data["format"] != incoming.file_format:
                return incoming, True
            prefix, n = sk.rsplit("#", 1)
            sk = f"{prefix}#{int(n) + 1:04d}"


class KidLookup:
    """The open items of the KIDs of a file, looked up in batches: a KID decoded to an invoice
    number (with the client's KID settings) → INVOICE_NUMBER# → the invoice; OPENITEM_KID# → the
    external items; a KID that neither finds (older KID settings, a KID of the customer number
    alone) → invoicing's KID pointers, one query per distinct KID."""

    def __init__(self, ctx: InvoicingContext, kid_settings: KidSettings | None) -> None:
        self.ctx = ctx
        self.pk = ctx.pk
        self.kid_settings = kid_settings
        self._items: dict[str, list[OpenItem]] = {}
        self._refs: dict[str, tuple[list[str], list[str]]] = {}

    def _number(self, kid: str) -> int | None:
        s = self.kid_settings
        if s is None or len(kid) != s.length or s.composition is KidComposition.CUSTOMER or not kid[:-1].isdigit():
            return None
        body = kid[:-1][1:] if s.uses_variant_digit else kid[:-1]
        if s.composition is KidComposition.CUSTOMER_INVOICE:
            body = body[s.customer_digits :]
        return int(body) if body else None

    def first_keys(self, kids: Iterable[str]) -> list[tuple[str, str]]:
        out = []
        for kid in kids:
            if kid in self._items or kid in self._refs:
                continue
            out.append((self.pk, keys.open_item_kid_sk(kid)))
            number = self._number(kid)
            if number is not None:
                out.append((self.pk, keys.invoice_number_sk(number)))
        return out

    def resolve(self, kids: Iterable[str]) -> dict[str, list[OpenItem]]:
        """The open items of each KID (second batch: the invoices and external items)."""
        todo = [k for k in dict.fromkeys(kids) if k not in self._items]
        self._refs_of([k for k in todo if k not in self._refs])
        second = self.ctx.store.get_many(
            [(self.pk, keys.invoice_sk(i)) for kid in todo for i in self._refs[kid][0]]
            + [(self.pk, keys.receivable_sk(n)) for kid in todo for n in self._refs[kid][1]]
        )
        for kid in todo:
            invoice_ids, numbers = self._refs[kid]
            found: list[OpenItem] = []
            for i in invoice_ids:
                rec = second.get((self.pk, keys.invoice_sk(i)))
                if rec is not None and rec.entity == "invoice" and rec.data.get("kid") == kid:
                    found.append(open_item_of_invoice(rec.data))
            for n in numbers:
                rec = second.get((self.pk, keys.receivable_sk(n)))
                if rec is not None and rec.data.get("kid") == kid:
                    found.append(open_item_of_external(rec.data))
            self._items[kid] = found
        return {k: self._items[k] for k in todo}

    def _refs_of(self, kids: list[str]) -> None:
        """Which invoices and external items carry each KID (first batch; kept for the import)."""
        first = self.ctx.store.get_many(self.first_keys(kids))
        for kid in kids:
            index = first.get((self.pk, keys.open_item_kid_sk(kid)))
            numbers = list(index.data["invoice_numbers"]) if index else []
            number = self._number(kid)
            pointer = first.get((self.pk, keys.invoice_number_sk(number))) if number is not None else None
            invoice_ids = [pointer.data["invoice_id"]] if pointer and pointer.data.get("kid") == kid else []
            if not invoice_ids and not numbers:
                invoice_ids = self.ctx.repo.by_kid(kid)
            self._refs[kid] = (invoice_ids, numbers)

    def items(self, kid: str) -> list[OpenItem]:
        if kid not in self._items:
            self.resolve([kid])
        return self._items[kid]

    def forget(self, kid: str | None) -> None:
        """After a payment changed a KID's items: read the items again (from the invocation's cache,
        which holds what was just written) when the next payment names the KID; which items carry
        the KID is kept."""
        if kid:
            self._items.pop(kid, None)


def _chunks(entries: Iterable[BankEntry], size: int) -> Iterator[list[BankEntry]]:
    it = iter(entries)
    while chunk := list(islice(it, size)):
        yield chunk


def _safe(text: str) -> str:
    """A key part made of safe characters (a digest when the text has others)."""
    if all(c.isascii() and (c.isalnum() or c in "-_.:#") for c in text) and len(text) <= 120:
        return text
    return "h-" + hashlib.sha256(text.encode()).hexdigest()[:32]


def _rejection(exc: BankFileRejected) -> dict[str, Any]:
    return {"reason": exc.reason, "line": exc.line, "code": getattr(exc, "code", "rejected")}


def view(rec: Record) -> dict[str, Any]:
    d = rec.data
    return {
        "import_id": d["import_id"],
        "state": d["state"],
        "source": d["source"],
        "format": d.get("format"),
        "identity": d.get("identity"),
        "size": d["file"]["size"],
        "sha256": d["file"]["sha256"],
        "received_at": d["received_at"],
        "finished_at": d.get("finished_at"),
        "rejection": d.get("rejection"),
        "counts": d.get("counts"),
        "version": rec.version,
    }
