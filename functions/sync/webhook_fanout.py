"""Queue consumer (event rule `webhooks`: every domain event): one delivery per matching webhook
subscription of the event's client and its bureau, queued on `webhook-deliveries`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from functions.sync.common import delivery_sender, is_local, operational
from klientportal.bootstrap import invocation
from klientportal.events import domain_event_from_rule_message
from klientportal.observability import instrumented
from klientportal.sync.webhooks.deliveries import Deliveries

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

processor = BatchProcessor(event_type=EventType.SQS)


def _handle(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    inv = invocation()
    deliveries = Deliveries(inv.store, operational(inv), delivery_sender(), local=is_local())

    def one(record: SQSRecord) -> None:
        deliveries.fan_out(domain_event_from_rule_message(record.body))

    return process_partial_response(event=event, record_handler=one, processor=processor, context=context)


lambda_handler = instrumented(_handle)
