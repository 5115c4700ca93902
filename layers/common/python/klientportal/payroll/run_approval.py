"""A payroll run's approval, owned by the payroll-approval workflow (decision 0930).

A computed run is `awaiting_approval` and its execution waits on a human task. A person decides
(`decide`): approve with a fresh BankID step-up (the payments' `StepUpPolicy`, 0521), or reject with
a reason. The decision is written on the run once (conditional on its version: a replayed decision
is 409 and changes nothing), as that person, and hands the task its answer. Everything after it is
the workflow's steps (`WorkflowSteps`), each safe to retry:

- `book`: the "lonn" journal entry, the run and period approved and the year-to-date figures in one
  transaction; a run already approved books nothing (journal_changes books a source once anyway);
- `issue_payslips`: the slips not issued yet (`payslip.issued` once per slip, 0920);
- `batch_payments`: one payment batch per run, its id derived from the run (0921);
- `return_to_draft`: a rejection, an expiry or a refused booking; a new run for the period recomputes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from klientportal import clock
from klientportal.api.types import Text
from klientportal.errors import AlreadyExists, FieldError, InvalidInput, RuleViolation, StaleVersion
from klientportal.payroll.approval_workflow import (
    APPROVERS,
    KIND,
    RunAlreadyDecided,
    RunSuperseded,
    RunWorkflow,
    task_id,
)
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import SYSTEM, Actor, Change

if TYPE_CHECKING:  # the journal, payslips and payments are imported by the step that needs them (cold start)
    from klientportal.auth.principal import Principal
    from klientportal.payments.step_up import StepUpPolicy
    from klientportal.payroll.service import PayrollService

AWAITING, APPROVED, DRAFT = "awaiting_approval", "approved", "draft"


class RejectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    reason: Text = Field(min_length=1, max_length=500, description="Why the run is not approved (shown on the run)")


def _approver(decision: dict[str, Any]) -> Actor:
    return Actor(sub=str(decision["by"]), email=decision.get("by_email"), kind="user")


class RunApproval:
    """The person's side: approve (step-up) or reject a run awaiting approval."""

    def __init__(self, payroll: PayrollService, workflow: RunWorkflow | None, step_up: StepUpPolicy | None = None):
        from klientportal.payments.step_up import StepUpPolicy

        self.payroll, self.workflow = payroll, workflow
        self.step_up = step_up or StepUpPolicy.from_env()

    def decide(
        self,
        run_id: str,
        decision: Literal["approve", "reject"],
        principal: Principal,
        actor: Actor,
        comment: str | None = None,
        now_s: int | None = None,
    ) -> dict[str, Any]:
        from klientportal.ledger.journal import journal_changes
        from klientportal.payroll import salary_payments
        from klientportal.payroll.service import journal_draft

        p = self.payroll
        run = p._run(run_id)
        auth: tuple[str | None, int | None] = (principal.auth_level, principal.auth_time)
        if decision == "approve":
            auth = self.step_up.check(principal, now_s)
            if run.data["status"] == APPROVED and self._resume(run):
                return p.get_run(run_id)
        status = run.data["status"]
        if status != AWAITING:
            raise RuleViolation(
                f"run {run_id} is {status}, not awaiting approval"
                + ("; compute a new run for the period" if status == DRAFT else ""),
                [FieldError("status", status)],
                extra={"current_status": status},
            )
        done = run.data.get("decision")
        if done:
            raise RuleViolation(
                f"the run was decided already ({done['decision']} by {done.get('by_email') or done['by']} at "
                f"{done['at']}); a decision is given once",
                extra={"current_status": status, "decision": done["decision"]},
            )
        period_rec = p.store.get(p.pk, keys.payroll_period_sk(run.data["period"]))
        if period_rec is None or period_rec.data["run_id"] != run_id:
            raise RuleViolation(f"run {run_id} is not the period's current run")
        if decision == "approve":
            missing = salary_payments.missing_settings(run.data, p._required_settings())
            if missing:
                raise InvalidInput("the tax payments cannot be made: the payroll settings lack them", missing)
            journal_changes(p.store, p.pk, journal_draft(run.data), actor)  # a closed period is refused now, not later
        record = {
            "decision": decision,
            "by": actor.sub,
            "by_email": actor.email,
            "at": clock.iso(clock.now()),
            "auth_level": auth[0],
            "auth_time": auth[1],
            "comment": comment,
        }
        action = "payroll.run_approval_given" if decision == "approve" else "payroll.run_rejection_given"
        p.store.write(p.pk, [Change(run, replace(run, data={**run.data, "decision": record}), action)], actor)
        if self.workflow is not None and not self.workflow.complete(run_id, record):
            self.workflow.start(run_id)  # not waiting (yet): the wait reads the decision from the run
        return p.get_run(run_id)

    def _resume(self, run: Record) -> bool:
        """An approved run whose payslips or payment batch are not all done (its execution failed after
        the booking): a second execution finishes them. False when nothing is left."""
        from klientportal.payroll import salary_payments

        p = self.payroll
        slips = [s.data for s in p.payslips(run.data["run_id"])]
        left = any(not s.get("issued_at") for s in slips) or (
            not run.data.get("payment_batch_id")
            and bool(salary_payments.payment_lines(run.data, slips, p.settings() or {}))
        )
        if not left or self.workflow is None or self.workflow.running(run.data["run_id"]):
            return False  # nothing left, or the first execution is still at it: a replayed approval is 409
        self.workflow.start(run.data["run_id"], resume=f"resume-v{run.version}")
        return True


class WorkflowSteps:
    """The workflow's side: each Lambda task of payroll-approval.asl.json, idempotent."""

    def __init__(self, payroll: PayrollService) -> None:
        self.payroll = payroll

    def _tasks(self) -> Any:
        from klientportal.workflows.human_tasks import HumanTasks

        return HumanTasks(self.payroll.store, self.payroll.client.client_id)

    def status(self, run_id: str) -> str:
        return str(self.payroll._run(run_id).data["status"])

    def open_approval(self, run_id: str, token: str, execution: str) -> dict[str, Any]:
        run = self.payroll._run(run_id)
        self._decided_before_the_wait(run)
        tasks = self._tasks()
        tasks.open(
            task_id(run_id),
            token,
            kind=KIND,
            subject={"run_id": run_id, "period": run.data["period"]},
            assignee=APPROVERS.sub,
            assignee_email=None,
            execution=execution,
        )
        now = self.payroll._run(run_id)
        if now.data["status"] != AWAITING or now.data.get("decision"):  # decided while the task was opened
            tasks.cancel(task_id(run_id), "decided before the wait began")
            self._decided_before_the_wait(now)
        return {"task_id": task_id(run_id)}

    @staticmethod
    def _decided_before_the_wait(run: Record) -> None:
        if run.data["status"] != AWAITING:
            raise RunSuperseded(f"the run is {run.data['status']}")
        if run.data.get("decision"):
            raise RunAlreadyDecided(run.data["decision"]["decision"])

    def read_decision(self, run_id: str) -> dict[str, Any]:
        decision = self.payroll._run(run_id).data.get("decision")
        if not decision:
            raise RuleViolation(f"run {run_id} has no decision")
        return dict(decision)

    def expire(self, run_id: str) -> bool:
        """Not decided in time: back to draft; False when a decision came first (the ASL reads it)."""
        run = self.payroll._run(run_id)
        if run.data.get("decision") and run.data["status"] == AWAITING:
            return False
        self.return_to_draft(run_id, "not approved in time")
        self._tasks().cancel(task_id(run_id), "not approved in time")
        return True

    def return_to_draft(self, run_id: str, failure: str | None = None) -> bool:
        """Back to draft: the reason is `failure` (a refused booking, an expiry) or the rejection's comment."""
        p = self.payroll
        run = p._run(run_id)
        if run.data["status"] != AWAITING:
            return False
        decision = run.data.get("decision")
        reason = failure or (decision or {}).get("comment") or "rejected"
        returned = {"reason": reason[:500], "at": clock.iso(clock.now()), "decision": decision}
        data = {k: v for k, v in run.data.items() if k != "decision"}
        changes = [
            Change(run, replace(run, data={**data, "status": DRAFT, "returned": returned}), "payroll.run_returned")
        ]
        period_rec = p.store.get(p.pk, keys.payroll_period_sk(run.data["period"]))
        if period_rec is not None and period_rec.data["run_id"] == run_id:
            changes.append(
                Change(
                    period_rec, period_rec.with_data({**period_rec.data, "status": DRAFT}), "payroll.period_returned"
                )
            )
        p.store.write(p.pk, changes, SYSTEM)
        return True

    def book(self, run_id: str) -> None:
        """The approved run's booking: journal, run, period, year to date in one transaction."""
        from klientportal.ledger.journal import journal_changes
        from klientportal.payroll.service import journal_draft

        p = self.payroll
        run = p._run(run_id)
        if run.data["status"] == APPROVED:
            return  # a retried step: booked already
        decision = run.data.get("decision") or {}
        if run.data["status"] != AWAITING or decision.get("decision") != "approve":
            raise RuleViolation(f"run {run_id} is {run.data['status']} without an approval; not booked")
        period = run.data["period"]
        period_rec = p.store.get(p.pk, keys.payroll_period_sk(period))
        if period_rec is None or period_rec.data["run_id"] != run_id:
            raise RuleViolation(f"run {run_id} is not the period's current run")
        year = int(period[:4])
        ytd_sk = keys.payroll_ytd_sk(year)
        ytd_rec = p.store.get(p.pk, ytd_sk)
        ytd: dict[str, Any] = ytd_rec.data if ytd_rec else {"employees": {}, "zone_ia_advantage_used": "0"}
        people = dict(ytd["employees"])
        for s in p.payslips(run_id):
            n = str(s.data["employee_number"])
            was = people.get(n, {"gross": "0", "holiday_basis": "0"})
            people[n] = {
                "gross": str(Decimal(was["gross"]) + Decimal(s.data["gross"])),
                "holiday_basis": str(Decimal(was["holiday_basis"]) + Decimal(s.data["holiday_pay_basis"])),
            }
        used = Decimal(ytd["zone_ia_advantage_used"]) + Decimal(run.data["totals"]["zone_ia_advantage_used"])
        new_ytd = {"employees": people, "zone_ia_advantage_used": str(used)}
        changes = journal_changes(p.store, p.pk, journal_draft(run.data), SYSTEM)
        approved = {
            **run.data,
            "status": APPROVED,
            "approved_by": _approver(decision).as_dict(),
            "approved_at": decision["at"],
        }
        changes += [
            Change(run, replace(run, data=approved), "payroll.run_approved"),
            Change(
                period_rec, period_rec.with_data({**period_rec.data, "status": APPROVED}), "payroll.period_approved"
            ),
            Change(
                ytd_rec,
                Record(p.pk, ytd_sk, "payroll_ytd", new_ytd) if ytd_rec is None else replace(ytd_rec, data=new_ytd),
                "payroll.year_to_date",
            ),
        ]
        try:
            p.store.write(p.pk, changes, SYSTEM)
        except (AlreadyExists, StaleVersion):
            # a concurrent or lost-answer attempt committed first: the run is approved, as asked
            if p._run(run_id).data["status"] != APPROVED:
                raise

    def issue_payslips(self, run_id: str) -> int:
        """Issue the approved run's payslips not issued yet (0920); the number issued now."""
        from klientportal.payroll import payslips

        p = self.payroll
        run = p._run(run_id)
        if run.data["status"] != APPROVED:
            raise RuleViolation(f"run {run_id} is {run.data['status']}; payslips are issued on approval")
        return payslips.issue(p.store, p.client.client_id, (p.client.name, p.client.orgnr), run.data, SYSTEM)

    def batch_payments(self, run_id: str) -> str | None:
        """Net pay and the tax payments as one payment batch awaiting approval, made in one transaction
        with the run's `payment_batch_id` (a retry finds the id and makes nothing); the run's approver
        is the batch's creator, so the creator never approves the payment alone (0921)."""
        from klientportal.payments.batches import PaymentBatchService
        from klientportal.payroll import salary_payments

        p = self.payroll
        run = p._run(run_id)
        if run.data["status"] != APPROVED:
            raise RuleViolation(f"run {run_id} is {run.data['status']}; salaries are paid on approval")
        if run.data.get("payment_batch_id"):
            bid = str(run.data["payment_batch_id"])
            if p.payment_workflow is not None:
                p.payment_workflow.start(p.client.client_id, bid)  # a retry after the batch's write: idempotent
            return bid
        lines = salary_payments.payment_lines(run.data, [s.data for s in p.payslips(run_id)], p.settings() or {})
        if not lines:
            return None
        approver = _approver(run.data["decision"])
        bid = salary_payments.batch_id(p.client.client_id, run_id)
        when = salary_payments.execution_date(date.fromisoformat(run.data["pay_date"]), clock.today_oslo())
        source = {"kind": "payroll_run", "run_id": run_id, "period": run.data["period"]}
        batch = PaymentBatchService(p.store, p.client.client_id).batch_of_lines(bid, when, lines, source, approver)
        marked = replace(run, data={**run.data, "payment_batch_id": bid})
        try:
            p.store.write(
                p.pk,
                [Change(None, batch, "payment_batch.created"), Change(run, marked, "payroll.payments_batched")],
                approver,
            )
        except (AlreadyExists, StaleVersion):
            if p._run(run_id).data.get("payment_batch_id") != bid:
                raise
        if p.payment_workflow is not None:
            p.payment_workflow.start(p.client.client_id, bid)  # idempotent by name
        return bid
