"""Attestation on the attestation state machine, end to end in moto (0501, 0502): rules → chain →
each step a human task → decisions → the voucher approved or back with the reason; reminder,
escalation, expiry and delegation with deadlines in seconds; bad input refused with nothing changed."""

from __future__ import annotations

import os
import time
from typing import Any

import pytest

from infra.local import seed
from klientportal import clock
from klientportal.bootstrap import store as main_store
from klientportal.bootstrap import tenancy_service
from tests.functions.vouchers.conftest import ACCOUNTANT, ADMIN, FJORD

ATTESTER = "prosjekt@fjordkaffe.no"
RULES = f"/clients/{FJORD}/attestation-rules"


@pytest.fixture(autouse=True)
def hours_as_seconds(aws_env, monkeypatch):  # after aws_env, which clears every KP_ variable
    monkeypatch.setenv("KP_WORKFLOW_SECONDS_PER_HOUR", "1")


def _sub(email: str) -> str:
    return next(m.sub for m in tenancy_service().repo.members("client", FJORD) if m.email == email)


def _rules(api, *, deadlines=None, bands=True, delegations=(), version=None) -> dict:
    attester, admin = _sub(ATTESTER), _sub(ADMIN)
    body = {
        "version": api.get(RULES, user=ADMIN).json["version"] if version is None else version,
        "rules": [{"name": "alle", "attesters": [{"user": attester, "substitute": admin}]}],
        "bands": [{"above": "10000.00", "attester": {"user": admin}}] if bands else [],
        "delegations": list(delegations),
        "deadlines": deadlines or {"remind_after_hours": 60, "escalate_after_hours": 120, "expire_after_hours": 240},
    }
    reply = api.put(RULES, body, user=ADMIN)
    assert reply.status == 200, reply
    return reply.json


def _coded_voucher(api, inbound, pdf: bytes, net: str = "10000.00", name: str = "a") -> dict:
    inbound.put(f"upload/{FJORD}/att-{name}/{name}.pdf", pdf, "application/pdf")
    inbound.drain()
    [v] = [x for x in api.get(f"/clients/{FJORD}/vouchers?queue=new", user=ADMIN).json["items"]]
    base = f"/clients/{FJORD}/vouchers/{v['voucher_id']}"
    lines = [{"account": "6800", "vat_code": "1", "net_amount": net}]
    coded = api.put(base + "/coding", {"version": v["version"], "lines": lines}, user=ADMIN)
    assert coded.status == 200, coded
    return coded.json


def _send(api, v: dict, user: str = ADMIN, **extra: Any) -> dict:
    sent = api.post(
        f"/clients/{FJORD}/vouchers/{v['voucher_id']}/attestation", {"version": v["version"], **extra}, user=user
    )
    assert sent.status == 200, sent
    return sent.json


def _until(what, timeout: float = 25.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def _waiting(api, user: str) -> list[dict]:
    reply = api.get("/me/attestations", user=user)
    assert reply.status == 200, reply
    return reply.json["items"]


def _task_for(api, user: str, voucher_id: str) -> dict:
    return _until(lambda: next((t for t in _waiting(api, user) if t["subject"]["voucher_id"] == voucher_id), None))


def _voucher(api, voucher_id: str) -> dict:
    return api.get(f"/clients/{FJORD}/vouchers/{voucher_id}", user=ADMIN).json


def _final(api, voucher_id: str) -> dict:
    return _until(lambda: (v := _voucher(api, voucher_id))["status"] != "in_attestation" and v)


def _decide(api, task: dict, user: str, decision: str, comment: str | None = None):
    return api.post(
        f"/clients/{FJORD}/attestations/{task['task_id']}/decision",
        {"decision": decision, **({"comment": comment} if comment else {})},
        user=user,
    )


def test_two_attesters_approve_and_the_voucher_goes_to_the_bureau(api, inbound, invoice_pdf):
    _rules(api)
    v = _coded_voucher(api, inbound, invoice_pdf)  # 12,500 incl. VAT: above the 10,000 band
    sent = _send(api, v, comment="Sjekk")
    chain = sent["attestation"]["chain"]
    assert sent["status"] == "in_attestation"
    assert [(s["attester"], s["reason"]) for s in chain] == [
        (_sub(ATTESTER), "rule alle"),
        (_sub(ADMIN), "amount above 10000.00"),
    ]
    assert (
        api.patch(
            f"/clients/{FJORD}/vouchers/{v['voucher_id']}", {"version": sent["version"], "description": "x"}, user=ADMIN
        ).status
        == 409
    )  # frozen while the workflow owns it

    first = _task_for(api, ATTESTER, v["voucher_id"])
    assert first["subject"]["step"] == 1 and first["subject"]["steps"] == 2
    assert "token" not in str(first).lower()
    assert _waiting(api, ADMIN) == []  # step 2 waits until step 1 is approved
    detail = api.get(f"/clients/{FJORD}/attestations/{first['task_id']}", user=ATTESTER)
    assert detail.status == 200 and detail.json["voucher"]["voucher_id"] == v["voucher_id"]
    assert api.get(f"/clients/{FJORD}/attestations/{first['task_id']}", user=ADMIN).status == 404  # not theirs

    # someone else's step; a rejection without a reason: refused, nothing changes
    assert _decide(api, first, ADMIN, "approve").status == 404
    assert _decide(api, first, ATTESTER, "reject").status == 422
    ok = _decide(api, first, ATTESTER, "approve", "OK")
    assert ok.status == 200 and ok.json["status"] == "completed", ok
    replay = _decide(api, first, ATTESTER, "approve", "OK")
    assert replay.status == 409 and replay.json["type"].endswith("rule-violation"), replay
    assert "decided already" in replay.json["detail"]

    second = _task_for(api, ADMIN, v["voucher_id"])
    assert second["subject"]["step"] == 2
    assert _decide(api, second, ADMIN, "approve", "Godkjent").status == 200
    final = _final(api, v["voucher_id"])
    assert final["status"] == "approved" and final["approved"]["via"] == "attestation"
    assert final["approved"]["by"] == _sub(ADMIN)
    steps = final["attestation"]["chain"]
    assert [(s["status"], s["decision"]["comment"]) for s in steps] == [("approved", "OK"), ("approved", "Godkjent")]
    assert final["attestation"]["status"] == "approved"
    assert v["voucher_id"] in {x["voucher_id"] for x in api.get("/bureau/voucher-queue", user=ACCOUNTANT).json["items"]}

    view = api.get(f"/clients/{FJORD}/vouchers/{v['voucher_id']}/attestation", user=ADMIN)
    assert view.status == 200, view
    assert view.json["execution"]["status"] == "SUCCEEDED"
    assert view.json["execution"]["arn"] == final["attestation"]["execution"]
    entered = [e["state"] for e in view.json["history"] if e["type"] == "TaskStateEntered"]
    assert entered.count("AwaitDecision") == 2 and entered[-1] == "Approve"
    actions = [e["action"] for e in main_store().audit_events(f"T#{FJORD}")[0]]
    assert actions.count("voucher.attestation_step_answered") == 2  # by the people, as themselves
    assert {"voucher.sent_to_attestation", "voucher.attestation_step_decided", "voucher.attested"} <= set(actions)
    assert _decide(api, second, ADMIN, "reject", "for sent").status == 409  # after the end: still nothing


def test_a_rejection_returns_the_voucher_with_the_reason(api, inbound, invoice_pdf):
    _rules(api)
    v = _coded_voucher(api, inbound, invoice_pdf)
    _send(api, v)
    task = _task_for(api, ATTESTER, v["voucher_id"])
    assert _decide(api, task, ATTESTER, "reject", "Ikke vår faktura").status == 200
    final = _final(api, v["voucher_id"])
    assert final["status"] == "rejected"
    assert final["attestation"]["outcome"] == {
        **final["attestation"]["outcome"],
        "result": "rejected",
        "reason": "Ikke vår faktura",
        "step": 1,
    }
    assert [s["status"] for s in final["attestation"]["chain"]] == ["rejected", "pending"]
    assert _waiting(api, ADMIN) == [] and _waiting(api, ATTESTER) == []
    # coded again and sent again: a new round, a new execution
    again = _send(api, _voucher(api, v["voucher_id"]))
    assert again["attestation"]["round"] == 2
    assert again["attestation"]["attestation_id"] != final["attestation"]["attestation_id"]


def test_a_step_waiting_too_long_is_reminded_then_escalated_to_the_substitute(api, inbound, invoice_pdf):
    _rules(api, bands=False, deadlines={"remind_after_hours": 1, "escalate_after_hours": 3, "expire_after_hours": 60})
    v = _coded_voucher(api, inbound, invoice_pdf)
    _send(api, v)
    task = _task_for(api, ATTESTER, v["voucher_id"])
    escalated = _task_for(api, ADMIN, v["voucher_id"])  # after 3 s: the substitute has it
    assert escalated["task_id"] == task["task_id"] and escalated["rounds"] >= 2  # the reminder round, then this
    assert _waiting(api, ATTESTER) == []
    assert _decide(api, task, ATTESTER, "approve").status == 404  # no longer theirs
    assert _decide(api, escalated, ADMIN, "approve", "Tok over").status == 200
    final = _final(api, v["voucher_id"])
    assert final["status"] == "approved"
    [step] = final["attestation"]["chain"]
    assert [e["event"] for e in step["events"]] == ["reminded", "escalated"]
    assert step["events"][1]["to"] == _sub(ADMIN) and step["decision"]["by"] == _sub(ADMIN)
    notices = [m["subject"] for m in seed_outbox()]
    assert any(s.startswith("Påminnelse") for s in notices) and any(s.startswith("Eskalert") for s in notices)
    assert all(task["task_id"] in m["body"] and "token" not in m["body"].lower() for m in seed_outbox())


def test_no_decision_before_the_final_deadline_returns_the_voucher(api, inbound, invoice_pdf):
    _rules(api, bands=False, deadlines={"remind_after_hours": 1, "escalate_after_hours": 2, "expire_after_hours": 3})
    v = _coded_voucher(api, inbound, invoice_pdf)
    _send(api, v)
    task = _task_for(api, ATTESTER, v["voucher_id"])
    final = _final(api, v["voucher_id"])
    assert final["status"] == "rejected" and final["attestation"]["status"] == "expired"
    assert final["attestation"]["outcome"]["reason"] == "no decision before the final deadline"
    assert _waiting(api, ADMIN) == [] and _waiting(api, ATTESTER) == []
    assert _decide(api, task, ADMIN, "approve").status == 409  # the task was cancelled: nothing to decide


def test_while_the_attester_is_away_the_delegate_attests(api, inbound, invoice_pdf):
    today = clock.today_oslo().isoformat()
    away = {"user": _sub(ATTESTER), "to": _sub(ADMIN), "from_date": today, "to_date": today}
    _rules(api, bands=False, delegations=[away])
    v = _coded_voucher(api, inbound, invoice_pdf)
    _send(api, v)
    task = _task_for(api, ADMIN, v["voucher_id"])
    assert _waiting(api, ATTESTER) == []
    assert _decide(api, task, ADMIN, "approve", "For Siri").status == 200
    final = _final(api, v["voucher_id"])
    [step] = final["attestation"]["chain"]
    assert step["attester"] == _sub(ATTESTER) and step["assignee"] == _sub(ADMIN)
    assert step["events"][0]["event"] == "delegated"


def test_the_bureau_sends_a_voucher_from_its_queue_out_for_attestation(api, inbound, invoice_pdf):
    _rules(api, bands=False)
    v = _coded_voucher(api, inbound, invoice_pdf)
    approved = api.post(
        f"/clients/{FJORD}/vouchers/{v['voucher_id']}/approval", {"version": v["version"]}, user=ADMIN
    ).json
    assert approved["status"] == "approved"
    sent = _send(api, approved, user=ACCOUNTANT, attester=_sub(ATTESTER), comment="Prosjektleder, se på denne")
    assert sent["status"] == "in_attestation" and "approved" not in sent
    assert v["voucher_id"] not in {
        x["voucher_id"] for x in api.get("/bureau/voucher-queue", user=ACCOUNTANT).json["items"]
    }
    task = _task_for(api, ATTESTER, v["voucher_id"])
    assert _decide(api, task, ATTESTER, "approve").status == 200
    assert _final(api, v["voucher_id"])["status"] == "approved"


def test_rules_refused_precisely_and_nothing_written(api):
    attester, admin = _sub(ATTESTER), _sub(ADMIN)
    seller = next(m.sub for m in tenancy_service().repo.members("client", FJORD) if m.email == "salg@fjordkaffe.no")
    cases = [
        ({"rules": [{"name": "bygg", "match": {"projects": ["P1"]}, "attesters": [{"user": attester}]}]}, "rules"),
        ({"rules": [{"name": "alle", "attesters": [{"user": seller}]}]}, "rules.0.attesters.0.user"),
        ({"rules": [{"name": "alle", "attesters": [{"user": "u-nobody"}]}]}, "rules.0.attesters.0.user"),
        (
            {
                "rules": [{"name": "alle", "attesters": [{"user": attester}]}],
                "bands": [{"above": "50000", "attester": {"user": attester}}],
            },
            "bands.0.attester.user",
        ),
        (
            {
                "rules": [{"name": "alle", "attesters": [{"user": attester}]}],
                "deadlines": {"remind_after_hours": 10, "escalate_after_hours": 5, "expire_after_hours": 20},
            },
            "deadlines",
        ),
    ]
    for body, field in cases:
        reply = api.put(RULES, {"version": 0, **body}, user=ADMIN)
        assert reply.status == 422, (field, reply)
        assert reply.headers["content-type"].startswith("application/problem+json")
        assert field in {e["field"] for e in reply.json["errors"]}, (field, reply.json)
    assert api.get(RULES, user=ADMIN).json["version"] == 0
    assert (
        api.put(RULES, {"version": 0, "rules": [{"name": "a", "attesters": [{"user": admin}]}]}, user=ATTESTER).status
        == 403
    )
    written = _rules(api, version=0)
    assert written["version"] == 1
    stale = api.put(RULES, {"version": 0, "rules": [{"name": "a", "attesters": [{"user": admin}]}]}, user=ADMIN)
    assert stale.status == 409 and api.get(RULES, user=ADMIN).json["rules"] == written["rules"]


def test_sending_needs_rules_or_a_named_attester_and_an_active_one(api, inbound, invoice_pdf):
    v = _coded_voucher(api, inbound, invoice_pdf)
    no_rules = api.post(
        f"/clients/{FJORD}/vouchers/{v['voucher_id']}/attestation", {"version": v["version"]}, user=ADMIN
    )
    assert no_rules.status == 409 and "no attestation rules" in no_rules.json["detail"]
    _rules(api, bands=False)
    service = tenancy_service()
    _member, rec = service.repo.membership("client", FJORD, _sub(ATTESTER))
    from klientportal.repository.store import SYSTEM

    main_store().replace(rec, {**rec.data, "status": "disabled"}, SYSTEM, "membership.changed")
    gone = api.post(f"/clients/{FJORD}/vouchers/{v['voucher_id']}/attestation", {"version": v["version"]}, user=ADMIN)
    assert gone.status == 409 and "no longer an active attester" in gone.json["detail"], gone
    assert _voucher(api, v["voucher_id"])["status"] == "to_approve"


def seed_outbox() -> list[dict]:
    from klientportal.adapters import outbox

    return outbox.messages("email")


def test_the_demo_attester_has_rules_and_a_voucher_waiting(api, inbound):
    from infra.local.seed_vouchers import seed_vouchers
    from klientportal.bootstrap import Invocation
    from klientportal.settings import settings

    seed.seed_attestation(tenancy_service())
    seed_vouchers(Invocation(settings(), main_store()))
    task = _task_for(api, ATTESTER, _until(lambda: _waiting(api, ATTESTER))[0]["subject"]["voucher_id"])
    assert api.get(RULES, user=ADMIN).json["version"] == 1
    assert _decide(api, task, ATTESTER, "approve", "OK").status == 200
    assert _final(api, task["subject"]["voucher_id"])["status"] == "approved"


def test_a_workflow_that_does_not_start_leaves_the_voucher_as_it_was(api, inbound, invoice_pdf, monkeypatch):
    _rules(api, bands=False)
    v = _coded_voucher(api, inbound, invoice_pdf)
    deployed = os.environ["KP_STATEMACHINE_ATTESTATION"]
    monkeypatch.setenv("KP_STATEMACHINE_ATTESTATION", deployed + "-gone")
    failed = api.post(f"/clients/{FJORD}/vouchers/{v['voucher_id']}/attestation", {"version": v["version"]}, user=ADMIN)
    assert failed.status == 500 and failed.headers["content-type"].startswith("application/problem+json"), failed
    back = _voucher(api, v["voucher_id"])
    assert back["status"] == "to_approve" and back["attestation"]["status"] == "not_started"
    assert _waiting(api, ATTESTER) == []
    monkeypatch.setenv("KP_STATEMACHINE_ATTESTATION", deployed)
    again = _send(api, back)  # a later send works: a new round
    assert again["attestation"]["round"] == 2
    task = _task_for(api, ATTESTER, v["voucher_id"])
    assert task["subject"]["attestation_id"] == again["attestation"]["attestation_id"]
