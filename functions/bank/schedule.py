"""Scheduled retrieval (EventBridge schedule "bank-retrieval"; locally POST
/_local/schedules/bank-retrieval): every client with a bank agreement, from the agreements index."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from klientportal.bank.retrieval import retrieve_all
from klientportal.bootstrap import invocation
from klientportal.observability import instrumented, logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def _handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = retrieve_all(invocation())
    logger.info("bank retrieval", extra=result)
    return result


lambda_handler = instrumented(_handle)
