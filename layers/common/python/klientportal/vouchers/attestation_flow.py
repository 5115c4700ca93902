"""Attestation of a voucher on Step Functions (functions/workflows/attestation.asl.json, 0501-0503).

The workflow owns the attestation: it opens each step of the voucher's chain as a human task,
reminds, escalates to the substitute or the client admin, expires, and moves the voucher on; the
voucher record reflects what it decides (`attestation`: chain, each step's assignee, decision,
comment and time, the execution). People answer a step by its task id (decide, below); the token
stays server side (klientportal.workflows.human_tasks).

`AttestationRules` is the client's versioned rule set; `plan` gives a voucher its chain;
`AttestationTasks.run` is each state's Lambda task.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict
from typing import Any

from klientportal import clock
from klientportal.errors import FieldError, InvalidInput, NotFound, RuleViolation, StaleVersion
from klientportal.observability import logger
from klientportal.repository import keys
from klientportal.repository.records import Record
from klientportal.repository.store import Actor, Store
from klientportal.tenancy.models import Membership, Module, Role
from klientportal.tenancy.repository import TenancyRepository
from klientportal.vouchers import attestation_rules
from klientportal.vouchers.ehf_rules import fatal_rules
from klientportal.vouchers.ledger import check_adds_up
from klientportal.vouchers.records import Status
from klientportal.workflows import executions
from klientportal.workflows.human_tasks import HumanTasks

KIND = "attestation"
STATE_MACHINE_VAR = "KP_STATEMACHINE_ATTESTATION"
SECONDS_PER_HOUR_VAR = "KP_WORKFLOW_SECONDS_PER_HOUR"  # 3600 in AWS; tests and the demo run hours as seconds
_ATTEMPTS = 4


def seconds_per_hour() -> int:
    return max(1, int(os.environ.get(SECONDS_PER_HOUR_VAR) or 3600))


def task_id_of(attestation_id: str, step: int) -> str:
    return f"{attestation_id}-{step}"


def _members(store: Store, client_id: str) -> dict[str, Membership]:
    return {m.sub: m for m in TenancyRepository(store).members("client", client_id)}


# ---- the rules ---------------------------------------------------------------------------------
class AttestationRules:
    """The client's attestation rules: one record, versioned (PUT sends the version it read; 0 first)."""

    def __init__(self, store: Store, client_id: str) -> None:
        self.store, self.client_id, self.pk = store, client_id, keys.client_pk(client_id)

    def get(self) -> Record | None:
        return self.store.get(self.pk, keys.ATTESTATION_RULES_SK)

    def put(self, version: int, rules: dict[str, Any], actor: Actor) -> Record:
        attestation_rules.validate(rules, _members(self.store, self.client_id))
        rec = self.get()
        current = rec.version if rec else 0
        if version != current:
            raise StaleVersion(
                f"the attestation rules are at version {current}, you sent {version}; reload and try again",
                extra={"current_version": current},
            )
        data = {**rules, "updated_by": actor.sub, "updated_by_email": actor.email}
        if rec is None:
            new = Record(self.pk, keys.ATTESTATION_RULES_SK, "attestation_rules", data)
            return self.store.create(new, actor, "attestation_rules.created")
        return self.store.replace(rec, data, actor, "attestation_rules.changed")


def plan(
    store: Store, client_id: str, data: dict[str, Any], *, attester: str | None, actor: Actor, comment: str | None
) -> dict[str, Any]:
    """The `attestation` of a voucher sent to attestation: its chain from the rules (or the named
    attester, 0270, plus the rules' amount bands), every step's attester an active member."""
    repo = TenancyRepository(store)
    client = repo.client(client_id)
    if client is None or Module.ATTESTATION not in client[0].modules:
        raise RuleViolation("the client does not have the attestation module; approve the voucher instead")
    members = _members(store, client_id)
    rules_rec = AttestationRules(store, client_id).get()
    rules = rules_rec.data if rules_rec else {}
    if attester is not None:
        m = members.get(attester)
        if m is None or m.status != "active" or m.role not in attestation_rules.ATTESTER_ROLES:
            raise InvalidInput(
                "the attester is not an active attester or client admin of this client",
                [FieldError("attester", "not an active attester or client admin of this client")],
            )
        named = {**rules, "rules": [{"name": "named attester", "match": {}, "attesters": [{"user": attester}]}]}
        steps = attestation_rules.chain(named, data)
    elif rules_rec is None:
        raise RuleViolation(
            "the client has no attestation rules; write them (PUT /clients/{client_id}/attestation-rules) "
            "or name an attester"
        )
    else:
        steps = attestation_rules.chain(rules, data)
    attestation_rules.require_active(steps, members)
    previous = int((data.get("attestation") or {}).get("round", 0))
    round_no = previous + 1
    attestation_id = "at" + hashlib.sha256(f"{client_id}/{data['voucher_id']}/{round_no}".encode()).hexdigest()[:20]
    hours = attestation_rules.deadlines(rules)
    return {
        "attestation_id": attestation_id,
        "round": round_no,
        "status": "running",
        "requested_by": actor.sub,
        "requested_by_email": actor.email,
        "requested_at": clock.iso(clock.now()),
        "comment": comment,
        "rules_version": rules_rec.version if rules_rec else None,
        "deadlines_hours": hours,
        "execution": None,
        "chain": [
            {
                **asdict(step),
                "attester_email": members[step.attester].email,
                "substitute_email": members[step.substitute].email if step.substitute in members else None,
                "step": n,
                "task_id": task_id_of(attestation_id, n),
                "status": "pending",
                "assignee": None,
                "assignee_email": None,
                "decision": None,
                "events": [],
            }
            for n, step in enumerate(steps, start=1)
        ],
    }


def start(client_id: str, data: dict[str, Any]) -> executions.Started:
    """Start the voucher's attestation execution (idempotent: its name is the attestation id)."""
    arn = os.environ.get(STATE_MACHINE_VAR)
    if not arn:
        raise RuntimeError(f"{STATE_MACHINE_VAR} is not set: the attestation state machine is not deployed")
    att = data["attestation"]
    scale = seconds_per_hour()
    hours = att["deadlines_hours"]
    payload = {
        "client_id": client_id,
        "voucher_id": data["voucher_id"],
        "attestation_id": att["attestation_id"],
        "durations": {
            "remind_after_s": hours["remind_after_hours"] * scale,
            "escalate_after_s": hours["escalate_after_hours"] * scale,
            "expire_after_s": hours["expire_after_hours"] * scale,
        },
    }
    return executions.start(arn, executions.execution_name(KIND, client_id, att["attestation_id"]), payload)


# ---- the people's side ---------------------------------------------------------------------------
def decision_result(decision: str, comment: str | None, actor: Actor) -> dict[str, Any]:
    if decision not in ("approve", "reject"):
        raise InvalidInput("unknown decision", [FieldError("decision", "approve or reject")])
    if decision == "reject" and not (comment or "").strip():
        raise InvalidInput("a rejection needs a comment", [FieldError("comment", "say why the voucher is rejected")])
    return {
        "decision": decision,
        "comment": comment,
        "by": actor.sub,
        "by_email": actor.email,
        "at": clock.iso(clock.now()),
    }


# ---- the workflow's side -------------------------------------------------------------------------
class AttestationTasks:
    """The Lambda tasks of the attestation state machine, one method per `action`."""

    def __init__(self, store: Store, client_id: str, mailer: Any | None = None, sender: str | None = None) -> None:
        from klientportal.vouchers.workflow import VoucherService

        self.store = store
        self.client_id = client_id
        self.vouchers = VoucherService(store, client_id)
        self.tasks = HumanTasks(store, client_id)
        self.mailer = mailer
        self.sender = sender

    def run(self, action: str, state: dict[str, Any], execution: str, token: str | None = None) -> dict[str, Any]:
        handler = getattr(self, f"_{action}", None)
        if handler is None or action.startswith("_"):
            raise ValueError(f"unknown attestation task {action!r}")
        if action == "open_task":
            return dict(handler(state, execution, token))
        return dict(handler(state, execution))

    # each task reads the voucher, checks the execution is the voucher's current attestation, writes
    def _voucher(self, state: dict[str, Any]) -> tuple[Record, dict[str, Any]]:
        rec = self.vouchers.get(state["voucher_id"])
        att = rec.data.get("attestation") or {}
        if att.get("attestation_id") != state["attestation_id"]:
            raise StaleAttestation(f"voucher {state['voucher_id']} is not in attestation {state['attestation_id']}")
        return rec, att

    def _update(self, state: dict[str, Any], change: Any, action: str, what: str, comment: str | None = None) -> Record:
        for _ in range(_ATTEMPTS):
            rec, att = self._voucher(state)
            data = change(rec.data, _copy(att))
            if data is None:
                return rec
            try:
                return self.vouchers.record_workflow(rec, data, action, what, comment)
            except StaleVersion:
                continue
        raise StaleVersion("the voucher is busy; the workflow retries")

    def _begin(self, state: dict[str, Any], execution: str) -> dict[str, Any]:
        def change(data: dict[str, Any], att: dict[str, Any]) -> dict[str, Any] | None:
            if att.get("execution") == execution:
                return None
            return {**data, "attestation": {**att, "execution": execution}}

        self._update(state, change, "voucher.attestation_started", "attestation workflow started")
        return {**state, "done": False}

    def _next_step(self, state: dict[str, Any], execution: str) -> dict[str, Any]:
        _rec, att = self._voucher(state)
        open_steps = [s for s in att["chain"] if s["status"] != "approved"]
        if not open_steps:
            return {**state, "done": True}
        step = open_steps[0]
        rules_rec = AttestationRules(self.store, self.client_id).get()
        delegate = attestation_rules.delegate_of(
            rules_rec.data if rules_rec else {}, step["attester"], clock.today_oslo()
        )
        members = _members(self.store, self.client_id)
        assignee = delegate if delegate in members and members[delegate].status == "active" else step["attester"]
        at = clock.iso(clock.now())

        def change(data: dict[str, Any], att: dict[str, Any]) -> dict[str, Any] | None:
            s = att["chain"][step["step"] - 1]
            if s["status"] == "waiting":
                return None
            s.update(status="waiting", assignee=assignee, assignee_email=_email(members, assignee), waiting_since=at)
            if assignee != step["attester"]:
                s["events"].append({"event": "delegated", "at": at, "from_user": step["attester"], "to": assignee})
            return {**data, "attestation": att}

        self._update(state, change, "voucher.attestation_step_waiting", f"attestation step {step['step']} waiting")
        wait = {"seconds": state["durations"]["remind_after_s"], "round": "first"}
        return {**state, "done": False, "step": step["step"], "task_id": step["task_id"], "wait": wait}

    def _open_task(self, state: dict[str, Any], execution: str, token: str | None) -> dict[str, Any]:
        if not token:
            raise ValueError("open_task needs the task token")
        rec, att = self._voucher(state)
        step = att["chain"][state["step"] - 1]
        details = rec.data.get("details") or {}
        subject = {
            "voucher_id": state["voucher_id"],
            "attestation_id": state["attestation_id"],
            "step": state["step"],
            "steps": len(att["chain"]),
            "supplier_name": details.get("supplier_name"),
            "invoice_number": details.get("invoice_number"),
            "total": details.get("total"),
            "currency": details.get("currency"),
            "due_date": details.get("due_date"),
        }
        task = self.tasks.open(
            step["task_id"],
            token,
            kind=KIND,
            subject=subject,
            assignee=step["assignee"],
            assignee_email=step.get("assignee_email"),
            execution=execution,
        )
        if task.data.get("rounds") == 1:
            self._mail(step.get("assignee_email"), "Et bilag venter på din attestasjon", step["task_id"])
        return {}

    def _collect(self, state: dict[str, Any], execution: str) -> dict[str, Any]:
        answer = self.tasks.answer(state["task_id"])
        return {**state, "decision": answer["result"]}

    def _overdue(self, state: dict[str, Any], execution: str) -> dict[str, Any]:
        durations, round_ = state["durations"], state["wait"]["round"]
        step_no, at = state["step"], clock.iso(clock.now())
        state = {k: v for k, v in state.items() if k != "timed_out"}
        if round_ == "first":
            task = self.tasks.note(state["task_id"], {"event": "reminded", "at": at})
            self._mail(
                task.data.get("assignee_email"), "Påminnelse: et bilag venter på din attestasjon", state["task_id"]
            )
            self._event(state, {"event": "reminded", "at": at, "to": task.data["assignee"]}, "reminder sent")
            wait = {"seconds": durations["escalate_after_s"] - durations["remind_after_s"], "round": "reminded"}
            return {**state, "expired": False, "wait": wait}
        if round_ == "reminded":
            _rec, att = self._voucher(state)
            step = att["chain"][step_no - 1]
            target = self._escalation_target(step)
            if target is not None:
                members = _members(self.store, self.client_id)
                self.tasks.reassign(state["task_id"], target, _email(members, target), "deadline passed")
                self._mail(_email(members, target), "Eskalert: et bilag venter på din attestasjon", state["task_id"])
                self._event(
                    state,
                    {"event": "escalated", "at": at, "from_user": step["assignee"], "to": target},
                    f"attestation step {step_no} escalated",
                    assignee=(target, _email(members, target)),
                )
            wait = {"seconds": durations["expire_after_s"] - durations["escalate_after_s"], "round": "escalated"}
            return {**state, "expired": False, "wait": wait}
        return {**state, "expired": True}

    def _escalation_target(self, step: dict[str, Any]) -> str | None:
        """The substitute if active, else the first active client admin; never the current assignee."""
        members = _members(self.store, self.client_id)

        def active(sub: str | None) -> bool:
            m = members.get(sub or "")
            return m is not None and m.status == "active" and m.role in attestation_rules.ATTESTER_ROLES

        if step.get("substitute") and step["substitute"] != step["assignee"] and active(step["substitute"]):
            return str(step["substitute"])
        admins = sorted(
            s
            for s, m in members.items()
            if m.role == Role.CLIENT_ADMIN and m.status == "active" and s != step["assignee"]
        )
        return admins[0] if admins else None

    def _event(
        self, state: dict[str, Any], event: dict[str, Any], what: str, assignee: tuple[str, str | None] | None = None
    ) -> None:
        def change(data: dict[str, Any], att: dict[str, Any]) -> dict[str, Any]:
            s = att["chain"][state["step"] - 1]
            s["events"].append(event)
            if assignee:
                s["assignee"], s["assignee_email"] = assignee
            return {**data, "attestation": att}

        self._update(state, change, f"voucher.attestation_{event['event']}", what)

    def _decided(self, state: dict[str, Any], execution: str) -> dict[str, Any]:
        decision = state["decision"]

        def change(data: dict[str, Any], att: dict[str, Any]) -> dict[str, Any] | None:
            s = att["chain"][state["step"] - 1]
            if s["status"] in ("approved", "rejected"):
                return None
            s["status"] = "approved" if decision["decision"] == "approve" else "rejected"
            s["decision"] = decision
            return {**data, "attestation": att}

        verb = "approved" if decision["decision"] == "approve" else "rejected"
        self._update(
            state,
            change,
            "voucher.attestation_step_decided",
            f"attestation step {state['step']} {verb} by {decision.get('by_email') or decision['by']}",
            decision.get("comment"),
        )
        rest = {k: v for k, v in state.items() if k not in ("decision", "late")}
        return {**rest, "rejected": decision["decision"] == "reject"}

    def _finish_approved(self, state: dict[str, Any], execution: str) -> dict[str, Any]:
        def change(data: dict[str, Any], att: dict[str, Any]) -> dict[str, Any] | None:
            if data["status"] != Status.IN_ATTESTATION:
                return None
            last = att["chain"][-1]["decision"] or {}
            problem = _approval_problem(data)
            if problem:
                att.update(
                    status="returned", outcome={"result": "returned", "reason": problem, "at": clock.iso(clock.now())}
                )
                return {**data, "status": Status.REJECTED, "attestation": att}
            att.update(status="approved", outcome={"result": "approved", "at": clock.iso(clock.now())})
            approved = {"at": last.get("at"), "by": last.get("by"), "via": "attestation"}
            return {**data, "status": Status.APPROVED, "attestation": att, "approved": approved}

        rec = self._update(state, change, "voucher.attested", "attested: every step approved")
        return {**state, "result": rec.data["attestation"]["status"]}

    def _finish_rejected(self, state: dict[str, Any], execution: str) -> dict[str, Any]:
        def change(data: dict[str, Any], att: dict[str, Any]) -> dict[str, Any] | None:
            if data["status"] != Status.IN_ATTESTATION:
                return None
            step = next(s for s in att["chain"] if s["status"] == "rejected")
            reason = step["decision"].get("comment")
            att.update(
                status="rejected",
                outcome={"result": "rejected", "reason": reason, "step": step["step"], "at": clock.iso(clock.now())},
            )
            return {**data, "status": Status.REJECTED, "attestation": att}

        self._update(state, change, "voucher.attestation_rejected", "rejected in attestation")
        return {**state, "result": "rejected"}

    def _finish_expired(self, state: dict[str, Any], execution: str) -> dict[str, Any]:
        return self._end(state, "expired", "no decision before the final deadline", "voucher.attestation_expired")

    def _abort(self, state: dict[str, Any], execution: str) -> dict[str, Any]:
        error = state.get("error") or {}
        logger.warning("attestation workflow aborted", extra={"error": error.get("Error")})
        try:
            return self._end(
                state,
                "aborted",
                f"the attestation workflow failed ({error.get('Error', 'error')})",
                "voucher.attestation_aborted",
            )
        except (StaleAttestation, NotFound):
            return {**state, "result": "aborted"}

    def _end(self, state: dict[str, Any], result: str, reason: str, action: str) -> dict[str, Any]:
        if state.get("task_id"):
            self.tasks.cancel(state["task_id"], reason)

        def change(data: dict[str, Any], att: dict[str, Any]) -> dict[str, Any] | None:
            if data["status"] != Status.IN_ATTESTATION:
                return None
            for s in att["chain"]:
                if s["status"] in ("waiting", "pending"):
                    s["status"] = "cancelled" if s["status"] == "pending" else result
            att.update(status=result, outcome={"result": result, "reason": reason, "at": clock.iso(clock.now())})
            return {**data, "status": Status.REJECTED, "attestation": att}

        self._update(state, change, action, f"attestation {result}: {reason}")
        return {**state, "result": result}

    def _mail(self, to: str | None, subject: str, task_id: str) -> None:
        """A notice with the step's id (never the token): the portal opens /attestations/<id>."""
        if not to or self.mailer is None or not self.sender:
            return
        from klientportal.adapters.email import Mail

        body = (
            "Hei,\n\nEt bilag venter på din attestasjon i Klientportalen.\n"
            f"Åpne portalen og velg «Til attestasjon» (sak {task_id}).\n"
        )
        try:
            self.mailer.send(Mail(to=to, subject=subject, body=body, from_address=self.sender, reference=task_id))
        except Exception:  # a notice that fails must not stop the workflow; the task is in the list
            logger.exception("attestation notice not sent")


class StaleAttestation(Exception):
    """The execution is not the voucher's current attestation (a newer round replaced it)."""


def _approval_problem(data: dict[str, Any]) -> str | None:
    if fatal_rules(data) and not data.get("validation_override"):
        return "the EHF fails fatal rules; override or request a correction"
    try:
        check_adds_up(data.get("coding") or [], (data.get("details") or {}).get("total"))
    except (InvalidInput, RuleViolation) as exc:
        return f"the coding does not add up: {exc}"
    return None


def _email(members: dict[str, Membership], sub: str) -> str | None:
    m = members.get(sub)
    return m.email if m else None


def _copy(att: dict[str, Any]) -> dict[str, Any]:
    import copy

    return copy.deepcopy(att)
