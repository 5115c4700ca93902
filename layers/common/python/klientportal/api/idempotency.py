"""Idempotency-Key on creating POSTs, with powertools idempotency on its own DynamoDB table.

The key is scoped to tenant, user and route, so two tenants' keys never meet. The same key with
the same body replays the first response (header Idempotent-Replayed: true); with another body it
is refused (422); while the first request is still running, a retry gets 409.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools.event_handler import Response
from pydantic import BaseModel

from klientportal import aws
from klientportal.api.context import RequestContext
from klientportal.errors import DomainError, FieldError, InvalidInput
from klientportal.settings import settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig

HEADER = "idempotency-key"
M = TypeVar("M", bound=BaseModel)


class KeyReused(DomainError):
    status, slug, title = 422, "idempotency-key-reused", "The Idempotency-Key was used with another request"


class StillRunning(DomainError):
    status, slug, title = 409, "idempotency-in-progress", "A request with this Idempotency-Key is still running"


@cache
def _config() -> IdempotencyConfig:
    """powertools' idempotency utility: imported by the first request that carries the header."""
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    return IdempotencyConfig(
        event_key_jmespath="scope",
        payload_validation_jmespath="payload_hash",
        expires_after_seconds=24 * 3600,
        raise_on_no_idempotency_key=True,
    )


def _persistence() -> DynamoDBPersistenceLayer:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(table_name=settings().idempotency_table, boto3_client=aws.client("dynamodb"))


def run_idempotent(
    ctx: RequestContext, payload: dict[str, Any], model: type[M], operation: Callable[[], tuple[int, dict[str, Any]]]
) -> Response[M]:
    """Run `operation` (returning status and JSON body) at most once per Idempotency-Key; the body,
    first or replayed, is answered as `model`."""
    key = ctx.headers.get(HEADER)
    if key is None:
        status, body = operation()
        return Response(status, "application/json", model.model_validate(body))
    if not 1 <= len(key) <= 128:
        raise InvalidInput(
            "Idempotency-Key must be 1 to 128 characters", [FieldError("header.Idempotency-Key", "length")]
        )
    from aws_lambda_powertools.utilities.idempotency.base import IdempotencyHandler
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    ran = []

    def once(request: dict[str, Any]) -> dict[str, Any]:
        ran.append(True)
        status, body = operation()
        return {"status": status, "body": body}

    data = {
        "scope": f"{ctx.tenant}|{ctx.actor.sub}|{ctx.route_key}|{key}",
        "payload_hash": hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest(),
    }
    try:
        if ctx.lambda_context is not None:
            _config().register_lambda_context(ctx.lambda_context)
        result = IdempotencyHandler(
            function=once,
            function_payload=data,
            config=_config(),
            persistence_store=_persistence(),
            function_args=(),
            function_kwargs={"request": data},
        ).handle()
    except IdempotencyValidationError as exc:
        raise KeyReused("this Idempotency-Key was used with a different request body") from exc
    except IdempotencyAlreadyInProgressError as exc:
        raise StillRunning("the first request with this Idempotency-Key has not finished; retry later") from exc
    headers = {} if ran else {"Idempotent-Replayed": "true"}
    return Response(result["status"], "application/json", model.model_validate(result["body"]), headers=headers)


def run_idempotent_by_reference(
    ctx: RequestContext,
    payload: dict[str, Any],
    model: type[M],
    operation: Callable[[], tuple[int, dict[str, Any], dict[str, Any]]],
    render: Callable[[dict[str, Any]], dict[str, Any]],
) -> Response[M]:
    """As `run_idempotent`, for a response too large for the idempotency record (one DynamoDB item,
    400 KB; e.g. a payroll run with 1,000 payslips): `operation` returns (status, a small reference,
    the full body); only the status and the reference are stored, and a replay answers
    `render(reference)`, the resource as it is now."""
    first: list[dict[str, Any]] = []

    def referenced() -> tuple[int, dict[str, Any]]:
        status, reference, body = operation()
        first.append(body)
        return status, reference

    answer = run_idempotent(ctx, payload, _Reference, referenced)
    reference = answer.body.model_dump() if isinstance(answer.body, BaseModel) else {}
    body = first[0] if first else render(reference)
    return Response(answer.status_code, "application/json", model.model_validate(body), headers=answer.headers)


class _Reference(BaseModel):
    """What `run_idempotent_by_reference` keeps: any small JSON object."""

    model_config = {"extra": "allow"}
