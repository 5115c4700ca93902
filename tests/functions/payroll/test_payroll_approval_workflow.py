"""The payroll-approval workflow on moto (state machine from its ASL, Lambda tasks in-process): the
run waits on a human task; step-up refusals change nothing; an approval books, issues and batches
once, also when the steps run again or the decision is replayed; a rejection or no decision in time
returns the run to draft; a new run for the period ends the old one's wait; a failed execution is
finished by a second one."""

from __future__ import annotations

import time

import pytest

from klientportal import aws
from klientportal.auth.principal import Principal
from klientportal.bootstrap import invocation, payroll, store, tenancy_service
from klientportal.errors import RuleViolation
from klientportal.payroll import approval_workflow as wf
from klientportal.payroll.run_approval import RunApproval, WorkflowSteps
from klientportal.repository import keys
from klientportal.repository.store import SYSTEM, Actor, Store
from klientportal.tenancy.models import ClientUpdate, Module
from klientportal.workflows.human_tasks import HumanTasks
from tests.functions.payroll.flow import BANKID, finished, run_when, strong, task_open, until
from tests.functions.payroll.test_payroll_walk import ADMIN, BASE, CLIENT, RUN, key, pay, sim_report  # noqa: F401


@pytest.fixture
def awaiting(pay):  # noqa: F811 (the fixture imported above)
    api, _ = pay
    service = tenancy_service()
    client = service.repo.client(CLIENT)[0]
    service.update_client(client, ClientUpdate(version=client.version, modules=[*client.modules, Module.BANK]), SYSTEM)
    assert api.post(f"{BASE}/tax-card-orders", {"income_year": 2026}, user=ADMIN, headers=key()).status == 200
    r = api.post(f"{BASE}/payroll-runs", RUN, user=ADMIN, headers=key())
    assert r.status == 201 and r.json["status"] == "awaiting_approval", r
    until("the approval task", lambda: task_open(api, BASE, r.json["run_id"], ADMIN))
    return api, r.json


def _journal() -> list:
    return [x for x in store().query_all(keys.client_pk(CLIENT), "JOURNAL#lonn#") if x.entity == "journal_entry"]


def _batches() -> list:
    return store().query_all(keys.client_pk(CLIENT), keys.PAYMENT_BATCH_PREFIX)


def _actions(name: str) -> list[dict]:
    return [e for e in store().audit_events(keys.client_pk(CLIENT))[0] if e["action"] == name]


def _entered(run: dict) -> list[str]:
    return [e["state"] for e in run["workflow"]["history"] if e["type"].endswith("StateEntered")]


def _steps() -> WorkflowSteps:
    return WorkflowSteps(payroll(invocation(), CLIENT))


def test_approval_with_step_up_books_issues_and_batches_once_and_a_replay_changes_nothing(awaiting) -> None:
    api, run = awaiting
    rid = run["run_id"]
    shown = api.get(f"{BASE}/payroll-runs/{rid}", user=ADMIN)
    flow = shown.json["workflow"]
    assert flow["task_status"] == "open" and flow["execution"]["status"] == "RUNNING"
    assert b"token" not in shown.raw.lower()
    for token, slug in ((api.token(ADMIN), "step-up-required"), (strong(api, ADMIN, age=600), "step-up-stale")):
        r = api.post(f"{BASE}/payroll-runs/{rid}/approval", token=token)
        assert r.status == 401 and r.json["type"].endswith(slug), r
    assert api.get(f"{BASE}/payroll-runs/{rid}", user=ADMIN).json["decision"] is None  # refusals wrote nothing

    r = api.post(f"{BASE}/payroll-runs/{rid}/approval", token=strong(api, ADMIN))
    assert r.status == 200 and r.json["decision"]["auth_level"] == "urn:grn:authn:no:bankid", r
    replay = api.post(f"{BASE}/payroll-runs/{rid}/approval", token=strong(api, ADMIN))
    assert replay.status == 409 and replay.json["type"].endswith("/rule-violation"), replay
    done = run_when(api, BASE, rid, ADMIN, finished)
    assert done["workflow"]["execution"]["status"] == "SUCCEEDED" and done["workflow"]["task_status"] == "completed"
    entered = _entered(done)
    for state in ("Begin", "AwaitApproval", "Decided", "Book", "IssuePayslips", "BatchPayments", "Approved"):
        assert state in entered, entered
    assert done["approved_by"]["email"] == ADMIN and done["payment_batch_id"]
    assert [e["actor"]["email"] for e in _actions("payroll.run_approval_given")] == [ADMIN]  # the person decided

    # every step run again (a retried task, a second execution): nothing more is booked, issued or paid
    steps = _steps()
    steps.book(rid)
    assert steps.issue_payslips(rid) == 0
    assert steps.batch_payments(rid) == done["payment_batch_id"]
    assert len(_journal()) == 1 and len(_actions("payslip.issued")) == 2 and len(_batches()) == 1
    assert api.post(f"{BASE}/payroll-runs/{rid}/approval", token=strong(api, ADMIN)).status == 409
    assert wf.RunWorkflow.from_env(store(), CLIENT).complete(rid, {"decision": "approve"}) is False  # task closed
    assert len(_journal()) == 1 and len(_batches()) == 1


def test_a_rejection_returns_the_run_to_draft_and_a_new_run_recomputes_it(awaiting) -> None:
    api, run = awaiting
    rid = run["run_id"]
    r = api.post(f"{BASE}/payroll-runs/{rid}/rejection", {"reason": "Ola's overtime is wrong"}, user=ADMIN)
    assert r.status == 200 and r.json["decision"]["decision"] == "reject", r
    draft = run_when(api, BASE, rid, ADMIN, lambda x: x["status"] == "draft")
    assert draft["returned"]["reason"] == "Ola's overtime is wrong" and draft["decision"] is None
    assert draft["returned"]["decision"]["by_email"] == ADMIN
    ended = run_when(api, BASE, rid, ADMIN, lambda x: x["workflow"]["execution"]["status"] == "SUCCEEDED")
    assert "Rejected" in _entered(ended)
    late = api.post(f"{BASE}/payroll-runs/{rid}/approval", token=strong(api, ADMIN))
    assert late.status == 409 and late.json["current_status"] == "draft", late
    assert api.post(f"{BASE}/payroll-runs/{rid}/rejection", {"reason": ""}, user=ADMIN).status == 422
    assert _journal() == [] and _batches() == [] and _actions("payslip.issued") == []

    again = api.post(f"{BASE}/payroll-runs", RUN, user=ADMIN, headers=key())
    assert again.status == 201 and again.json["status"] == "awaiting_approval", again
    old = api.get(f"{BASE}/payroll-runs/{rid}", user=ADMIN).json
    assert old["status"] == "superseded" and old["superseded_by"] == again.json["run_id"]


def test_a_new_run_for_the_period_ends_the_waiting_one(awaiting) -> None:
    api, run = awaiting
    rid = run["run_id"]
    new = api.post(f"{BASE}/payroll-runs", RUN, user=ADMIN, headers=key()).json
    old = run_when(api, BASE, rid, ADMIN, lambda x: (x["workflow"]["execution"] or {}).get("status") == "SUCCEEDED")
    assert old["status"] == "superseded" and "Superseded" in _entered(old) and "Book" not in _entered(old)
    assert old["workflow"]["task_status"] == "failed"
    r = api.post(f"{BASE}/payroll-runs/{rid}/approval", token=strong(api, ADMIN))
    assert r.status == 409 and r.json["current_status"] == "superseded", r
    until("the new run's task", lambda: task_open(api, BASE, new["run_id"], ADMIN))


def test_no_decision_in_time_returns_the_run_to_draft(pay, monkeypatch) -> None:  # noqa: F811
    api, _ = pay
    monkeypatch.setenv(wf.APPROVAL_VAR, "2")
    assert api.post(f"{BASE}/tax-card-orders", {"income_year": 2026}, user=ADMIN, headers=key()).status == 200
    run = api.post(f"{BASE}/payroll-runs", RUN, user=ADMIN, headers=key()).json
    draft = run_when(api, BASE, run["run_id"], ADMIN, lambda x: x["status"] == "draft")
    assert draft["returned"]["reason"] == "not approved in time"
    ended = run_when(api, BASE, run["run_id"], ADMIN, lambda x: x["workflow"]["execution"]["status"] == "SUCCEEDED")
    assert "Expired" in _entered(ended) and ended["workflow"]["task_status"] == "cancelled"
    assert _journal() == []


def test_a_decision_before_the_wait_began_is_read_from_the_run(awaiting) -> None:
    """The decision lands while no token is valid (here: the execution is stopped and its task cancelled,
    as between rounds); the next execution's wait finds it on the run and books."""
    _, run = awaiting
    rid = run["run_id"]
    flow = wf.RunWorkflow.from_env(store(), CLIENT)
    aws.client("stepfunctions").stop_execution(executionArn=flow.execution_arn(rid))
    HumanTasks(store(), CLIENT).cancel(wf.task_id(rid), "test: no token is valid")
    service = payroll(invocation(), CLIENT)
    started: list[str] = []

    class NoStart(wf.RunWorkflow):
        def start(self, run_id: str, resume: str | None = None) -> str:
            started.append(run_id)
            return ""

    quiet = NoStart(store(), CLIENT, flow.arn, flow.approval_s)
    sub = next(m.sub for m in tenancy_service().repo.members("client", CLIENT) if m.email == ADMIN)
    person = Principal(sub, ADMIN, (), auth_level=BANKID, auth_time=int(time.time()))
    RunApproval(service, quiet).decide(rid, "approve", person, Actor(sub=sub, email=ADMIN))
    assert started == [rid]  # no open task: the decision asked for the execution
    flow.start(rid, resume="after-stop")
    done = until(
        "the booking",
        lambda: (
            (r := store().get(keys.client_pk(CLIENT), keys.payroll_run_sk(rid)))
            and r.data["status"] == "approved"
            and r
        ),
    )
    assert done.data["approved_by"]["email"] == ADMIN
    until("the payment batch", lambda: len(_batches()) == 1)
    assert len(_journal()) == 1


def test_a_failed_execution_is_finished_by_a_second_one_without_booking_again(awaiting, monkeypatch) -> None:
    api, run = awaiting
    rid = run["run_id"]
    write = Store.write

    def the_batch_cannot_be_written(self, audit_pk, changes, actor):
        if any(c.action == "payment_batch.created" for c in changes):
            raise RuleViolation("the table refused the batch")
        return write(self, audit_pk, changes, actor)

    monkeypatch.setattr(Store, "write", the_batch_cannot_be_written)
    assert api.post(f"{BASE}/payroll-runs/{rid}/approval", token=strong(api, ADMIN)).status == 200
    failed = run_when(api, BASE, rid, ADMIN, lambda x: x["workflow"]["execution"]["status"] == "FAILED")
    assert failed["status"] == "approved" and not failed.get("payment_batch_id") and "Broken" in _entered(failed)
    monkeypatch.setattr(Store, "write", write)
    assert api.post(f"{BASE}/payroll-runs/{rid}/approval", user=ADMIN).status == 401  # the resume needs step-up too
    r = api.post(f"{BASE}/payroll-runs/{rid}/approval", token=strong(api, ADMIN))
    assert r.status == 200, r
    until("the payment batch", lambda: len(_batches()) == 1)
    assert len(_journal()) == 1 and len(_actions("payslip.issued")) == 2
    again = lambda: api.post(f"{BASE}/payroll-runs/{rid}/approval", token=strong(api, ADMIN))  # noqa: E731
    until("nothing left", lambda: again().status == 409)
    assert len(_batches()) == 1
