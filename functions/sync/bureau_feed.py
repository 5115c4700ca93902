"""Queue consumer (event rule `bureau-feed`: every domain event): the bureau's change feed, each
client's events appended once in its own order (klientportal/sync/bureau_feed.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from functions.sync.common import operational
from klientportal.bootstrap import invocation, store
from klientportal.events import domain_event_from_rule_message
from klientportal.observability import instrumented
from klientportal.sync import bureau_feed

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

processor = BatchProcessor(event_type=EventType.SQS)


def _handle(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    ops = operational(invocation())
    reads = store()  # uncached: a lost race reads the head and mark again

    def one(record: SQSRecord) -> None:
        bureau_feed.append(reads, ops, domain_event_from_rule_message(record.body))

    return process_partial_response(event=event, record_handler=one, processor=processor, context=context)


lambda_handler = instrumented(_handle)
