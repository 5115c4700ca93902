"""Starting executions idempotently: the name is derived from what the execution is about, so a
retried start finds the execution it started before instead of starting a second one."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from klientportal import aws

_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]")
NAME_LIMIT = 80  # Step Functions' limit on an execution name


def execution_name(*parts: str) -> str:
    """A deterministic execution name of `parts` ("attestation", client, voucher, round), within
    Step Functions' 80 characters of [A-Za-z0-9_-]; a hash keeps long or odd parts unique."""
    plain = "-".join(_NAME_CHARS.sub("_", p) for p in parts)
    if len(plain) <= NAME_LIMIT:
        return plain
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]
    return f"{plain[: NAME_LIMIT - 17]}-{digest}"


def execution_arn(state_machine_arn: str, name: str) -> str:
    """The ARN an execution named `name` of `state_machine_arn` has (arn:…:stateMachine:x → arn:…:execution:x:name)."""
    return state_machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{name}"


@dataclass(frozen=True)
class Started:
    """`existed`: Step Functions refused the name (an execution of that name has ended, or runs with
    other input); a start with the same name and input while it runs answers that execution."""

    arn: str
    name: str
    existed: bool


def start(state_machine_arn: str, name: str, payload: dict[str, Any]) -> Started:
    """Start (or find) the execution `name`: a retried start never starts a second one."""
    sfn = aws.client("stepfunctions")
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    try:
        resp = sfn.start_execution(stateMachineArn=state_machine_arn, name=name, input=body)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
            raise
        return Started(execution_arn(state_machine_arn, name), name, existed=True)
    return Started(resp["executionArn"], name, existed=False)


def describe(execution: str) -> dict[str, Any]:
    """Status, start and stop time of an execution (for the voucher view and the CLI)."""
    resp = aws.client("stepfunctions").describe_execution(executionArn=execution)
    return {
        "arn": resp["executionArn"],
        "status": resp["status"],
        "started_at": resp["startDate"].isoformat(),
        "stopped_at": resp["stopDate"].isoformat() if resp.get("stopDate") else None,
    }


def history(execution: str) -> list[dict[str, Any]]:
    """The execution's events, oldest first: type, time, state entered / task outcome."""
    sfn = aws.client("stepfunctions")
    events: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        args: dict[str, Any] = {"executionArn": execution, "maxResults": 200}
        if token:
            args["nextToken"] = token
        resp = sfn.get_execution_history(**args)
        for e in resp["events"]:
            entered = e.get("stateEnteredEventDetails") or e.get("stateExitedEventDetails") or {}
            events.append(
                {"id": e["id"], "type": e["type"], "at": e["timestamp"].isoformat(), "state": entered.get("name")}
            )
        token = resp.get("nextToken")
        if not token:
            return events
