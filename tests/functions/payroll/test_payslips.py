"""Payslips on approval (moto, the real handlers): a Norwegian PDF per employee in S3, `payslip.issued`
once per payslip even when the approval is retried after a crash, and each employee sees only their own."""

from __future__ import annotations

import io

import pytest
import requests
from pypdf import PdfReader

from klientportal.bootstrap import store, tenancy_service
from klientportal.invoicing.delivery import DocumentFiles
from klientportal.registers.service import REGISTERS, RegisterService
from klientportal.repository import keys
from klientportal.repository.store import SYSTEM
from klientportal.tenancy.models import Role
from tests.functions.payroll.flow import finished, run_when, strong
from tests.functions.payroll.test_payroll_walk import ADMIN, BASE, CLIENT, RUN, key, pay, sim_report  # noqa: F401

KARI_EMAIL = "kari@hansenbygg.no"


@pytest.fixture
def approved_setup(pay):  # noqa: F811 (the fixture imported above)
    api, _ = pay
    registers = RegisterService(store(), CLIENT)
    spec = REGISTERS["employees"]
    rec = registers.get(spec, "1")
    registers.update(spec, "1", rec.version, {"email": KARI_EMAIL}, SYSTEM)
    tenancy_service().add_member("client", CLIENT, KARI_EMAIL, "Kari Fast", Role.CLIENT_USER, SYSTEM)
    assert api.post(f"{BASE}/tax-card-orders", {"income_year": 2026}, user=ADMIN, headers=key()).status == 200
    run = api.post(f"{BASE}/payroll-runs", RUN, user=ADMIN, headers=key()).json
    return api, run


def _issued_events() -> list[dict]:
    return [e for e in store().audit_events(keys.client_pk(CLIENT))[0] if e["action"] == "payslip.issued"]


def _pdf_text(url: str) -> str:
    r = requests.get(url, timeout=10)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages)


def test_payslips_are_issued_once_and_each_employee_sees_only_their_own(approved_setup) -> None:
    api, run = approved_setup
    rid = run["run_id"]
    assert api.get("/me/payslips", user=KARI_EMAIL).json["items"] == []  # nothing before approval
    r = api.post(f"{BASE}/payroll-runs/{rid}/approval", token=strong(api, ADMIN))
    assert r.status == 200, r
    done = run_when(api, BASE, rid, ADMIN, finished)
    assert {p["employee_number"]: bool(p["issued_at"]) for p in done["payslips"]} == {1: True, 2: True}
    assert len(_issued_events()) == 2

    mine = api.get("/me/payslips", user=KARI_EMAIL)
    assert mine.status == 200, mine
    assert [(p["employee_number"], p["net"], p["period"]) for p in mine.json["items"]] == [
        (1, next(p["net"] for p in run["payslips"] if p["employee_number"] == 1), "2026-03")
    ]
    slip_id = mine.json["items"][0]["payslip_id"]
    one = api.get(f"/me/payslips/{slip_id}", user=KARI_EMAIL)
    assert one.status == 200, one
    text = _pdf_text(one.json["pdf_url"])
    assert "Lønnsslipp 2026-03" in text and "Kari Fast" in text and "Til utbetaling" in text
    assert "Forskuddstrekk" in text and "-8 157,00" in text
    assert "15076500565" not in text  # the national id only masked

    # Ola has no member account; his slip is no one's under /me, and Kari cannot reach it
    ola_id = slip_id.rsplit(".", 1)[0] + ".2"
    for who, path in ((KARI_EMAIL, f"/me/payslips/{ola_id}"), (ADMIN, f"/me/payslips/{slip_id}")):
        r = api.get(path, user=who)
        assert r.status == 404 and r.headers["content-type"].startswith("application/problem+json"), r
    assert api.get("/me/payslips", user=ADMIN).json["items"] == []
    assert api.get(f"/me/payslips/{CLIENT}.no..such.id", user=KARI_EMAIL).status == 404

    # the client's admin reads any slip of the run; a client user cannot
    r = api.get(f"{BASE}/payroll-runs/{rid}/payslips/2", user=ADMIN)
    assert r.status == 200 and "Ola Time" in _pdf_text(r.json["pdf_url"]), r
    assert api.get(f"{BASE}/payroll-runs/{rid}/payslips/2", user=KARI_EMAIL).status == 403
    assert api.get(f"{BASE}/payroll-runs/{rid}/payslips/7", user=ADMIN).status == 404

    # approving again issues nothing more
    r = api.post(f"{BASE}/payroll-runs/{rid}/approval", token=strong(api, ADMIN))
    assert r.status == 409, r
    assert len(_issued_events()) == 2


def test_a_payslip_step_retried_after_a_storage_failure_issues_each_slip_once(approved_setup, monkeypatch) -> None:
    api, run = approved_setup
    rid = run["run_id"]
    put = DocumentFiles.put
    failures: list[str] = []

    def storage_fails_once_on_olas_slip(self, k: str, content: bytes, content_type: str) -> None:
        if k.endswith("000000002.pdf") and not failures:
            failures.append(k)
            raise ConnectionError("S3 went away")
        put(self, k, content, content_type)

    monkeypatch.setattr(DocumentFiles, "put", storage_fails_once_on_olas_slip)
    assert api.post(f"{BASE}/payroll-runs/{rid}/approval", token=strong(api, ADMIN)).status == 200
    done = run_when(api, BASE, rid, ADMIN, finished)
    assert failures and done["workflow"]["execution"]["status"] == "SUCCEEDED"
    entered = [e["state"] for e in done["workflow"]["history"] if e["type"].endswith("StateEntered")]
    assert entered.count("IssuePayslips") == 1 and entered[-1] == "Approved", entered  # the step's own Retry
    assert len(_issued_events()) == 2  # Kari's PDF was put twice, her slip issued once
    assert len(api.get("/me/payslips", user=KARI_EMAIL).json["items"]) == 1
