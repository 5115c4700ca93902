"""What a payroll run's GET shows of its approval workflow: the human task's status (never its
token) and the execution's status and history (DescribeExecution, GetExecutionHistory), as the
voucher's attestation view does."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from klientportal.repository.store import Store


def workflow_view(store: Store, client_id: str, run: dict[str, Any]) -> dict[str, Any] | None:
    from klientportal.workflows import executions
    from klientportal.workflows.human_tasks import HumanTasks

    ref = run.get("approval") or {}
    if not ref.get("task_id"):
        return None
    task = HumanTasks(store, client_id).get(str(ref["task_id"]))
    view: dict[str, Any] = {
        "task_id": ref["task_id"],
        "task_status": task.data["status"] if task else None,
        "execution": None,
        "history": [],
    }
    if ref.get("execution"):
        try:
            view["execution"] = executions.describe(str(ref["execution"]))
            view["history"] = executions.history(str(ref["execution"]))
        except ClientError as exc:  # ExecutionDoesNotExist: the start failed; the next decision starts it
            if exc.response.get("Error", {}).get("Code") != "ExecutionDoesNotExist":
                raise
    return view
