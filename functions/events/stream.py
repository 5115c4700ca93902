"""DynamoDB stream → EventBridge domain bus. Thin: each new audit event becomes one domain event."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from klientportal import aws
from klientportal.events import domain_event_from_stream_image, put_entries
from klientportal.observability import instrumented
from klientportal.settings import settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def publish(record: DynamoDBRecord) -> None:
    if record.event_name is None or record.event_name.name != "INSERT":
        return
    entry = domain_event_from_stream_image(record.dynamodb.new_image if record.dynamodb else {})
    if entry is not None:
        put_entries(aws.client("events"), settings().event_bus, [entry])


def _handle(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=publish, processor=processor, context=context)


lambda_handler = instrumented(_handle)
