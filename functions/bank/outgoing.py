"""Outgoing payments: the `payment-batches-outgoing` queue (contract 4: {"client_id", "batch_id",
"content_hash"}) → `BatchSender.send` (pain.001 built, stored, uploaded at most once). A message for
a batch already uploaded, or in doubt, changes nothing; one that names no sendable batch is logged
and dropped (retrying cannot make it sendable)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from klientportal.bank.outgoing import NotSendable
from klientportal.bootstrap import Invocation, invocation
from klientportal.observability import instrumented, logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

processor = BatchProcessor(event_type=EventType.SQS)


class OutgoingBatch(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    client_id: str = Field(min_length=1, max_length=64)
    batch_id: str = Field(pattern=r"^pb-[0-9a-f]{16}$")
    content_hash: str = Field(pattern=r"^[0-9a-f]{64}$")


def handle_record(record: SQSRecord, inv: Invocation) -> None:
    try:
        message = OutgoingBatch.model_validate(json.loads(record.body))
    except (ValueError, ValidationError) as exc:
        logger.error("outgoing batch message refused", extra={"error": str(exc)[:500]})
        return
    try:
        outcome = inv.bank_sender(message.client_id).send(message.batch_id, message.content_hash)
    except NotSendable as exc:
        logger.error("payment batch not sendable", extra={"batch": message.batch_id, "error": str(exc)})
        return
    log = logger.error if outcome.outcome in ("in-doubt", "upload-failed") else logger.info
    log("payment batch to the bank", extra={"batch": outcome.batch_id, "outcome": outcome.outcome})


def _handle(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    inv = invocation()
    return process_partial_response(
        event=event, record_handler=lambda record: handle_record(record, inv), processor=processor, context=context
    )


lambda_handler = instrumented(_handle)
