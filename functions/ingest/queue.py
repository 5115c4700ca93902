"""Voucher intake: SQS (fed by S3 ObjectCreated on the inbound bucket) → VoucherIntake.

Each SQS record carries one S3 event notification (keys URL-encoded, so unquote_plus). A record
that fails unexpectedly is reported back (partial batch response) and retried, then lands in the
DLQ; the intake itself is idempotent, so a retry or a replayed event changes nothing twice.
"""
from __future__ import annotations

import json
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from klientportal import aws
from klientportal.api.app import store
from klientportal.observability import instrumented, logger
from klientportal.settings import settings
from klientportal.vouchers.intake import VoucherIntake, default_ocr_engine

processor = BatchProcessor(event_type=EventType.SQS)
_engines: dict[tuple[str, str], object] = {}


def intake() -> VoucherIntake:
    s = settings()
    engine_key = (s.ocr_engine, s.inbound_bucket)
    if engine_key not in _engines:
        _engines[engine_key] = default_ocr_engine(s.ocr_engine, s.inbound_bucket)
    return VoucherIntake(store(), aws.client("s3"), vouchers_bucket=s.vouchers_bucket,
                         documents_bucket=s.documents_bucket, inbox_domain=s.inbox_domain,
                         ocr=_engines[engine_key], ocr_kind=s.ocr_engine)  # type: ignore[arg-type]


def s3_objects(body: str) -> list[tuple[str, str, int | None]]:
    """(bucket, key, size) of each ObjectCreated record in an S3 event notification (test events: none)."""
    message = json.loads(body)
    out = []
    for record in message.get("Records", []):
        if not str(record.get("eventName", "")).startswith("ObjectCreated"):
            continue
        s3 = record["s3"]
        size = s3["object"].get("size")
        out.append((s3["bucket"]["name"], unquote_plus(s3["object"]["key"]), int(size) if size is not None else None))
    return out


def handle_record(record: SQSRecord) -> None:
    for bucket, key, size in s3_objects(record.body):
        result = intake().handle_object(bucket, key, size)
        logger.info("intake", extra={"prefix": key.split("/", 1)[0], "vouchers": len(result.vouchers),
                                     "duplicates": len(result.duplicates), "quarantined": len(result.quarantined)})


def _handle(event: dict, context: object) -> dict:
    return process_partial_response(event=event, record_handler=handle_record, processor=processor, context=context)


lambda_handler = instrumented(_handle)
