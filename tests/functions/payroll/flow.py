"""Helpers for the payroll tests on moto with the approval workflow running: a fresh step-up token,
waiting for what the workflow does after a decision, and the customer that billable hours name."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from klientportal.bootstrap import store
from klientportal.payments.step_up import DEFAULT_ACR_VALUES
from klientportal.registers.service import REGISTERS, RegisterService
from klientportal.repository.store import SYSTEM

BANKID = DEFAULT_ACR_VALUES[0]


def register_customer(client_id: str) -> None:
    """Customer 1 in the client's register: billable hours must name a registered customer."""
    spec = REGISTERS["customers"]
    item = {"customer_number": 1, "name": "Kunde Kaien AS", "email": "post@kaien.no"}
    RegisterService(store(), client_id).create(spec, spec.create.model_validate(item), SYSTEM)


def strong(api: Any, email: str, age: int = 0) -> str:
    """A token of a BankID sign-in `age` seconds ago (the payments' step-up rule)."""
    now = int(time.time())
    return str(api.issuer.issue(email, auth_level=BANKID, auth_time=now - age, now=now))


def until(what: str, probe: Callable[[], Any], timeout_s: float = 30) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def run_when(api: Any, base: str, run_id: str, user: str, done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The run once `done(run)` holds (the workflow moves it a moment after the decision)."""

    def probe() -> dict[str, Any] | None:
        r = api.get(f"{base}/payroll-runs/{run_id}", user=user)
        assert r.status == 200, r
        return r.json if done(r.json) else None

    return dict(until(f"run {run_id}", probe))


def finished(run: dict[str, Any]) -> bool:
    """Approved, every payslip issued and the workflow ended."""
    wf = run.get("workflow") or {}
    return (
        run["status"] == "approved"
        and all(p.get("issued_at") for p in run["payslips"])
        and (wf.get("execution") or {}).get("status") in ("SUCCEEDED", "FAILED")
    )


def task_open(api: Any, base: str, run_id: str, user: str) -> bool:
    wf = api.get(f"{base}/payroll-runs/{run_id}", user=user).json.get("workflow") or {}
    return wf.get("task_status") == "open"
