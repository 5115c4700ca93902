"""Queue consumer: billable domain events (an EventBridge rule on the domain bus → the billing-usage
queue) counted once per client and month. The batch is metered together (one batch read of the
audit events it names); a message that is not a domain event, or a batch that fails, is reported
failed (retried, then the queue's DLQ) — a redelivery changes nothing already counted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from klientportal.billing.metering import Meter, UsageEvent
from klientportal.bootstrap import invocation
from klientportal.observability import instrumented, logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def _handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records") or []
    parsed: list[tuple[str, UsageEvent]] = []
    failed: list[str] = []
    for record in records:
        try:
            parsed.append((record["messageId"], UsageEvent.from_rule_message(record["body"])))
        except ValueError as exc:
            logger.error("not a domain event message", extra={"message_id": record.get("messageId"), "why": str(exc)})
            failed.append(record["messageId"])
    try:
        outcomes = Meter(invocation().store).meter([e for _, e in parsed])
    except Exception:
        logger.exception("metering failed; the batch is retried")
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records]}
    counted: dict[str, int] = {}
    for o in outcomes:
        counted[o.result] = counted.get(o.result, 0) + 1
    logger.info("usage metered", extra={"events": len(parsed), **counted})
    return {"batchItemFailures": [{"itemIdentifier": m} for m in failed]}


lambda_handler = instrumented(_handle)
