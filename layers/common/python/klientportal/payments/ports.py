"""What the batch domain needs from the payment-approval workflow (implemented on Step Functions by
klientportal.payments.workflow; a recording fake in the unit tests)."""

from __future__ import annotations

from typing import Any, Protocol


class ApprovalWorkflow(Protocol):
    def start(self, client_id: str, batch_id: str) -> str:
        """Start the batch's workflow (idempotent: one execution per batch); its execution id."""

    def execution_arn(self, client_id: str, batch_id: str) -> str:
        """The ARN of the batch's execution."""

    def complete(self, task_id: str, output: dict[str, Any]) -> bool:
        """Complete the waiting human task `task_id`; False when it no longer waits."""

    def fail(self, task_id: str, error: str, cause: str) -> bool:
        """Fail the waiting task `task_id`; False when it no longer waits."""

    def heartbeat(self, task_id: str) -> bool:
        """Tell the waiting task `task_id` that it is still alive; False when it no longer waits."""
