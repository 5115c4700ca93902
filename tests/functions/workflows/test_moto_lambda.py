"""moto's Step Functions with Lambda tasks routed in-process (infra/local/moto_lambda.py) and human
tasks behind task tokens (klientportal.workflows.human_tasks): the pinned internal is where the
patch expects it; a state machine runs Lambda tasks, waits for a person, times out into its Catch,
and a decision is given once."""

from __future__ import annotations

import inspect
import json
import time
from typing import Any

import moto
import pytest
from moto.awslambda_simple.models import LambdaSimpleBackend

from infra.local import moto_lambda, resources
from klientportal import aws
from klientportal.bootstrap import store
from klientportal.errors import NotFound, RuleViolation
from klientportal.repository.store import Actor
from klientportal.workflows import executions, human_tasks

CLIENT = "c-probe"
FN = resources.function_arn("probe")
CALLS: list[tuple[str, Any]] = []  # (function name, event) of every routed invocation


def _definition(wait_seconds_path: str = "$.wait_s") -> str:
    return json.dumps(
        {
            "StartAt": "Add",
            "TimeoutSeconds": 60,
            "States": {
                "Add": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": FN, "Payload": {"action": "add", "state.$": "$"}},
                    "OutputPath": "$.Payload",
                    "Catch": [{"ErrorEquals": ["ValueError"], "ResultPath": "$.error", "Next": "Refused"}],
                    "Next": "Ask",
                },
                "Ask": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                    "Parameters": {
                        "FunctionName": FN,
                        "Payload": {"action": "ask", "state.$": "$", "token.$": "$$.Task.Token"},
                    },
                    "TimeoutSecondsPath": wait_seconds_path,
                    "HeartbeatSecondsPath": wait_seconds_path,
                    "ResultPath": "$.answer",
                    "Catch": [
                        {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.timeout", "Next": "TimedOut"},
                        {"ErrorEquals": ["TaskAlreadyAnswered"], "ResultPath": "$.late", "Next": "Collect"},
                    ],
                    "End": True,
                },
                "Collect": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": FN, "Payload": {"action": "collect", "state.$": "$"}},
                    "ResultSelector": {"answer.$": "$.Payload.result"},
                    "End": True,
                },
                "Refused": {"Type": "Pass", "Result": "refused", "ResultPath": "$.outcome", "End": True},
                "TimedOut": {"Type": "Pass", "Result": "timed out", "ResultPath": "$.outcome", "End": True},
            },
        }
    )


@pytest.fixture
def machine(aws_env) -> str:
    CALLS.clear()

    def route(name: str, event: Any) -> Any:
        CALLS.append((name, event))
        state = event["state"]
        if event["action"] == "add":
            if state["n"] < 0:
                raise ValueError("n must not be negative")
            return {**state, "n": state["n"] + 1}
        if event["action"] == "collect":
            return human_tasks.HumanTasks(store(), CLIENT).answer(state["task_id"])
        human_tasks.HumanTasks(store(), CLIENT).open(
            state["task_id"],
            event["token"],
            kind="probe",
            subject={"n": state["n"]},
            assignee="u-anna",
            assignee_email="anna@example.no",
            execution="probe",
        )
        return {}

    moto_lambda.install(route)
    sfn = aws.client("stepfunctions")
    arn: str = sfn.create_state_machine(
        name="probe", definition=_definition(), roleArn="arn:aws:iam::123456789012:role/probe"
    )["stateMachineArn"]
    return arn


def _wait(arn: str, status: str = "SUCCEEDED", timeout: float = 20) -> dict[str, Any]:
    sfn = aws.client("stepfunctions")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        resp = sfn.describe_execution(executionArn=arn)
        if resp["status"] != "RUNNING":
            assert resp["status"] == status, resp
            return json.loads(resp.get("output") or "null")
        time.sleep(0.1)
    raise AssertionError(f"{arn} still running")


def _task(task_id: str, timeout: float = 20) -> human_tasks.Record:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rec = human_tasks.HumanTasks(store(), CLIENT).get(task_id)
        if rec is not None:
            return rec
        time.sleep(0.1)
    raise AssertionError(f"no task {task_id}")


def test_the_patched_moto_is_the_pinned_one_with_the_expected_internal(aws_env):
    assert moto_lambda.problems() == []
    invoke = LambdaSimpleBackend.invoke
    assert list(inspect.signature(getattr(invoke, "__wrapped__", invoke)).parameters) == moto_lambda.SIGNATURE


def test_install_refuses_a_moto_whose_internal_moved(aws_env, monkeypatch):
    monkeypatch.setattr(moto, "__version__", "5.3.0")
    monkeypatch.delattr(LambdaSimpleBackend, "invoke")
    assert moto_lambda.problems() == [
        "moto 5.3.0 installed, patch written for 5.2.5",
        "LambdaSimpleBackend.invoke is gone",
    ]
    with pytest.raises(RuntimeError, match="no longer fits moto"):
        moto_lambda.install(lambda name, event: event)


def test_function_names_from_names_and_arns():
    assert moto_lambda.function_name("klientportal-x") == "klientportal-x"
    assert moto_lambda.function_name("arn:aws:lambda:eu-north-1:1:function:klientportal-x:live") == "klientportal-x"


def test_lambda_tasks_run_in_process_and_a_person_answers_the_wait_by_task_id(machine):
    name = executions.execution_name("probe", CLIENT, "t1")
    started = executions.start(machine, name, {"n": 1, "task_id": "t1", "wait_s": 30})
    assert not started.existed
    again = executions.start(machine, name, {"n": 1, "task_id": "t1", "wait_s": 30})
    assert again.arn == started.arn  # a retried start starts nothing new
    listed = aws.client("stepfunctions").list_executions(stateMachineArn=machine)["executions"]
    assert [e["name"] for e in listed] == [name]

    rec = _task("t1")
    assert rec.data["status"] == "open" and rec.data["assignee"] == "u-anna"
    assert "task_token" not in json.dumps(rec.data) and rec.extra["task_token"]
    assert [r.data["task_id"] for r in human_tasks.waiting_for(store(), "u-anna")] == ["t1"]

    tasks = human_tasks.HumanTasks(store(), CLIENT)
    with pytest.raises(NotFound):
        tasks.complete("t1", Actor("u-bob"), {"decision": "approve"}, "probe.decided")  # someone else's step
    done = tasks.complete("t1", Actor("u-anna", "anna@example.no"), {"decision": "approve"}, "probe.decided")
    assert done.data["status"] == "completed" and done.gsi1pk is None
    output = _wait(started.arn)
    assert output == {"n": 2, "task_id": "t1", "wait_s": 30, "answer": {"decision": "approve"}}
    assert human_tasks.waiting_for(store(), "u-anna") == []

    before = tasks.get("t1")
    with pytest.raises(RuleViolation, match="decided already"):
        tasks.complete("t1", Actor("u-anna"), {"decision": "reject"}, "probe.decided")  # a replay
    assert tasks.get("t1") == before
    assert [(name, event["action"]) for name, event in CALLS] == [
        ("klientportal-probe", "add"),
        ("klientportal-probe", "ask"),
    ]


def test_a_wait_without_an_answer_times_out_into_the_catch(machine):
    started = executions.start(machine, "probe-timeout", {"n": 5, "task_id": "t2", "wait_s": 1})
    assert _wait(started.arn)["outcome"] == "timed out"
    again = executions.start(machine, "probe-timeout", {"n": 5, "task_id": "t2", "wait_s": 1})
    assert again.existed and again.arn == started.arn  # an ended execution is not started again


def test_a_handler_error_reaches_the_catch_as_its_exception_class(machine):
    started = executions.start(machine, "probe-error", {"n": -1, "task_id": "t3", "wait_s": 1})
    output = _wait(started.arn)
    assert output["outcome"] == "refused"
    assert output["error"]["Error"] == "ValueError"
    assert "must not be negative" in output["error"]["Cause"]


def test_a_decision_given_between_rounds_is_answered_by_the_next_round(machine):
    """The token died (a reminder round); the decision is kept and the next round collects it."""
    started = executions.start(machine, "probe-late", {"n": 1, "task_id": "t4", "wait_s": 30})
    rec = _task("t4")
    tasks = human_tasks.HumanTasks(store(), CLIENT)
    aws.client("stepfunctions").send_task_failure(taskToken=rec.extra["task_token"], error="Other", cause="gone")
    _wait(started.arn, status="FAILED")
    tasks.complete("t4", Actor("u-anna"), {"decision": "approve"}, "probe.decided")  # the token is dead: kept
    second = executions.start(machine, "probe-late-2", {"n": 1, "task_id": "t4", "wait_s": 30})
    assert _wait(second.arn)["answer"] == {"decision": "approve"}
