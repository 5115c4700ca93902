"""The voucher intake: one object in the inbound bucket (e-mail, upload or inbound EHF) becomes
vouchers and quarantine items. Used by functions/ingest; the order of every step is deliberate:

1. the original (raw e-mail, each attachment, the upload, the EHF) is stored unaltered and locked in
   the vouchers bucket BEFORE anything parses it (`originals.store_original`), until five years after
   the end of the client's financial year (0265); the raw e-mail, stored before its client is known,
   with the calendar year, then lengthened once routed when the client's year ends later;
2. the voucher item is created as `received` (audit action voucher.received) — its id is the file's
   hash, so a replayed S3 event or the same file twice finds the voucher and changes nothing;
3. the file is read: EHF exactly (+ XSD/Schematron when the validator is available), a PDF from its
   text layer, scans and images by the OCR engine; then interpreted (supplier, suggestion, duplicate)
   → `new` (voucher.interpreted); or, when it cannot be read, → `quarantined` (voucher.quarantined);
4. whatever is refused before it becomes a voucher (hostile mail, no attachment, unknown recipient,
   a refused attachment) is a QUARANTINE item with its reason (voucher.quarantined). Nothing is
   dropped silently.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from klientportal import clock
from klientportal.errors import AlreadyExists, ReasonedError
from klientportal.formats.ehf.reader import NS, EhfDocument, EhfReadError, open_ehf, voucher_from_ubl
from klientportal.formats.ehf.ubl import SCHEME_NO_ORGNR
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import SYSTEM, Actor, Change, Store
from klientportal.tenancy.repository import TenancyRepository
from klientportal.vouchers import sniff
from klientportal.vouchers.attachments import MAIL, Attachment, Budget, classify
from klientportal.vouchers.current_checks import LINES_TRUNCATED, buyer_check, derived_details, voucher_checks
from klientportal.vouchers.filenames import sanitise_filename
from klientportal.vouchers.inbox import client_for_slug
from klientportal.vouchers.interpret import duplicate_check, match_or_create_supplier, suggest_coding, supplier_key
from klientportal.vouchers.limits import DEFAULT_MAIL_LIMITS, MIB
from klientportal.vouchers.mime import ACCEPTED, MailIntake, parse_message
from klientportal.vouchers.models import ExtractedVoucher
from klientportal.vouchers.ocr import OcrEngine, OcrError, read_expense
from klientportal.vouchers.originals import (
    OriginalRef,
    copy_original,
    extend_retention,
    retain_until,
    store_original,
)
from klientportal.vouchers.pdf_text import PdfTextError, read_pdf_voucher
from klientportal.vouchers.records import Status, voucher_id_for
from klientportal.vouchers.uploads import UPLOADED_BY, InboundKey, parse_inbound_key, size_mismatch

MAX_STORED_LINES = 100
HEADER_BLOCK_BYTES = 64 * 1024
OCR_MAX_WAIT_SECONDS = 240.0
UNKNOWN_RECIPIENT = "unknown-recipient"
UNKNOWN_CLIENT = "unknown-client"
UNKNOWN_RECEIVER = "unknown-receiver"
UPLOAD_SIZE_MISMATCH = "upload-size-mismatch"
NOT_A_VOUCHER_KEY = "unknown-prefix"
Validator = Callable[[EhfDocument], Any]


@dataclass
class IntakeResult:
    vouchers: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)


def validate_if_available(document: EhfDocument) -> dict[str, Any]:
    """XSD + CEN/PEPPOL Schematron, or a note that the validator is not deployed with this function."""
    try:
        from klientportal.formats.ehf.reader import validate_inbound

        report = validate_inbound(document)
    except (ImportError, RuntimeError, OSError) as exc:
        return {"available": False, "detail": f"{type(exc).__name__}: {exc}"[:300]}
    return {
        "available": True,
        "valid": report.valid,
        "xsd_errors": list(report.xsd_errors)[:50],
        "failed_rules": [{"rule_id": f.rule_id, "flag": f.flag, "text": f.text[:300]} for f in report.findings][:100],
    }


def default_ocr_engine(kind: str, staging_bucket: str) -> OcrEngine:
    from klientportal.vouchers.ocr_engines import SimulatedTextract, TextractExpenseEngine

    if kind == "simulated":
        return SimulatedTextract()
    # the async job must finish within the ingest function's 5-minute timeout
    return TextractExpenseEngine(
        staging_bucket=staging_bucket, staging_prefix="ocr-staging/", max_wait_seconds=OCR_MAX_WAIT_SECONDS
    )


class VoucherIntake:
    def __init__(
        self,
        store: Store,
        s3: Any,
        *,
        vouchers_bucket: str,
        documents_bucket: str,
        inbox_domain: str,
        ocr: OcrEngine,
        ocr_kind: str,
        validator: Validator | None = validate_if_available,
        now: Callable[[], datetime] = clock.now,
        actor: Actor = SYSTEM,
    ) -> None:
        self.store, self.s3 = store, s3
        self.vouchers_bucket, self.documents_bucket = vouchers_bucket, documents_bucket
        self.inbox_domain = inbox_domain
        self.ocr, self.ocr_kind, self.validator = ocr, ocr_kind, validator
        self.now, self.actor = now, actor
        self._clients: dict[str, Record | None] = {}

    # ---- entry point ------------------------------------------------------------------------
    def handle_object(self, bucket: str, key: str, size: int | None = None) -> IntakeResult:
        result = IntakeResult()
        received = self.now()
        self._clients = {}
        where = parse_inbound_key(key)
        if where is not None and where.channel == "mail":
            self._mail(bucket, key, size, received, result)
            return result
        if where is not None and where.client_id is not None:
            self._named_object(bucket, key, where, size, received, result)
            return result
        self._quarantine(
            keys.UNROUTED_PK,
            None,
            "unknown",
            NOT_A_VOUCHER_KEY,
            "the object is not under mail/, upload/ or ehf/",
            filename=None,
            original=None,
            inbound={"bucket": bucket, "key": key[:500]},
            received=received,
            result=result,
        )
        return result

    def _named_object(
        self, bucket: str, key: str, where: InboundKey, size: int | None, received: datetime, result: IntakeResult
    ) -> None:
        """An upload or an inbound EHF: the key names the client (an EHF is routed by its receiver)."""
        channel, client_id, filename = where.channel, str(where.client_id), str(where.filename)
        meta: dict[str, Any] = {"inbound_key": key}
        data: bytes | None = None
        if channel == "ehf":  # routed by the document's receiver, the key as the fallback (0264)
            data = self._read(bucket, key, DEFAULT_MAIL_LIMITS.max_attachment_bytes, size)
            routed = self._route_ehf(data, client_id) if data is not None else (client_id, "key", None)
            if routed[0] is None and data is not None:  # only a document read can name no known receiver
                self._quarantine(
                    keys.UNROUTED_PK,
                    None,
                    channel,
                    UNKNOWN_RECEIVER,
                    str(routed[2]),
                    filename=filename,
                    original=self._keep(data, "application/xml", filename, received),
                    inbound={"bucket": bucket, "key": key},
                    received=received,
                    result=result,
                )
                return
            client_id, meta["routed_by"] = str(routed[0]), routed[1]
            if routed[2]:
                meta["receiver"] = routed[2]
        client = self._client_record(client_id)
        if client is None:
            ref = self._keep_object(bucket, key, "application/octet-stream", filename, received)
            self._quarantine(
                keys.UNROUTED_PK,
                None,
                channel,
                UNKNOWN_CLIENT,
                f"no client {client_id[:64]!r} for {channel}",
                filename=filename,
                original=ref,
                inbound={"bucket": bucket, "key": key},
                received=received,
                result=result,
            )
            return
        first_month = financial_year_start(client)
        declared = "application/xml"
        if channel == "upload":  # the stored size must be the declared (signed) one, checked before reading
            head = self._head(bucket, key)
            size = int(head["ContentLength"])
            meta["uploaded_by"] = (head.get("Metadata") or {}).get(UPLOADED_BY)
            declared = head.get("ContentType") or "binary/octet-stream"  # S3's own default
            mismatch = size_mismatch(head)
            if mismatch is not None:
                self._quarantine(
                    keys.client_pk(client_id),
                    client_id,
                    channel,
                    UPLOAD_SIZE_MISMATCH,
                    f"{mismatch}; kept unread",
                    filename=filename,
                    inbound={"bucket": bucket, "key": key},
                    original=self._keep_object(
                        bucket, key, "application/octet-stream", filename, received, first_month
                    ),
                    received=received,
                    result=result,
                )
                return
        if data is None:
            data = self._read(bucket, key, DEFAULT_MAIL_LIMITS.max_attachment_bytes, size)
        if data is None:
            self._quarantine(
                keys.client_pk(client_id),
                client_id,
                channel,
                "attachment-too-large",
                f"the file exceeds {DEFAULT_MAIL_LIMITS.max_attachment_bytes} bytes; kept unread",
                filename=filename,
                inbound={"bucket": bucket, "key": key},
                original=self._keep_object(bucket, key, "application/octet-stream", filename, received, first_month),
                received=received,
                result=result,
            )
            return
        self._file_or_archive(
            client_id,
            data,
            filename=sanitise_filename(filename, fallback="upload"),
            declared=declared,
            channel=channel,
            source=meta,
            received=received,
            first_month=first_month,
            result=result,
        )

    # ---- e-mail -----------------------------------------------------------------------------
    def _mail(self, bucket: str, key: str, size: int | None, received: datetime, result: IntakeResult) -> None:
        limit = DEFAULT_MAIL_LIMITS.max_message_bytes
        data = self._read(bucket, key, limit, size)
        if data is None:
            self._quarantine(
                keys.UNROUTED_PK,
                None,
                "mail",
                "message-too-large",
                f"the message exceeds {limit} bytes; kept unread",
                filename=None,
                original=self._keep_object(bucket, key, "message/rfc822", None, received),
                inbound={"bucket": bucket, "key": key},
                received=received,
                result=result,
            )
            return
        raw = self._keep(data, "message/rfc822", None, received)
        intake = parse_message(data, inbox_domain=self.inbox_domain)
        if intake.recipient is None and intake.outcome != ACCEPTED:
            intake = _with_headers_only(intake, data, self.inbox_domain)
        mail = {
            "message_sha256": raw.sha256,
            "original_key": raw.key,
            "sender": intake.sender,
            "recipient": intake.recipient,
            "subject": intake.subject,
            "message_id": intake.message_id,
        }
        owner = client_for_slug(self.store, intake.client_slug) if intake.client_slug else None
        client = self._client_record(owner["client_id"]) if owner is not None else None
        if owner is None or client is None:
            detail = (
                f"no client has the inbox address {intake.recipient!r}"
                if intake.recipient
                else f"no recipient at {self.inbox_domain}"
            )
            self._quarantine(
                keys.UNROUTED_PK,
                None,
                "mail",
                UNKNOWN_RECIPIENT,
                f"{detail}; the message was {intake.outcome} ({intake.message})",
                filename=None,
                original=raw,
                mail=mail,
                received=received,
                result=result,
            )
            return
        client_id = owner["client_id"]
        pk = keys.client_pk(client_id)
        first_month = financial_year_start(client)
        # stored before routing with the calendar year: lengthened (never shortened) to the client's year
        raw = extend_retention(self.s3, raw, retain_until(clock.today_oslo(received), first_month))
        if intake.outcome != ACCEPTED and not intake.rejections:
            self._quarantine(
                pk,
                client_id,
                "mail",
                str(intake.reason),
                intake.message,
                filename=None,
                original=raw,
                mail=mail,
                received=received,
                result=result,
            )
            return
        for rejection in intake.rejections:
            self._quarantine(
                pk,
                client_id,
                "mail",
                str(rejection.reason),
                rejection.message,
                filename=rejection.filename,
                original=raw,
                mail=mail,
                received=received,
                result=result,
            )
        for attachment in intake.attachments:
            target, routed = self._mail_target(attachment, client)
            self._file(
                str(target.data["client_id"]),
                attachment,
                channel="mail",
                source={"mail": mail, **routed},
                received=received,
                first_month=financial_year_start(target),
                result=result,
            )

    # ---- one file ---------------------------------------------------------------------------
    def _file_or_archive(
        self,
        client_id: str,
        data: bytes,
        *,
        filename: str,
        declared: str | None,
        channel: str,
        source: dict[str, Any],
        received: datetime,
        first_month: int,
        result: IntakeResult,
    ) -> None:
        accepted, rejected = classify(
            data,
            filename=filename,
            declared_type=declared,
            origin=MAIL,
            limits=DEFAULT_MAIL_LIMITS,
            budget=Budget(DEFAULT_MAIL_LIMITS.max_total_attachment_bytes),
        )
        if rejected:
            ref = self._keep(data, sniff.sniff(data), filename, received, first_month)
            for r in rejected:
                self._quarantine(
                    keys.client_pk(client_id),
                    client_id,
                    channel,
                    str(r.reason),
                    r.message,
                    filename=r.filename,
                    original=ref,
                    received=received,
                    result=result,
                )
        for attachment in accepted:
            self._file(
                client_id,
                attachment,
                channel=channel,
                source=source,
                received=received,
                first_month=first_month,
                result=result,
            )

    def _file(
        self,
        client_id: str,
        attachment: Attachment,
        *,
        channel: str,
        source: dict[str, Any],
        received: datetime,
        first_month: int,
        result: IntakeResult,
    ) -> None:
        ref = self._keep(attachment.data, attachment.content_type, attachment.filename, received, first_month)
        pk = keys.client_pk(client_id)
        vid = voucher_id_for(ref.sha256)
        rec = self.store.get(pk, keys.voucher_sk(vid))
        if rec is not None and rec.data["status"] != Status.RECEIVED:
            result.duplicates.append(vid)
            return
        if rec is None:
            rec = self._create_received(client_id, vid, ref, channel, source, received)
        try:
            extracted, validation, preview = self._read_voucher(client_id, vid, attachment, ref)
        except _Unreadable as exc:
            data = {
                **rec.data,
                "status": Status.QUARANTINED,
                "quarantine": {"reason": exc.reason, "detail": exc.detail[:500]},
            }
            self.store.replace(
                rec,
                data,
                self.actor,
                "voucher.quarantined",
                gsi1pk=keys.voucher_queue_gsi(client_id, Status.QUARANTINED),
            )
            result.quarantined.append(vid)
            return
        self._interpret(client_id, rec, extracted, validation, preview)
        result.vouchers.append(vid)

    def _create_received(
        self, client_id: str, vid: str, ref: OriginalRef, channel: str, source: dict[str, Any], received: datetime
    ) -> Record:
        at = clock.iso(received)
        data = {
            "voucher_id": vid,
            "client_id": client_id,
            "status": Status.RECEIVED,
            "channel": channel,
            "received_at": at,
            "original": ref.as_dict(),
            "source": source,
            "history": [],
        }
        rec = Record(
            keys.client_pk(client_id),
            keys.voucher_sk(vid),
            "voucher",
            data,
            gsi1pk=keys.voucher_queue_gsi(client_id, Status.RECEIVED),
            gsi1sk=f"{at}#{vid}",
        )
        try:
            return self.store.create(rec, self.actor, "voucher.received")
        except AlreadyExists:
            found = self.store.get(rec.pk, rec.sk)
            assert found is not None
            return found

    def _read_voucher(
        self, client_id: str, vid: str, attachment: Attachment, ref: OriginalRef
    ) -> tuple[ExtractedVoucher, dict[str, Any] | None, dict[str, Any]]:
        kind = attachment.content_type
        original_preview = {"bucket": ref.bucket, "key": ref.key, "content_type": kind, "kind": "original"}
        if kind == sniff.XML:
            try:
                document = open_ehf(attachment.data)
                extracted = voucher_from_ubl(document)
            except EhfReadError as exc:
                raise _Unreadable(exc.reason, exc.detail) from exc
            validation = self.validator(document) if self.validator else None
            return extracted, validation, self._ehf_preview(client_id, vid, document, extracted)
        if kind == sniff.PDF:
            try:
                return read_pdf_voucher(attachment.data), None, original_preview
            except PdfTextError as exc:
                if exc.reason != "pdf-no-text":
                    raise _Unreadable(exc.reason, exc.detail) from exc
        try:
            response = self.ocr.analyze_expense(attachment.data, content_type=kind)
            extracted = read_expense(response)
        except OcrError as exc:
            raise _Unreadable(exc.reason, exc.detail) from exc
        except PdfTextError as exc:
            raise _Unreadable(exc.reason, exc.detail) from exc
        return extracted, {"ocr_engine": self.ocr_kind}, original_preview

    def _ehf_preview(
        self, client_id: str, vid: str, document: EhfDocument, extracted: ExtractedVoucher
    ) -> dict[str, Any]:
        key_base = f"previews/{client_id}/{vid}"
        for node in document.root.iterfind(
            "cac:AdditionalDocumentReference/cac:Attachment/cbc:EmbeddedDocumentBinaryObject", NS
        ):
            if (node.get("mimeCode") or "").lower() != "application/pdf" or not node.text:
                continue
            if len(node.text) > 28 * MIB:
                continue
            try:
                pdf = base64.b64decode("".join(node.text.split()), validate=True)
            except ValueError:
                continue
            if sniff.sniff(pdf) == sniff.PDF:
                self.s3.put_object(Bucket=self.documents_bucket, Key=key_base + ".pdf", Body=pdf, ContentType=sniff.PDF)
                return {
                    "bucket": self.documents_bucket,
                    "key": key_base + ".pdf",
                    "content_type": sniff.PDF,
                    "kind": "embedded-pdf",
                }
        page = render_summary(extracted)
        self.s3.put_object(
            Bucket=self.documents_bucket, Key=key_base + ".html", Body=page, ContentType="text/html; charset=utf-8"
        )
        return {
            "bucket": self.documents_bucket,
            "key": key_base + ".html",
            "content_type": "text/html; charset=utf-8",
            "kind": "summary",
        }

    def _interpret(
        self,
        client_id: str,
        rec: Record,
        extracted: ExtractedVoucher,
        validation: dict[str, Any] | None,
        preview: dict[str, Any],
    ) -> None:
        ex = extracted
        notes: list[str] = []
        supplier, why = match_or_create_supplier(
            self.store,
            client_id,
            name=ex.supplier_name.value,
            orgnr=ex.supplier_orgnr.value,
            bank_account=ex.bank_account.value,
            actor=self.actor,
        )
        if why:
            notes.append(why)
        suggestion = suggest_coding(self.store, client_id, supplier)
        dup_of, ref_change = duplicate_check(
            self.store,
            client_id,
            supplier_key(supplier, ex.supplier_orgnr.value, ex.supplier_name.value),
            ex.invoice_number.value,
            rec.data["voucher_id"],
        )
        dumped = ex.model_dump(mode="json")
        if len(dumped["lines"]) > MAX_STORED_LINES:
            notes.append(f"{LINES_TRUNCATED}: {len(dumped['lines'])} lines, the first {MAX_STORED_LINES} kept")
            dumped["lines"] = dumped["lines"][:MAX_STORED_LINES]
        details = details_from(ex, supplier.supplier_number if supplier else None)
        client = self._client_record(client_id)
        buyer = buyer_check(ex, client.data.get("orgnr") if client else None)
        data = {
            **rec.data,
            "status": Status.NEW,
            "extracted": dumped,
            "checks": voucher_checks(ex, details, kept=[buyer.as_dict()] if buyer else []),
            "validation": validation,
            "preview": preview,
            "details": details,
            "supplier": supplier.as_dict() if supplier else None,
            "suggestion": suggestion,
            "duplicate_of": dup_of,
            "notes": notes,
            "coding": None,
        }
        after = Record(
            rec.pk,
            rec.sk,
            rec.entity,
            data,
            version=rec.version,
            created_at=rec.created_at,
            gsi1pk=keys.voucher_queue_gsi(client_id, Status.NEW),
            gsi1sk=rec.gsi1sk,
        )
        changes = [Change(rec, after, "voucher.interpreted")]
        if ref_change is not None:
            changes.append(ref_change)
        try:
            self.store.write(rec.pk, changes, self.actor)
        except AlreadyExists:  # the invoice reference was registered in a race: flag instead
            dup_of, _ = (
                duplicate_check(
                    self.store,
                    client_id,
                    ref_change.record.data["supplier_key"],
                    ex.invoice_number.value,
                    rec.data["voucher_id"],
                )
                if ref_change
                else (None, None)
            )
            data["duplicate_of"] = dup_of
            self.store.write(rec.pk, [Change(rec, after.with_data(data), "voucher.interpreted")], self.actor)

    # ---- quarantine and S3 ------------------------------------------------------------------
    def _quarantine(
        self,
        pk: str,
        client_id: str | None,
        channel: str,
        reason: str,
        message: str,
        *,
        filename: str | None,
        original: OriginalRef | None,
        received: datetime,
        result: IntakeResult,
        mail: dict[str, Any] | None = None,
        inbound: dict[str, Any] | None = None,
        rejections: list[dict[str, Any]] | None = None,
    ) -> None:
        anchor = original.sha256 if original else f"{(inbound or {}).get('bucket')}/{(inbound or {}).get('key')}"
        qid = hashlib.sha256(f"{anchor}|{filename}|{reason}".encode()).hexdigest()[:24]
        data = {
            "quarantine_id": qid,
            "client_id": client_id,
            "channel": channel,
            "reason": reason,
            "message": message[:1000],
            "filename": filename,
            "original": original.as_dict() if original else None,
            "inbound": inbound,
            "mail": mail,
            "rejections": rejections or [],
            "received_at": clock.iso(received),
        }
        with contextlib.suppress(AlreadyExists):  # the same refusal again: kept once
            self.store.create(
                Record(pk, keys.quarantine_sk(qid), "voucher_quarantine", data), self.actor, "voucher.quarantined"
            )
        result.quarantined.append(qid)

    def _keep(
        self, data: bytes, content_type: str, filename: str | None, received: datetime, first_month: int = 1
    ) -> OriginalRef:
        """Store an original; `first_month` is the client's financial year (1 while no client is known)."""
        return store_original(
            self.s3,
            self.vouchers_bucket,
            data,
            content_type=content_type,
            filename=filename,
            received=received,
            first_month=first_month,
        )

    def _keep_object(
        self, bucket: str, key: str, content_type: str, filename: str | None, received: datetime, first_month: int = 1
    ) -> OriginalRef | None:
        return copy_original(
            self.s3,
            self.vouchers_bucket,
            bucket,
            key,
            content_type=content_type,
            filename=filename,
            received=received,
            first_month=first_month,
        )

    def _head(self, bucket: str, key: str) -> dict[str, Any]:
        head: dict[str, Any] = self.s3.head_object(Bucket=bucket, Key=key)
        return head

    def _read(self, bucket: str, key: str, limit: int, size: int | None = None) -> bytes | None:
        """The object's bytes, or None (unread) when it is larger than `limit`."""
        if size is None:
            size = int(self._head(bucket, key)["ContentLength"])
        if size > limit:
            return None
        body = self.s3.get_object(Bucket=bucket, Key=key)["Body"]
        data = body.read(limit + 1)
        return None if len(data) > limit else data

    def _route_ehf(self, data: bytes, key_client: str) -> tuple[str | None, str, str | None]:
        """(client id, "receiver" | "key", receiver orgnr or a reason). The receiver is the SBDH
        Receiver 0192:<orgnr>, else the EndpointID (scheme 0192) of AccountingCustomerParty; a document
        without one (or unreadable: it is quarantined inside the client) goes by its key."""
        try:
            document = open_ehf(data)
        except EhfReadError:
            return key_client, "key", None
        orgnr = receiver_orgnr(document)
        if orgnr is None:
            return key_client, "key", None
        clients = [c for c in TenancyRepository(self.store).clients_with_orgnr(orgnr) if c["client_id"]]
        ids = [c["client_id"] for c in clients]
        if len(ids) == 1:
            return ids[0], "receiver", orgnr
        if key_client in ids:  # a company that is a client of two bureaus: the key decides
            return key_client, "receiver", orgnr
        if not ids:
            key_record = self._client_record(key_client)
            if key_record is not None and key_record.data.get("orgnr") == orgnr:  # created before the index
                return key_client, "receiver", orgnr
            return None, "receiver", f"no client has the organisation number {orgnr} (receiver of the EHF)"
        return None, "receiver", f"{len(ids)} clients have the organisation number {orgnr}; the key names none of them"

    def _client_record(self, client_id: str) -> Record | None:
        """The client's record, read once per intake of one object."""
        if client_id not in self._clients:
            try:
                self._clients[client_id] = self.store.get(keys.client_pk(client_id), keys.CLIENT_SK)
            except ValueError:
                self._clients[client_id] = None
        return self._clients[client_id]

    def _mail_target(self, attachment: Attachment, client: Record) -> tuple[Record, dict[str, Any]]:
        """The client an e-mailed EHF belongs to: its buyer (receiver orgnr) when that is another client
        OF THE SAME BUREAU with that orgnr, else the addressed client (which flags a foreign buyer through
        the buyer check). Never across bureaus: an address owner must not learn, or reach, another
        bureau's clients (0271)."""
        if attachment.content_type != sniff.XML:
            return client, {}
        try:
            orgnr = receiver_orgnr(open_ehf(attachment.data))
        except EhfReadError:
            return client, {}
        if orgnr is None or orgnr == client.data.get("orgnr"):
            return client, {}
        bureau = client.data.get("bureau_id")
        same = [
            c["client_id"]
            for c in TenancyRepository(self.store).clients_with_orgnr(orgnr)
            if c.get("client_id") and c.get("bureau_id") == bureau
        ]
        target = self._client_record(same[0]) if len(same) == 1 else None
        if target is None:
            return client, {}
        return target, {"routed_by": "buyer", "receiver": orgnr, "addressed_to": client.data.get("client_id")}


def financial_year_start(client: Record) -> int:
    """The first month of the client's financial year (1 = calendar year; clients stored before the
    setting have none). A stored value outside 1..12 fails the intake (retried, then the DLQ) rather
    than locking originals too briefly."""
    month = client.data.get("financial_year_start_month")
    return 1 if month is None else int(month)


def receiver_orgnr(document: EhfDocument) -> str | None:
    """The Norwegian organisation number the document is addressed to, or None."""
    envelope = document.envelope
    if envelope is not None and envelope.receiver:
        scheme, _, value = envelope.receiver.strip().partition(":")
        if scheme == SCHEME_NO_ORGNR and len(value.strip()) == 9 and value.strip().isdigit():
            return value.strip()
    for node in document.root.iterfind("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", NS):
        text = (node.text or "").strip().replace(" ", "")
        if node.get("schemeID") == SCHEME_NO_ORGNR and len(text) == 9 and text.isdigit():
            return text
    return None


class _Unreadable(ReasonedError):
    """A file the readers could not use (their reason and detail), for quarantine."""


def _with_headers_only(intake: MailIntake, data: bytes, inbox_domain: str) -> MailIntake:
    """A message refused while it was being read (size, parts) has no headers in its intake: read just
    the header block (bounded) so that the refusal still reaches the client's quarantine."""
    from email import policy
    from email.parser import BytesHeaderParser

    from klientportal.vouchers import mime

    try:
        headers = BytesHeaderParser(policy=policy.default).parsebytes(data[:HEADER_BLOCK_BYTES])
        found = mime._headers(headers, DEFAULT_MAIL_LIMITS, inbox_domain, ())
    except (ValueError, LookupError, TypeError, IndexError):
        return intake
    return replace(intake, **found)


def details_from(ex: ExtractedVoucher, supplier_number: int | None) -> dict[str, Any]:
    """The editable details of a voucher, initialised from what was read (`payable`: the amount to pay)."""
    return {
        "document_type": str(ex.document_type.value) if ex.document_type.found else "invoice",
        "supplier_number": supplier_number,
        "supplier_name": ex.supplier_name.value,
        "supplier_orgnr": ex.supplier_orgnr.value,
        **derived_details(ex),
        "description": None,
    }


def render_summary(ex: ExtractedVoucher) -> bytes:
    """A small HTML page of what was read, the preview of an EHF without an embedded PDF."""

    def row(label: str, value: Any) -> str:
        return f"<tr><th>{html.escape(label)}</th><td>{html.escape(str(value if value is not None else '–'))}</td></tr>"

    rows = [
        row("Leverandør", ex.supplier_name.value),
        row("Org.nr", ex.supplier_orgnr.value),
        row("Fakturanr", ex.invoice_number.value),
        row("Fakturadato", ex.issue_date.value),
        row("Forfall", ex.due_date.value),
        row("KID", ex.kid.value),
        row("Konto", ex.bank_account.value),
        row("Sum eks. mva", ex.totals.tax_exclusive.value),
        row("MVA", ex.totals.tax.value),
        row("Å betale", ex.totals.payable.value),
    ]
    lines = "".join(
        f"<tr><td>{html.escape(str(line.description.value or ''))}</td>"
        f"<td>{html.escape(str(line.net_amount.value or ''))}</td></tr>"
        for line in ex.lines[:MAX_STORED_LINES]
    )
    return (
        f'<!doctype html><html lang="nb"><meta charset="utf-8"><title>Bilag</title>'
        f"<h1>EHF-faktura</h1><table>{''.join(rows)}</table><h2>Linjer</h2><table>{lines}</table></html>"
    ).encode()
