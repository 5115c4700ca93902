"""The payment-approval workflow's Lambda tasks (functions/workflows/payment-approval.asl.json). Thin:
the batch domain (klientportal.payments.batches) decides, the human-task library keeps the tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from klientportal.bootstrap import invocation
from klientportal.observability import instrumented, logger
from klientportal.payments import workflow as wf
from klientportal.repository.store import SYSTEM

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def _state(event: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    state = dict(event["state"])
    return str(state["client_id"]), str(state["batch_id"]), state


def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    action = event.get("action")
    client_id, batch_id, state = _state(event)
    inv = invocation()
    batches = inv.payment_batches(client_id)
    logger.append_keys(tenant=client_id, batch=batch_id, step=action)
    from klientportal.workflows.human_tasks import HumanTasks

    tasks = HumanTasks(inv.store, client_id)
    if action == "begin":
        rec = batches.get(batch_id)
        return {**state, "status": rec.data["status"], "content_hash": rec.data["content_hash"]}
    if action == "open_approval":
        task_id = wf.approval_task_id(batch_id)
        rec = batches.get(batch_id)
        _decided_before_the_wait(rec.data["status"])
        tasks.open(
            task_id,
            str(event["token"]),
            kind=wf.APPROVAL_KIND,
            subject={"batch_id": batch_id, "content_hash": rec.data["content_hash"]},
            assignee=wf.APPROVERS.sub,
            assignee_email=None,
            execution=str(event.get("execution", "")),
        )
        now = batches.get(batch_id).data["status"]
        if now != "awaiting_approval":  # the last approval came while the task was being opened
            tasks.cancel(task_id, f"the batch is {now}")
            _decided_before_the_wait(now)
        return {"task_id": task_id}
    if action == "expire":
        cancelled = batches.cancel(batch_id, SYSTEM, "not approved in time")
        if cancelled is not None:
            tasks.cancel(wf.approval_task_id(batch_id), "the batch expired")
        return {"expired": cancelled is not None}
    if action == "mark_sent":
        rec = batches.hand_to_bank(batch_id, wf.bank_task_id(batch_id), SYSTEM)
        message = {"client_id": client_id, "batch_id": batch_id, "content_hash": rec.data["sent"]["content_hash"]}
        return {"message": message}
    if action == "open_bank_wait":
        task_id = wf.bank_task_id(batch_id)
        rec = batches.get(batch_id)
        if rec.data["status"] in wf.FINAL_BANK_STATUSES:
            raise wf.BankAnswered(rec.data["status"])
        tasks.open(
            task_id,
            str(event["token"]),
            kind=wf.BANK_KIND,
            subject={"batch_id": batch_id, "content_hash": rec.data["content_hash"]},
            assignee=wf.BANK.sub,
            assignee_email=None,
            execution=str(event.get("execution", "")),
        )
        now = batches.get(batch_id).data["status"]
        if now in wf.FINAL_BANK_STATUSES:  # the bank answered while the task was being opened
            tasks.cancel(task_id, f"the bank reported {now}")
            raise wf.BankAnswered(now)
        return {"task_id": task_id}
    if action == "bank_result":
        return {"status": batches.get(batch_id).data["status"]}
    if action == "bank_silent":
        tasks.cancel(wf.bank_task_id(batch_id), "no final status from the bank in time")
        batches.note_bank_silent(batch_id, SYSTEM)
        return {}
    raise ValueError(f"unknown payment workflow action {action!r}")


def _decided_before_the_wait(status: str) -> None:
    if status == "approved":
        raise wf.BatchAlreadyApproved("approved before the wait began")
    if status != "awaiting_approval":
        raise wf.BatchCancelled(f"the batch is {status}")


lambda_handler = instrumented(handle)
