"""Queue consumer: receipts from the access point, the print centre and Svea, applied to invoices.
Idempotent (a redelivered receipt changes nothing); failures are reported per message."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from klientportal.adapters.receipts import Receipt
from klientportal.bootstrap import Invocation, invocation
from klientportal.errors import NotFound
from klientportal.observability import instrumented, logger
from klientportal.repository.store import Actor

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

processor = BatchProcessor(event_type=EventType.SQS)


def apply(record: SQSRecord, inv: Invocation) -> None:
    receipt = Receipt.from_json(record.body)
    try:
        service = inv.invoices(receipt.client_id)
    except NotFound:
        logger.warning("receipt for an unknown client", extra={"source": receipt.source})
        return
    service.apply_receipt(receipt, Actor(sub=f"partner:{receipt.source}", kind="system"))


def _handle(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    inv = invocation()
    return process_partial_response(
        event=event, record_handler=lambda record: apply(record, inv), processor=processor, context=context
    )


lambda_handler = instrumented(_handle)
