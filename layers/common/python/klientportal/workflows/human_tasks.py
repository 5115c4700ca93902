"""Human tasks: a workflow's `.waitForTaskToken` step as a record people see and answer by id.

The task token (up to 2,048 characters with `+ / =`) is stored server side, beside the task's
data and outside it (not in the audit trail, never in a response, URL or e-mail); people only ever
see the task id. The task record lives in the client's partition and, while open, in its
assignee's GSI1 partition (what waits for a person, across all their clients, without a scan).

- `open` is called by the workflow's task each wait round with the round's token: it creates the
  task or gives it the new token (a reminder or escalation round). A task that was decided while
  no token was valid (between rounds) raises `TaskAlreadyAnswered`: the workflow catches that
  error by its name and reads the stored answer (`answer`) instead of waiting.
- `complete` / `fail` record the decision with a conditional write (only an open task of that
  assignee changes; a replayed decision changes nothing and is refused), then answer the token.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from botocore.exceptions import ClientError

from klientportal import aws, clock
from klientportal.errors import NotFound, RuleViolation, StaleVersion
from klientportal.observability import logger
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import SYSTEM, Actor, Change, Page, Store

OPEN, COMPLETED, FAILED, CANCELLED = "open", "completed", "failed", "cancelled"
ENTITY = "human_task"
TOKEN_ATTRIBUTE = "task_token"
_DEAD_TOKEN = frozenset({"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"})
_ATTEMPTS = 3


class TaskAlreadyAnswered(Exception):
    """The task was decided while no token was valid; the workflow's Catch names this class."""


def view(rec: Record) -> dict[str, Any]:
    """The task as people may see it (no token)."""
    return {**rec.data, "version": rec.version, "created_at": rec.created_at, "updated_at": rec.updated_at}


def waiting_for(store: Store, sub: str) -> list[Record]:
    """The open tasks assigned to `sub` in every client, oldest first (one GSI1 partition)."""
    return store.query_all(keys.assignee_tasks_gsi(sub), index="GSI1")


def waiting_page(
    store: Store, sub: str, *, limit: int | None, cursor: str | None, scope: dict[str, Any] | None = None
) -> Page:
    """One page of the open tasks assigned to `sub`, oldest first; the cursor is bound to `scope`."""
    return store.query(keys.assignee_tasks_gsi(sub), index="GSI1", limit=limit, cursor=cursor, scope=scope)


class HumanTasks:
    """The human tasks of one client."""

    def __init__(self, store: Store, client_id: str, sfn: Any | None = None) -> None:
        self.store = store
        self.client_id = client_id
        self.pk = keys.client_pk(client_id)
        self._sfn = sfn

    @property
    def sfn(self) -> Any:
        return self._sfn or aws.client("stepfunctions")

    def get(self, task_id: str) -> Record | None:
        try:
            sk = keys.human_task_sk(task_id)
        except ValueError:
            return None
        return self.store.get(self.pk, sk)

    # ---- the workflow's side --------------------------------------------------------------------
    def open(
        self,
        task_id: str,
        token: str,
        *,
        kind: str,
        subject: dict[str, Any],
        assignee: str,
        assignee_email: str | None,
        execution: str,
        actor: Actor = SYSTEM,
    ) -> Record:
        """Create the task, or give the open task this round's token; TaskAlreadyAnswered if decided."""
        rec = self.get(task_id)
        at = clock.iso(clock.now())
        if rec is None:
            data = {
                "task_id": task_id,
                "client_id": self.client_id,
                "kind": kind,
                "subject": subject,
                "assignee": assignee,
                "assignee_email": assignee_email,
                "status": OPEN,
                "execution": execution,
                "opened_at": at,
                "rounds": 1,
                "history": [{"event": "opened", "at": at, "assignee": assignee}],
            }
            new = Record(
                pk=self.pk,
                sk=keys.human_task_sk(task_id),
                entity=ENTITY,
                data=data,
                gsi1pk=keys.assignee_tasks_gsi(assignee),
                gsi1sk=f"{at}#{self.client_id}#{task_id}",
                extra={TOKEN_ATTRIBUTE: token},
            )
            return self.store.create(new, actor, f"{kind}.task_opened")
        if rec.data["status"] != OPEN:
            raise TaskAlreadyAnswered(f"task {task_id} is {rec.data['status']} already")
        data = {**rec.data, "rounds": int(rec.data.get("rounds", 1)) + 1}
        after = replace(rec, data=data, extra={**rec.extra, TOKEN_ATTRIBUTE: token})
        return self.store.write(self.pk, [Change(rec, after, f"{kind}.task_waiting_again")], actor)[0]

    def answer(self, task_id: str) -> dict[str, Any]:
        """The stored answer of a decided task (after TaskAlreadyAnswered): {"status", "result"}."""
        rec = self._require(task_id)
        if rec.data["status"] == OPEN:
            raise RuleViolation(f"task {task_id} is still open")
        return {"status": rec.data["status"], "result": rec.data.get("result") or {}}

    def reassign(self, task_id: str, assignee: str, assignee_email: str | None, reason: str) -> Record:
        """Give an open task to someone else (escalation, delegation); their list shows it at once."""
        rec = self._require(task_id)
        if rec.data["status"] != OPEN:
            return rec
        at = clock.iso(clock.now())
        event = {"event": "reassigned", "at": at, "from": rec.data["assignee"], "assignee": assignee, "reason": reason}
        data = {
            **rec.data,
            "assignee": assignee,
            "assignee_email": assignee_email,
            "history": [*rec.data.get("history", []), event],
        }
        after = replace(
            rec, data=data, gsi1pk=keys.assignee_tasks_gsi(assignee), gsi1sk=f"{at}#{self.client_id}#{task_id}"
        )
        return self.store.write(self.pk, [Change(rec, after, f"{rec.data['kind']}.task_reassigned")], SYSTEM)[0]

    def note(self, task_id: str, event: dict[str, Any]) -> Record:
        """Add an event (a reminder sent) to an open task's history."""
        rec = self._require(task_id)
        data = {**rec.data, "history": [*rec.data.get("history", []), event]}
        return self.store.write(
            self.pk, [Change(rec, rec.with_data(data), f"{rec.data['kind']}.task_{event['event']}")], SYSTEM
        )[0]

    def cancel(self, task_id: str, reason: str) -> Record | None:
        """Close an open task without a decision (the workflow ended otherwise: expiry, abort)."""
        rec = self.get(task_id)
        if rec is None or rec.data["status"] != OPEN:
            return rec
        return self._close(rec, CANCELLED, {"reason": reason}, SYSTEM, f"{rec.data['kind']}.task_cancelled")

    # ---- the people's side ----------------------------------------------------------------------
    def complete(self, task_id: str, by: Actor, result: dict[str, Any], action: str) -> Record:
        """Record `by`'s answer to their open task, then hand it to the waiting workflow."""
        return self._answer(task_id, by, COMPLETED, result, action)

    def fail(self, task_id: str, by: Actor, error: str, cause: str, action: str) -> Record:
        """Record that `by` fails the task (the workflow's step fails with `error`)."""
        return self._answer(task_id, by, FAILED, {"error": error, "cause": cause}, action)

    def _answer(self, task_id: str, by: Actor, status: str, result: dict[str, Any], action: str) -> Record:
        for _ in range(_ATTEMPTS):
            rec = self.require_assigned(task_id, by.sub)
            if rec.data["status"] != OPEN:
                decided = rec.data.get("decided") or {}
                who = decided.get("by_email") or decided.get("by")
                raise RuleViolation(
                    f"this step was decided already ({rec.data['status']} by {who} at {decided.get('at')}); "
                    "a decision is given once",
                    extra={"task_id": task_id, "task_status": rec.data["status"]},
                )
            try:
                closed = self._close(rec, status, result, by, action)
            except StaleVersion:
                continue  # a reminder round gave it a new token meanwhile: read again
            self._deliver(str(rec.extra.get(TOKEN_ATTRIBUTE, "")), status, result)
            return closed
        raise StaleVersion("the step is busy; try again")

    def require_assigned(self, task_id: str, sub: str) -> Record:
        """The task if it is assigned to `sub`; otherwise not found (nobody learns of others' steps)."""
        rec = self.get(task_id)
        if rec is None or rec.data.get("assignee") != sub:
            raise NotFound(f"no step {task_id[:64]} assigned to you")
        return rec

    def _require(self, task_id: str) -> Record:
        rec = self.get(task_id)
        if rec is None:
            raise NotFound(f"no human task {task_id[:64]}")
        return rec

    def _close(self, rec: Record, status: str, result: dict[str, Any], by: Actor, action: str) -> Record:
        at = clock.iso(clock.now())
        data = {
            **rec.data,
            "status": status,
            "result": result,
            "decided": {"by": by.sub, "by_email": by.email, "at": at},
        }
        after = replace(rec, data=data, gsi1pk=None, gsi1sk=None)
        return self.store.write(self.pk, [Change(rec, after, action)], by)[0]

    def _deliver(self, token: str, status: str, result: dict[str, Any]) -> bool:
        """Answer the token; False when it is no longer valid (the next round's `open` finds the answer)."""
        if not token:
            return False
        try:
            if status == COMPLETED:
                self.sfn.send_task_success(taskToken=token, output=_json(result))
            elif status == FAILED:
                self.sfn.send_task_failure(
                    taskToken=token,
                    error=str(result.get("error", "Failed"))[:256],
                    cause=str(result.get("cause", ""))[:32768],
                )
            else:
                self.sfn.send_task_failure(
                    taskToken=token, error="HumanTask.Cancelled", cause=str(result.get("reason", ""))
                )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _DEAD_TOKEN:
                logger.info("task token no longer valid; the next wait round answers it", extra={"status": status})
                return False
            raise
        return True


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
