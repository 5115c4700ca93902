"""Queue consumer: receipts from the access point, the print centre and Svea, applied to invoices.
Idempotent (a redelivered receipt changes nothing); failures are reported per message."""
from __future__ import annotations

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from klientportal.adapters.receipts import Receipt
from klientportal.api.app import store, tenancy_service
from klientportal.invoicing.delivery import adapters
from klientportal.invoicing.service import InvoiceService
from klientportal.observability import instrumented, logger
from klientportal.repository.store import Actor

processor = BatchProcessor(event_type=EventType.SQS)


def apply(record: SQSRecord) -> None:
    receipt = Receipt.from_json(record.body)
    st = store()
    found = tenancy_service(st).repo.client(receipt.client_id)
    if found is None:
        logger.warning("receipt for an unknown client", extra={"source": receipt.source})
        return
    actor = Actor(sub=f"partner:{receipt.source}", kind="system")
    InvoiceService(st, found[0], adapters()).apply_receipt(receipt, actor)


def _handle(event: dict, context: object) -> dict:
    return process_partial_response(event=event, record_handler=apply, processor=processor, context=context)


lambda_handler = instrumented(_handle)
