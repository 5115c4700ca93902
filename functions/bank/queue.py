"""Queue consumer of bank-imports: a message {client_id, import_id} imports a stored file; an S3
event (a presigned upload under inbound bank/<client>/…) is received first (stored unaltered in
the originals bucket, an import record, a message), then imported by that message. Idempotent: a
redelivered message finds the import booked or rejected, or resumes it without duplicates."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from klientportal.bootstrap import Invocation, invocation
from klientportal.errors import NotFound
from klientportal.observability import instrumented, logger
from klientportal.repository.store import SYSTEM, Actor

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

processor = BatchProcessor(event_type=EventType.SQS)


def apply(record: SQSRecord, inv: Invocation) -> None:
    body: dict[str, Any] = json.loads(record.body)
    if "Records" in body or body.get("Event") == "s3:TestEvent":
        for s3_record in body.get("Records", []):
            _uploaded(s3_record, inv)
        return
    client_id, import_id = str(body["client_id"]), str(body["import_id"])
    try:
        done = inv.bank(client_id).imports.process(import_id, SYSTEM)
    except NotFound:
        logger.warning("bank import message for an unknown import", extra={"client": client_id})
        return
    logger.info("bank import", extra={"client": client_id, "import": import_id, "state": done.data["state"]})


def _uploaded(s3_record: dict[str, Any], inv: Invocation) -> None:
    """A presigned upload arrived in the inbound bucket: receive it like a request body."""
    bucket = s3_record["s3"]["bucket"]["name"]
    key = unquote_plus(s3_record["s3"]["object"]["key"])
    parts = key.split("/")
    if len(parts) != 3 or parts[0] != "bank":
        logger.warning("object outside bank/<client>/<id> ignored", extra={"key": key})
        return
    obj = inv.s3.get_object(Bucket=bucket, Key=key)
    uploader = (obj.get("Metadata") or {}).get("uploaded-by") or "upload"
    data: bytes = obj["Body"].read()
    try:
        inv.bank(parts[1]).imports.receive(data, "upload", Actor(sub=uploader))
    except NotFound:
        logger.warning("bank upload for an unknown client", extra={"key": key})


def _handle(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=lambda record: apply(record, invocation()), processor=processor, context=context
    )


lambda_handler = instrumented(_handle)
