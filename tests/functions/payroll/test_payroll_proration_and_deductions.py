"""A month with a new hire and a leaver (proration by working days, decision 0940) and deductions
that are neither income nor tax (decision 0941), on moto through the real handlers: tax cards stop
for the leaver, a deduction beyond the pay is refused with nothing written, the run is replayed by
its Idempotency-Key, the approval books the deductions, pays the garnishment with its KID, and the
a-melding carries fradrag and utleggstrekk, valid against the XSD and accepted by the simulator."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from bench.aws_calls import AwsCalls
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
NS = {"a": NAMESPACE}
KARI, OLA, PER, LIV = "15076500565", "29029600013", "01018010018", "14017010078"
_keys = itertools.count(1)
SETTINGS = {
    "business_orgnr": "974760673",
    "zone": "1",
    "tax_account": "76940501004",
    "withholding_kid": "20260311",
    "contribution_kid": "97400016",
}
GARNISHMENT = {
    "kind": "garnishment",
    "amount": "3000",
    "kid": "6487719756",
    "account": "70213997155",
    "reference": "10002",
}
UNION = {"kind": "union_dues", "amount": "450.00", "account": "12345678903"}


def key() -> dict[str, str]:
    return {"Idempotency-Key": f"pd-{next(_keys)}"}


def _employee(number: int, first: str, nid: str, start: str, salary: str, **extra: Any) -> dict[str, Any]:
    return {
        "employee_number": number,
        "first_name": first,
        "last_name": "Ansatt",
        "national_id": nid,
        "employment_start": start,
        "bank_account": "86011117947",
        "occupation_code": "2511106",
        "salary_form": "fixed",
        "monthly_salary": salary,
        "pension_percentage": "2",
        **extra,
    }


LEFT = {"end_reason": "arbeidstakerHarSagtOppSelv"}
EMPLOYEES = [
    _employee(1, "Kari", KARI, "2024-03-01", "35000.00"),
    _employee(2, "Ola", OLA, "2026-04-15", "52000.00"),  # starts Wednesday 15 April
    _employee(3, "Per", PER, "2020-01-01", "30000.00", employment_end="2026-04-10", **LEFT),
    _employee(4, "Liv", LIV, "2019-01-01", "40000.00", employment_end="2026-03-31", **LEFT),
]


@pytest.fixture
def today(monkeypatch) -> list[date]:
    now = [date(2026, 4, 1)]
    monkeypatch.setattr("klientportal.clock.today_oslo", lambda at=None: now[0])
    return now


@pytest.fixture
def pay(api, monkeypatch, conformance_dir, today):
    cards, report = SimulatedSkattekort(), SimulatedInnrapportering(conformance_dir=conformance_dir)
    monkeypatch.setattr(bootstrap, "_payroll_adapters", {"local": (cards, report)})
    registers = RegisterService(store(), CLIENT)
    spec = REGISTERS["employees"]
    for item in EMPLOYEES:
        registers.create(spec, spec.create.model_validate(item), SYSTEM)
    assert api.put(f"{BASE}/payroll-settings", SETTINGS, user=ADMIN).status == 200
    return api, cards


def _ordered(cards: SimulatedSkattekort, i: int) -> list[str]:
    return list(cards.orders[i]["arbeidsgiver"][0]["arbeidstakeridentifikator"])


def _runs() -> list[Any]:
    return store().query_all(keys.client_pk(CLIENT), keys.PAYROLL_RUN_PREFIX)


def test_a_month_with_a_new_hire_a_leaver_and_deductions(pay, today, conformance_dir) -> None:
    api, cards = pay
    # 1 April: Liv left on 31 March and is not ordered; Per, still employed, is
    r = api.post(f"{BASE}/tax-card-orders", {"income_year": 2026}, user=ADMIN, headers=key())
    assert r.status == 200 and (r.json["ordered"], r.json["left_out"]) == (3, 1), r
    assert LIV not in _ordered(cards, 0) and PER in _ordered(cards, 0)
    # 20 April: Per left on the 10th; the follow-up fetch leaves him out and his card stays
    today[0] = date(2026, 4, 20)
    with AwsCalls() as calls:
        r = api.post(f"{BASE}/tax-card-orders", {"income_year": 2026, "changes_only": True}, user=ADMIN, headers=key())
    assert r.status == 200 and r.json["left_out"] == 2, r
    assert calls.of("Decrypt") == 2  # only Kari's and Ola's national ids: the leavers' stay encrypted
    assert PER not in _ordered(cards, 1) and LIV not in _ordered(cards, 1)
    assert {c["employee_number"] for c in api.get(f"{BASE}/tax-cards?year=2026", user=ADMIN).json["items"]} == {
        1,
        2,
        3,
    }

    run_body: dict[str, Any] = {"period": "2026-04", "pay_date": "2026-04-24", "employees": {}}
    # Liv is not employed in April: naming her is refused, nothing written
    r = api.post(f"{BASE}/payroll-runs", {**run_body, "employees": {"4": {}}}, user=ADMIN, headers=key())
    assert r.status == 422 and [e["field"] for e in r.json["errors"]] == ["employees.4"], r
    # deductions beyond Kari's pay after withholding: the dues take 2000 off the basis, so
    # 35000 − tabelltrekk(33000) = 35000 − 7381 = 27619 is left, 28000 is asked: refused with the figures
    too_much = {"1": {"deductions": [{**GARNISHMENT, "amount": "26000"}, {**UNION, "amount": "2000.00"}]}}
    r = api.post(f"{BASE}/payroll-runs", {**run_body, "employees": too_much}, user=ADMIN, headers=key())
    assert r.status == 422, r
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in r.json["errors"]] == ["employees.1.deductions"]
    assert "28000.00 in all" in r.json["errors"][0]["message"], r.json
    assert "(27619.00)" in r.json["errors"][0]["message"], r.json
    # a percentage of union dues is refused at the boundary
    bad = {"1": {"deductions": [{"kind": "union_dues", "percent": "1"}]}}
    r = api.post(f"{BASE}/payroll-runs", {**run_body, "employees": bad}, user=ADMIN, headers=key())
    assert r.status == 422 and r.json["errors"][0]["field"] == "employees.1.deductions.0", r
    assert _runs() == []
    assert store().query_all(keys.client_pk(CLIENT), keys.PAYSLIP_PREFIX) == []

    deductions = [UNION, GARNISHMENT, {"kind": "advance_repayment", "amount": "1000.00"}]
    body = {**run_body, "employees": {"1": {"deductions": deductions}}}
    k = key()
    r = api.post(f"{BASE}/payroll-runs", body, user=ADMIN, headers=k)
    assert r.status == 201, r
    run = r.json
    slips = {p["employee_number"]: p for p in run["payslips"]}
    assert set(slips) == {1, 2, 3}
    # Ola: 12 of April's 19 working days (Easter: 2, 3 and 6 April); 52000 × 12 / 19 = 32842.105… → 32842.11
    assert slips[2]["gross"] == "32842.11"
    assert slips[2]["proration"] == {
        "method": "working_days",
        "employed_from": "2026-04-15",
        "employed_to": "2026-04-30",
        "employed_working_days": 12,
        "working_days": 19,
    }
    # Per: 1 and 7–10 April, 5 of 19; 30000 × 5 / 19 = 7894.736… → 7894.74
    assert slips[3]["gross"] == "7894.74" and slips[3]["proration"]["employed_to"] == "2026-04-10"
    # Kari: the dues take 450 off the withholding basis; the net pay loses all three
    assert slips[1]["table_basis"] == 34550 and slips[1]["withholding"] == withholding("8010", "month", 34550)
    assert Decimal(slips[1]["net"]) == Decimal("35000.00") - slips[1]["withholding"] - Decimal("4450.00")
    assert slips[1]["deductions_total"] == "4450.00"
    assert run["totals"]["deductions"] == {
        "advance_repayment": "1000.00",
        "garnishment": "3000.00",
        "union_dues": "450.00",
    }
    # the same Idempotency-Key answers the same run again, not a second one
    again = api.post(f"{BASE}/payroll-runs", body, user=ADMIN, headers=k)
    assert again.status == 201 and again.headers.get("idempotent-replayed") == "true", again
    assert again.json["run_id"] == run["run_id"] and len(again.json["payslips"]) == 3
    assert len([x for x in _runs() if x.entity == "payroll_run"]) == 1

    r = api.post(f"{BASE}/payroll-runs/{run['run_id']}/approval", token=strong(api, ADMIN))
    assert r.status == 200 and r.json["decision"]["decision"] == "approve", r
    done = run_when(api, BASE, run["run_id"], ADMIN, finished)  # the approval workflow books and batches
    entry = next(x for x in store().query_all(keys.client_pk(CLIENT), "JOURNAL#lonn#") if x.entity == "journal_entry")
    lines = {(x["account"], x["debit"], x["credit"]) for x in entry.data["lines"]}
    assert {("2650", "0.00", "450.00"), ("2610", "0.00", "3000.00"), ("1572", "0.00", "1000.00")} <= lines
    assert sum(Decimal(x["debit"]) - Decimal(x["credit"]) for x in entry.data["lines"]) == 0

    batch = store().get(keys.client_pk(CLIENT), keys.payment_batch_sk(done["payment_batch_id"]))
    assert batch is not None
    by_kind = {x["kind"]: x for x in batch.data["lines"] if x["kind"] in ("utleggstrekk", "deduction")}
    garnished = by_kind["utleggstrekk"]
    assert (garnished["amount"], garnished["kid"], garnished["creditor_account"]) == (
        "3000.00",
        "6487719756",
        {"bban": "70213997155"},
    )
    assert by_kind["deduction"]["amount"] == "450.00" and by_kind["deduction"]["message"] == (
        "Fagforeningskontingent 2026-04"
    )
    net_kari = next(x for x in batch.data["lines"] if x.get("employee_number") == 1 and x["kind"] == "net_pay")
    assert net_kari["amount"] == slips[1]["net"]
    # the batch with its deduction lines reads over the API (the approver needs its content_hash)
    r = api.get(f"{BASE}/payment-batches/{done['payment_batch_id']}", user=ADMIN)
    assert r.status == 200, r
    assert {x["kind"] for x in r.json["lines"]} >= {"utleggstrekk", "deduction", "net_pay"}, r.json["lines"]
    r = api.get(f"{BASE}/payment-batches", user=ADMIN)
    assert r.status == 200, r

    r = api.get(f"{BASE}/payroll-runs/{run['run_id']}/a-melding", user=ADMIN)
    assert r.status == 200, r
    assert xsd_errors(r.raw, conformance_dir=conformance_dir) == ()
    root = etree.fromstring(r.raw)
    people = {p.findtext("a:norskIdentifikator", namespaces=NS): p for p in root.iterfind(".//a:inntektsmottaker", NS)}
    assert set(people) == {KARI, OLA, PER}
    kari = people[KARI]
    assert kari.findtext("a:fradrag/a:beskrivelse", namespaces=NS) == "fagforeningskontingent"
    assert kari.findtext("a:fradrag/a:beloep", namespaces=NS) == "-450.00"
    assert kari.findtext("a:utleggstrekk/a:beskrivelse", namespaces=NS) == "utleggstrekkSkatt"
    assert kari.findtext("a:utleggstrekk/a:beloep", namespaces=NS) == "-3000"
    assert kari.findtext("a:utleggstrekk/a:datoForUtleggstrekk", namespaces=NS) == "2026-04-24"
    assert root.findtext(".//a:sumUtleggstrekk", namespaces=NS) == "3000"
    assert people[PER].findtext("a:arbeidsforhold/a:sluttdato", namespaces=NS) == "2026-04-10"
    assert people[OLA].findtext("a:arbeidsforhold/a:startdato", namespaces=NS) == "2026-04-15"
    r = api.post(f"{BASE}/payroll-runs/{run['run_id']}/a-melding/submissions", user=ADMIN, headers=key())
    assert r.status == 201, r
    r = api.post(f"{BASE}/payroll-runs/{run['run_id']}/a-melding/status", user=ADMIN)
    assert r.json["status"] == "accepted", r
