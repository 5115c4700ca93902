"""Queue consumer (event rule `bureau-feed`: every domain event): the bureau's change feed, each
client's events appended once in its own order (klientportal/sync/bureau_feed.py).

A batch is handled per client: appending up to the batch's highest sequence number of a client
covers its other events in the batch, so one catch-up per client is made and its outcome is every
one of that client's messages' outcome (a failure leaves them all to be redelivered)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from functions.sync.common import operational
from klientportal.bootstrap import invocation, store
from klientportal.events import DomainEvent, domain_event_from_rule_message
from klientportal.observability import instrumented
from klientportal.sync import bureau_feed

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

processor = BatchProcessor(event_type=EventType.SQS)


def _handle(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    ops = operational(invocation())
    reads = store()  # uncached: a lost race reads the head and mark again
    highest: dict[str, DomainEvent] = {}
    for raw in event.get("Records", []):
        try:
            e = domain_event_from_rule_message(raw["body"])
        except (ValueError, KeyError):
            continue  # reported as failed by the record handler below
        if e.tenant not in highest or e.seq > highest[e.tenant].seq:
            highest[e.tenant] = e
    outcome: dict[str, Exception | None] = {}

    def one(record: SQSRecord) -> None:
        e = domain_event_from_rule_message(record.body)
        if e.tenant not in outcome:
            try:
                bureau_feed.append(reads, ops, highest.get(e.tenant, e))
                outcome[e.tenant] = None
            except Exception as exc:
                outcome[e.tenant] = exc
        if (failed := outcome[e.tenant]) is not None:
            raise failed

    return process_partial_response(event=event, record_handler=one, processor=processor, context=context)


lambda_handler = instrumented(_handle)
