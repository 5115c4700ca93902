"""The payment-approval workflow on the workflow infrastructure (functions/workflows/
payment-approval.asl.json, klientportal.workflows): one execution per batch, named by it.

Two waits, each a `.waitForTaskToken` task whose token the human-task library keeps server side:
- the approval task (`pa-<batch>`), assigned to the batch's approvers as a group (`APPROVERS`): the
  batch domain records each person's approval and completes the task when the four-eyes rule holds;
- the bank task (`pk-<batch>`), assigned to `BANK`: opened when the batch is handed to the bank,
  completed by `bank_status.report` with the bank's final status.
Durations are execution input (settings below), so the local stack can run them in seconds.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from klientportal.errors import NotFound, RuleViolation
from klientportal.repository.store import Actor, Store

STATE_MACHINE = "payment-approval"
APPROVERS = Actor(sub="payment-approvers", kind="system")  # the approval task's assignee: the payment right
BANK = Actor(sub="bank", kind="system")
APPROVAL_KIND, BANK_KIND = "payment_approval", "payment_bank_status"
ARN_VAR = "KP_STATEMACHINE_PAYMENT_APPROVAL"  # catalogue.env_var("statemachine:payment-approval")
APPROVAL_VAR, BANK_VAR = "KP_PAYMENT_APPROVAL_TIMEOUT_S", "KP_PAYMENT_BANK_WAIT_S"
DEFAULT_APPROVAL_S = 3 * 24 * 3600  # a batch not approved within three days expires
DEFAULT_BANK_S = 5 * 24 * 3600  # the bank's final status (camt.054 debit) within five days


FINAL_BANK_STATUSES = frozenset({"paid", "rejected"})


class BatchAlreadyApproved(Exception):
    """The batch was approved before the approval wait began (the ASL catches this name)."""


class BatchCancelled(Exception):
    """The batch is cancelled (by a person, or expired): the workflow ends (the ASL catches this name)."""


class BankAnswered(Exception):
    """The bank's final status arrived before the bank wait began (the ASL catches this name)."""


def approval_task_id(batch_id: str) -> str:
    return f"pa-{batch_id}"


def bank_task_id(batch_id: str) -> str:
    return f"pk-{batch_id}"


@dataclass(frozen=True)
class Durations:
    approval_s: int
    bank_s: int

    @classmethod
    def from_env(cls) -> Durations:
        return cls(int(os.environ.get(APPROVAL_VAR, DEFAULT_APPROVAL_S)), int(os.environ.get(BANK_VAR, DEFAULT_BANK_S)))


def execution_input(client_id: str, batch_id: str, durations: Durations) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "batch_id": batch_id,
        "approval": {"seconds": durations.approval_s},
        "bank": {"seconds": durations.bank_s},
    }


class StepFunctionsApprovalWorkflow:
    """The `ApprovalWorkflow` port on Step Functions and the human-task library."""

    def __init__(self, store: Store, client_id: str, state_machine_arn: str, durations: Durations) -> None:
        self.store, self.client_id = store, client_id
        self.arn, self.durations = state_machine_arn, durations

    def _tasks(self) -> Any:
        from klientportal.workflows.human_tasks import HumanTasks

        return HumanTasks(self.store, self.client_id)

    def execution_arn(self, client_id: str, batch_id: str) -> str:
        from klientportal.workflows import executions

        return executions.execution_arn(self.arn, executions.execution_name("payment", client_id, batch_id))

    def start(self, client_id: str, batch_id: str) -> str:
        from klientportal.workflows import executions

        name = executions.execution_name("payment", client_id, batch_id)
        started = executions.start(self.arn, name, execution_input(client_id, batch_id, self.durations))
        return str(started.arn)

    def _assignee(self, task_id: str) -> Actor | None:
        rec = self._tasks().get(task_id)
        if rec is None or rec.data.get("status") != "open":
            return None
        return APPROVERS if rec.data.get("assignee") == APPROVERS.sub else BANK

    def complete(self, task_id: str, output: dict[str, Any]) -> bool:
        by = self._assignee(task_id)
        if by is None:
            return False
        kind = APPROVAL_KIND if by is APPROVERS else BANK_KIND
        try:
            self._tasks().complete(task_id, by, output, f"{kind}.task_completed")
        except (NotFound, RuleViolation):
            return False
        return True

    def fail(self, task_id: str, error: str, cause: str) -> bool:
        by = self._assignee(task_id)
        if by is None:
            return False
        try:
            self._tasks().fail(task_id, by, error, cause, "payment_approval.task_failed")
        except (NotFound, RuleViolation):
            return False
        return True

    def heartbeat(self, task_id: str) -> bool:
        """An intermediate bank status: noted on the open task (the wait's timeout stays the bank's)."""
        if self._assignee(task_id) is None:
            return False
        self._tasks().note(task_id, {"event": "bank_status", "at": _now()})
        return True


def _now() -> str:
    from klientportal import clock

    return clock.iso(clock.now())


def approval_workflow(store: Store | None = None, client_id: str | None = None) -> StepFunctionsApprovalWorkflow:
    """The workflow of the deployment (the state machine's ARN from the environment)."""
    from klientportal.bootstrap import store as plain_store

    arn = os.environ.get(ARN_VAR, "")
    return StepFunctionsApprovalWorkflow(store or plain_store(), client_id or "", arn, Durations.from_env())
