"""Queue consumer (`webhook-deliveries`): one signed POST attempt per message; a failure is queued
again with the backoff's delay, the last one goes to the subscription's dead-letter list."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from functions.sync.common import delivery_sender, is_local, operational
from klientportal.bootstrap import invocation
from klientportal.bootstrap import store as uncached_store
from klientportal.observability import instrumented, logger
from klientportal.sync.webhooks.deliveries import Deliveries

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

processor = BatchProcessor(event_type=EventType.SQS)


def _handle(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    inv = invocation()
    # uncached: a record is read afresh at every attempt (its version moves under other workers)
    deliveries = Deliveries(uncached_store(), operational(inv), delivery_sender(), local=is_local())

    def one(record: SQSRecord) -> None:
        outcome = deliveries.attempt(json.loads(record.body))
        logger.info("webhook attempt", extra={"outcome": outcome})

    return process_partial_response(event=event, record_handler=one, processor=processor, context=context)


lambda_handler = instrumented(_handle)
