"""The payroll-approval workflow on Step Functions (functions/workflows/payroll-approval.asl.json,
decision 0930): one execution per run, named by it, so a retried start finds it.

The approval wait is a `.waitForTaskToken` human task (`pra-<run>`) assigned to the payroll
approvers as a group (`APPROVERS`; the policy action `payroll.approve` says who they are). The
decision itself is recorded on the run by `run_approval.RunApproval.decide` (as the person, with
the step-up's `acr` and `auth_time`), which then completes the task; a decision recorded before the
wait began is read from the run (`RunAlreadyDecided`, caught by name in the ASL).
"""

from __future__ import annotations

import os
from typing import Any

from klientportal.errors import NotFound, RuleViolation
from klientportal.repository.store import Actor, Store

STATE_MACHINE = "payroll-approval"
ARN_VAR = "KP_STATEMACHINE_PAYROLL_APPROVAL"  # catalogue.env_var("statemachine:payroll-approval")
APPROVAL_VAR = "KP_PAYROLL_APPROVAL_TIMEOUT_S"
DEFAULT_APPROVAL_S = 5 * 24 * 3600  # a run not decided within five days returns to draft
APPROVERS = Actor(sub="payroll-approvers", kind="system")  # the approval task's assignee
KIND = "payroll_approval"


class RunAlreadyDecided(Exception):
    """The run's decision was recorded before the approval wait began (the ASL catches this name)."""


class RunSuperseded(Exception):
    """The run is no longer awaiting approval (a new run replaced it): the workflow ends (caught by name)."""


def task_id(run_id: str) -> str:
    return f"pra-{run_id}"


def approval_seconds() -> int:
    return int(os.environ.get(APPROVAL_VAR, DEFAULT_APPROVAL_S))


class RunWorkflow:
    """Start a run's execution and answer its approval task (the token stays with the human-task library)."""

    def __init__(self, store: Store, client_id: str, state_machine_arn: str, approval_s: int) -> None:
        self.store, self.client_id = store, client_id
        self.arn, self.approval_s = state_machine_arn, approval_s

    @classmethod
    def from_env(cls, store: Store, client_id: str) -> RunWorkflow:
        return cls(store, client_id, os.environ.get(ARN_VAR, ""), approval_seconds())

    def _tasks(self) -> Any:
        from klientportal.workflows.human_tasks import HumanTasks

        return HumanTasks(self.store, self.client_id)

    def execution_name(self, run_id: str, resume: str | None = None) -> str:
        from klientportal.workflows import executions

        parts = ["payroll", self.client_id, run_id] + ([resume] if resume else [])
        return executions.execution_name(*parts)

    def execution_arn(self, run_id: str, resume: str | None = None) -> str:
        from klientportal.workflows import executions

        return executions.execution_arn(self.arn, self.execution_name(run_id, resume))

    def start(self, run_id: str, resume: str | None = None) -> str:
        """Start (or find) the run's execution; `resume` names a second execution that finishes an
        approved run whose first execution failed after the booking (payslips, payment batch)."""
        from klientportal.workflows import executions

        payload = {"client_id": self.client_id, "run_id": run_id, "approval": {"seconds": self.approval_s}}
        return str(executions.start(self.arn, self.execution_name(run_id, resume), payload).arn)

    def running(self, run_id: str) -> bool:
        """Whether the run's first execution is still running (a missing one is not)."""
        from botocore.exceptions import ClientError

        from klientportal.workflows import executions

        try:
            return bool(executions.describe(self.execution_arn(run_id))["status"] == "RUNNING")
        except ClientError:
            return False

    def _open(self, run_id: str) -> bool:
        rec = self._tasks().get(task_id(run_id))
        return rec is not None and rec.data.get("status") == "open"

    def complete(self, run_id: str, decision: dict[str, Any]) -> bool:
        """Hand the decision to the waiting execution; False when no wait is open (the next one reads it)."""
        if not self._open(run_id):
            return False
        try:
            self._tasks().complete(task_id(run_id), APPROVERS, decision, f"{KIND}.task_completed")
        except (NotFound, RuleViolation):
            return False
        return True

    def cancel(self, run_id: str, reason: str) -> bool:
        """End the wait of a run that a new run replaced (the execution ends in Superseded)."""
        if not self._open(run_id):
            return False
        try:
            self._tasks().fail(task_id(run_id), APPROVERS, "RunSuperseded", reason, f"{KIND}.task_cancelled")
        except (NotFound, RuleViolation):
            return False
        return True
