"""Payroll on moto through the real handlers: tax cards → run → refusals → approval with step-up →
journal → a-melding valid and accepted by the simulator → a replacement naming the first."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from klientportal import bootstrap
from klientportal.adapters.amelding_submission import SimulatedInnrapportering
from klientportal.adapters.skattekort import SimulatedSkattekort
from klientportal.bootstrap import store
from klientportal.formats.amelding import NAMESPACE
from klientportal.formats.amelding.validation import xsd_errors
from klientportal.payroll.tabelltrekk import withholding
from klientportal.registers.service import REGISTERS, RegisterService
from klientportal.repository import keys
from klientportal.repository.store import SYSTEM
from tests.functions.payroll.flow import finished, run_when, strong

CLIENT = "c-hansenbygg"
BASE = f"/clients/{CLIENT}"
ADMIN = "post@hansenbygg.no"
TODAY = date(2026, 3, 20)
NS = {"a": NAMESPACE}
KARI, OLA, PER = "15076500565", "29029600013", "01018010018"
_keys = itertools.count(1)


def key() -> dict[str, str]:
    return {"Idempotency-Key": f"pk-{next(_keys)}"}


EMPLOYEES: list[dict[str, Any]] = [
    {
        "employee_number": 1,
        "first_name": "Kari",
        "last_name": "Fast",
        "national_id": KARI,
        "employment_start": "2024-03-01",
        "bank_account": "86011117947",
        "occupation_code": "2511106",
        "salary_form": "fixed",
        "monthly_salary": "35000.00",
        "pension_percentage": "2",
    },
    {
        "employee_number": 2,
        "first_name": "Ola",
        "last_name": "Time",
        "national_id": OLA,
        "employment_start": "2025-08-01",
        "bank_account": "86011117947",
        "occupation_code": "7115108",
        "salary_form": "hourly",
        "hourly_rate": "250.00",
        "pension_percentage": "2",
        "position_percentage": "60",
    },
    {
        "employee_number": 3,
        "first_name": "Per",
        "last_name": "Sluttet",
        "national_id": PER,
        "employment_start": "2020-01-01",
        "employment_end": "2026-01-31",
        "end_reason": "arbeidstakerHarSagtOppSelv",
        "bank_account": "86011117947",
        "occupation_code": "7115108",
        "salary_form": "fixed",
        "monthly_salary": "30000.00",
        "pension_percentage": "2",
    },
]


TAX_ACCOUNT, WITHHOLDING_KID, CONTRIBUTION_KID = "76940501004", "20260311", "97400016"
SETTINGS = {
    "business_orgnr": "974760673",
    "zone": "1",
    "tax_account": TAX_ACCOUNT,
    "withholding_kid": WITHHOLDING_KID,
    "contribution_kid": CONTRIBUTION_KID,
}


@pytest.fixture
def sim_report(conformance_dir):
    return SimulatedInnrapportering(conformance_dir=conformance_dir)


@pytest.fixture
def pay(api, monkeypatch, sim_report):
    monkeypatch.setattr("klientportal.clock.today_oslo", lambda at=None: TODAY)
    sim_cards = SimulatedSkattekort(cards={OLA: {"kind": "none"}})
    monkeypatch.setattr(bootstrap, "_payroll_adapters", {"local": (sim_cards, sim_report)})
    registers = RegisterService(store(), CLIENT)
    spec = REGISTERS["employees"]
    for item in EMPLOYEES:
        registers.create(spec, spec.create.model_validate(item), SYSTEM)
    r = api.put(f"{BASE}/payroll-settings", SETTINGS, user=ADMIN)
    assert r.status == 200, r
    return api, sim_cards


RUN = {"period": "2026-03", "pay_date": "2026-03-25", "employees": {"2": {"hours": "96.5", "overtime_hours": "4"}}}


def test_the_payroll_walk(pay, conformance_dir) -> None:
    api, sim_cards = pay
    # an employee without a tax card: refused, nothing written
    r = api.post(f"{BASE}/payroll-runs", RUN, user=ADMIN, headers=key())
    assert r.status == 422, r
    assert r.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"] for e in r.json["errors"]}
    assert fields == {"employees.1.tax_card", "employees.2.tax_card"}
    assert store().query_all(keys.client_pk(CLIENT), keys.PAYROLL_RUN_PREFIX) == []

    r = api.post(f"{BASE}/tax-card-orders", {"income_year": 2026}, user=ADMIN, headers=key())
    assert r.status == 200, r
    assert (r.json["ordered"], r.json["received"], r.json["left_out"]) == (2, 2, 1)  # Per has left: not ordered
    assert PER not in sim_cards.orders[0]["arbeidsgiver"][0]["arbeidstakeridentifikator"]

    r = api.post(f"{BASE}/payroll-runs", RUN, user=ADMIN, headers=key())
    assert r.status == 201, r
    run = r.json
    slips = {p["employee_number"]: p for p in run["payslips"]}
    assert set(slips) == {1, 2}  # Per left in January
    assert slips[1]["withholding"] == withholding("8010", "month", 35000) == 8157
    # Ola: 96.5 × 250 = 24125.00; overtime 4 × 250 × 1.4 = 1400.00; no tax card → 50 %
    assert [(i["description"], i["amount"]) for i in slips[2]["incomes"]] == [
        ("timeloenn", "24125.00"),
        ("overtidsgodtgjoerelse", "1400.00"),
    ]
    assert slips[2]["withholding"] == 12762 and slips[2]["withholding_rule"] == "no tax card: 50 %"
    # contribution: salary 60525 × 14.1 % = 8534.03, OTP (700 + 482.50) × 14.1 % = 166.73 → 8700 kroner
    assert [(c["kind"], c["base"], c["amount"]) for c in run["contribution_lines"]] == [
        ("salary", "60525.00", "8534.03"),
        ("pension", "1182.50", "166.73"),
    ]
    assert run["totals"]["contribution"] == 8700
    assert run["totals"]["withholding"] == 8157 + 12762

    # approval needs the step-up sign-in; the workflow books it
    assert run["status"] == "awaiting_approval"
    r = api.post(f"{BASE}/payroll-runs/{run['run_id']}/approval", user=ADMIN)
    assert r.status == 401 and r.json["type"].endswith("/step-up-required"), r
    r = api.post(f"{BASE}/payroll-runs/{run['run_id']}/approval", token=strong(api, ADMIN))
    assert r.status == 200 and r.json["decision"]["decision"] == "approve", r
    assert run_when(api, BASE, run["run_id"], ADMIN, finished)["status"] == "approved"
    entry = next(x for x in store().query_all(keys.client_pk(CLIENT), "JOURNAL#lonn#") if x.entity == "journal_entry")
    lines = {(line["account"], line["debit"], line["credit"]) for line in entry.data["lines"]}
    assert ("2600", "0.00", "20919.00") in lines and ("2770", "0.00", "8700.00") in lines
    assert sum(Decimal(x["debit"]) - Decimal(x["credit"]) for x in entry.data["lines"]) == 0

    # a run for the approved period is refused, nothing changed
    r = api.post(f"{BASE}/payroll-runs", RUN, user=ADMIN, headers=key())
    assert r.status == 409, r
    assert "approved" in r.json["detail"]

    # the a-melding: valid against the v2_3 XSD, submitted, accepted by the simulator
    r = api.get(f"{BASE}/payroll-runs/{run['run_id']}/a-melding", user=ADMIN)
    assert r.status == 200 and r.headers["content-type"].startswith("application/xml"), r
    assert xsd_errors(r.raw, conformance_dir=conformance_dir) == ()
    root = etree.fromstring(r.raw)
    assert root.findtext(".//a:sumForskuddstrekk", namespaces=NS) == "20919"  # positive; the person's negative
    assert root.findtext(".//a:sumForskuddstrekkPerLoennsutbetalingsdato/a:beloep", namespaces=NS) == "20919"
    assert [x.text for x in root.iterfind(".//a:inntektsmottaker/a:norskIdentifikator", NS)] == [KARI, OLA]
    r = api.post(f"{BASE}/payroll-runs/{run['run_id']}/a-melding/submissions", user=ADMIN, headers=key())
    assert r.status == 201 and r.json["status"] == "submitted", r
    first = r.json["message_id"]
    r = api.post(f"{BASE}/payroll-runs/{run['run_id']}/a-melding/status", user=ADMIN)
    assert r.status == 200 and r.json["status"] == "accepted", r
    # a replacement names the message it replaces
    r = api.post(f"{BASE}/payroll-runs/{run['run_id']}/a-melding/submissions", user=ADMIN, headers=key())
    assert r.status == 201 and r.json["replaces"] == first, r
    r = api.post(f"{BASE}/payroll-runs/{run['run_id']}/a-melding/status", user=ADMIN)
    assert r.json["status"] == "accepted", r
    events = store().audit_events(keys.client_pk(CLIENT))[0]
    audit = [e["action"] for e in events]
    assert audit.count("a_melding.submitted") == 2
    # each audit image shows the message as it was (the overview counts the status before and after)
    moves = [
        (e["before"]["submissions"][-1]["status"], e["after"]["submissions"][-1]["status"])
        for e in events
        if e["action"] in ("a_melding.submitted", "a_melding.accepted")
    ]
    assert moves == [("sending", "submitted"), ("submitted", "accepted")] * 2, moves


def test_an_invalid_national_id_or_account_is_refused_by_the_register(pay) -> None:
    api, _ = pay
    bad = {**EMPLOYEES[0], "employee_number": 9}
    for field, value in (("national_id", "15076500566"), ("bank_account", "86011117946")):
        r = api.post(f"{BASE}/employees", {**bad, field: value}, user=ADMIN, headers=key())
        assert r.status == 422, r
        assert [e["field"] for e in r.json["errors"]] == [field]
    assert api.get(f"{BASE}/employees/9", user=ADMIN).status == 404


def test_a_tax_card_for_another_employer_is_refused_and_nothing_is_stored(pay) -> None:
    api, sim_cards = pay
    sim_cards.cards[KARI] = {"employer": "974760673"}
    r = api.post(f"{BASE}/tax-card-orders", {"income_year": 2026}, user=ADMIN, headers=key())
    assert r.status == 422, r
    assert "another employer (974760673)" in r.json["detail"]
    assert store().query_all(keys.client_pk(CLIENT), keys.TAX_CARD_PREFIX) == []


def test_the_simulator_rejects_a_broken_message_with_its_reasons(pay, conformance_dir) -> None:
    _, _ = pay
    sim = SimulatedInnrapportering(conformance_dir=conformance_dir)
    xml = b'<?xml version="1.0"?><melding xmlns="' + NAMESPACE.encode() + b'"><Leveranse/></melding>'
    answer = sim.submit(xml, "k1")
    status = sim.status(answer.submission_id, "k2")
    assert status.status == "rejected" and status.feedback and status.feedback[0].code == "A-XSD"


def test_a_crash_after_sending_sends_the_same_message_again_not_a_second_one(pay, sim_report, monkeypatch) -> None:
    api, _ = pay
    assert api.post(f"{BASE}/tax-card-orders", {"income_year": 2026}, user=ADMIN, headers=key()).status == 200
    run = api.post(f"{BASE}/payroll-runs", RUN, user=ADMIN, headers=key()).json
    assert api.post(f"{BASE}/payroll-runs/{run['run_id']}/approval", token=strong(api, ADMIN)).status == 200
    run_when(api, BASE, run["run_id"], ADMIN, finished)
    sent = sim_report.submit

    def sent_then_crashed(xml: bytes, idempotency_key: str):  # the answer is lost on the way back
        sent(xml, idempotency_key)
        raise TimeoutError("the connection dropped after the service took the message")

    monkeypatch.setattr(sim_report, "submit", sent_then_crashed)
    r = api.post(f"{BASE}/payroll-runs/{run['run_id']}/a-melding/submissions", user=ADMIN, headers=key())
    assert r.status == 500, r
    monkeypatch.setattr(sim_report, "submit", sent)
    r = api.post(f"{BASE}/payroll-runs/{run['run_id']}/a-melding/submissions", user=ADMIN, headers=key())
    assert r.status == 201 and r.json["status"] == "submitted", r
    assert len(sim_report._submissions) == 1  # one message at the tax authority, not two
    stored = api.get(f"{BASE}/payroll-runs/{run['run_id']}", user=ADMIN).json["submissions"]
    assert [(x["message_id"], x["status"], x["replaces"]) for x in stored] == [
        (r.json["message_id"], "submitted", None)
    ]
