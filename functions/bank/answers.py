"""The bank's answers to outgoing payments (EventBridge schedule "bank-answers"; locally POST
/_local/schedules/bank-answers): pain.002 status reports from every client's bank channel applied
to their batches. Locally the bank simulator also releases its due camt.054 debit notifications,
which the bank import reads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from klientportal.bank.answers import collect_answers
from klientportal.bootstrap import invocation
from klientportal.observability import instrumented, logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def _handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = collect_answers(invocation())
    logger.info("bank answers", extra=result)
    return result


lambda_handler = instrumented(_handle)
