"""The attestation state machine's Lambda tasks (functions/workflows/attestation.asl.json): the event
is {"action", "state", "execution", "token"?}; the answer is the next state. Thin: the work is
klientportal.vouchers.attestation_flow."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from klientportal.bootstrap import attestation_tasks, invocation
from klientportal.observability import instrumented, logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def _handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    state = event["state"]
    logger.append_keys(client_id=state.get("client_id"), action=event.get("action"))
    tasks = attestation_tasks(invocation(), state["client_id"])
    result: dict[str, Any] = tasks.run(event["action"], state, event.get("execution", ""), event.get("token"))
    return result


lambda_handler = instrumented(_handle)
