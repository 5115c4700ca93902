"""a-melding deadline reminders (the schedule's handler on moto): sent in the days before the 5th to
the admins of a client whose a-melding is not accepted, once a day, not to a client that is done."""

from __future__ import annotations

import json

from functions.payroll import schedule
from klientportal.bootstrap import store
from klientportal.repository import keys
from tests.functions.payroll.flow import finished, run_when, strong
from tests.functions.payroll.test_payroll_walk import ADMIN, BASE, CLIENT, key, pay, sim_report  # noqa: F401

MARCH = {"period": "2026-03", "pay_date": "2026-03-25", "employees": {"2": {"hours": "10"}}}


def _mails(outbox) -> list[dict]:
    found = [json.loads(p.read_text()) for p in sorted(outbox.rglob("*.json"))] if outbox.exists() else []
    return [m for m in found if "a-meldingen" in m.get("subject", "")]


def test_reminders_before_the_deadline_once_a_day_until_accepted(pay, aws_env, tmp_path) -> None:  # noqa: F811
    api, _ = pay
    outbox = tmp_path / "outbox"
    assert schedule._handle({"detail": {"today": "2026-04-01"}}, None)["reminded"] == 0  # deadline 7 April: too early
    r = schedule._handle({"detail": {"today": "2026-04-04"}}, None)
    assert (r["clients"], r["reminded"], r["mails"]) == (1, 1, 1), r
    mail = _mails(outbox)[0]
    assert mail["to"] == ADMIN and "07.04.2026" in mail["subject"] and "ingen lønnskjøring" in mail["body"]
    assert schedule._handle({"detail": {"today": "2026-04-04"}}, None)["reminded"] == 0  # a retry the same day
    assert len(_mails(outbox)) == 1

    assert api.post(f"{BASE}/tax-card-orders", {"income_year": 2026}, user=ADMIN, headers=key()).status == 200
    run = api.post(f"{BASE}/payroll-runs", MARCH, user=ADMIN, headers=key()).json
    assert schedule._handle({"detail": {"today": "2026-04-06"}}, None)["reminded"] == 1
    assert "ikke godkjent" in _mails(outbox)[-1]["body"]
    assert api.post(f"{BASE}/payroll-runs/{run['run_id']}/approval", token=strong(api, ADMIN)).status == 200
    run_when(api, BASE, run["run_id"], ADMIN, finished)
    assert (
        api.post(f"{BASE}/payroll-runs/{run['run_id']}/a-melding/submissions", user=ADMIN, headers=key()).status == 201
    )
    assert api.post(f"{BASE}/payroll-runs/{run['run_id']}/a-melding/status", user=ADMIN).json["status"] == "accepted"
    assert schedule._handle({"detail": {"today": "2026-04-07"}}, None)["reminded"] == 0  # accepted: nothing
    assert schedule._handle({"detail": {"today": "2026-04-08"}}, None)["reminded"] == 0  # after the deadline
    notes = store().query_all(keys.client_pk(CLIENT), "PAYREMIND#")
    assert [(n.data["day"], n.data["state"]) for n in notes] == [("2026-04-04", "no_run"), ("2026-04-06", "computed")]
