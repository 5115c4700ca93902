"""Voucher intake: SQS (fed by S3 ObjectCreated on the inbound bucket) → VoucherIntake.

Each SQS record carries one S3 event notification (keys URL-encoded, so unquote_plus). A record
that fails unexpectedly is reported back (partial batch response) and retried, then lands in the
DLQ; the intake itself is idempotent, so a retry or a replayed event changes nothing twice.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from klientportal.bootstrap import invocation
from klientportal.observability import instrumented, logger
from klientportal.vouchers.intake import VoucherIntake

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

processor = BatchProcessor(event_type=EventType.SQS)


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


def handle_record(record: SQSRecord, intake: VoucherIntake) -> None:
    for bucket, key, size in s3_objects(record.body):
        result = intake.handle_object(bucket, key, size)
        logger.info(
            "intake",
            extra={
                "prefix": key.split("/", 1)[0],
                "vouchers": len(result.vouchers),
                "duplicates": len(result.duplicates),
                "quarantined": len(result.quarantined),
            },
        )


def _handle(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    intake = invocation().voucher_intake()
    return process_partial_response(
        event=event, record_handler=lambda record: handle_record(record, intake), processor=processor, context=context
    )


lambda_handler = instrumented(_handle)
