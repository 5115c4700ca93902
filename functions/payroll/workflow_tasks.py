"""The payroll-approval workflow's Lambda tasks (functions/workflows/payroll-approval.asl.json). Thin:
klientportal.payroll.run_approval.WorkflowSteps decides, the human-task library keeps the token."""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING, Any

from klientportal.bootstrap import invocation, payroll
from klientportal.observability import instrumented, logger
from klientportal.payroll.run_approval import WorkflowSteps

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def _failure(state: dict[str, Any]) -> str | None:
    """The cause of a refused booking (the Catch's $.error), or None after a person's decision."""
    error = state.get("error")
    if not isinstance(error, dict) or state.get("decision", {}).get("decision") == "reject":
        return None
    cause = str(error.get("Cause") or error.get("Error") or "the booking failed")
    with contextlib.suppress(ValueError, AttributeError):  # a Lambda error's cause is JSON {"errorMessage", …}
        cause = str(json.loads(cause).get("errorMessage") or cause)
    return f"not booked: {cause}"


def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    action = event.get("action")
    state = dict(event["state"])
    client_id, run_id = str(state["client_id"]), str(state["run_id"])
    logger.append_keys(tenant=client_id, run=run_id, step=action)
    steps = WorkflowSteps(payroll(invocation(), client_id))
    if action == "begin":
        return {"status": steps.status(run_id)}
    if action == "open_approval":
        return steps.open_approval(run_id, str(event["token"]), str(event.get("execution", "")))
    if action == "read_decision":
        return {"decision": steps.read_decision(run_id)["decision"]}
    if action == "expire":
        return {"expired": steps.expire(run_id)}
    if action == "book":
        steps.book(run_id)
        return {}
    if action == "issue_payslips":
        return {"issued": steps.issue_payslips(run_id)}
    if action == "batch_payments":
        return {"payment_batch_id": steps.batch_payments(run_id)}
    if action == "return_to_draft":
        return {"returned": steps.return_to_draft(run_id, _failure(state))}
    raise ValueError(f"unknown payroll workflow action {action!r}")


lambda_handler = instrumented(handle)
