"""Object Lock retention of voucher originals follows the client's financial year (bokføringsloven
§ 13, decisions 0252/0265): five years after the end of the financial year of receipt. The raw e-mail
is stored before its client is known (calendar year) and lengthened after routing, never shortened."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

import pytest

from klientportal import aws, clock
from klientportal.settings import settings
from klientportal.vouchers import intake as intake_module
from klientportal.vouchers.intake import VoucherIntake
from tests.functions.vouchers.conftest import ACCOUNTANT, ADMIN, FJORD

BUREAU_ADMIN = "admin@byraet.no"

SEPTEMBER_2026 = datetime(2026, 9, 15, 10, 0, tzinfo=UTC)  # July–June year 2026/27 ends 30 June 2027
MARCH_2027 = datetime(2027, 3, 10, 10, 0, tzinfo=UTC)  # the same July–June year


def _oslo(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=clock.OSLO)


@pytest.fixture
def received_at(monkeypatch):
    """Makes ingest see a fixed receipt instant (the retention depends on the date of receipt)."""

    def set_(at: datetime) -> None:
        monkeypatch.setattr(intake_module, "VoucherIntake", functools.partial(VoucherIntake, now=lambda: at))

    return set_


@pytest.fixture
def retention_calls(aws_env):
    """The PutObjectRetention calls made through the shared S3 client."""
    calls: list[dict] = []
    s3 = aws.client("s3")

    def record(params: dict, **_: object) -> None:
        calls.append(dict(params))

    s3.meta.events.register("before-parameter-build.s3.PutObjectRetention", record, unique_id="test-retention-calls")
    yield calls
    s3.meta.events.unregister("before-parameter-build.s3.PutObjectRetention", unique_id="test-retention-calls")


def _locked_until(key: str) -> datetime:
    head = aws.client("s3").head_object(Bucket=settings().vouchers_bucket, Key=key)
    assert head["ObjectLockMode"] == "COMPLIANCE"
    return head["ObjectLockRetainUntilDate"]


def _only_voucher(api, client_id: str, user: str) -> dict:
    reply = api.get(f"/clients/{client_id}/vouchers", user=user)
    assert reply.status == 200, reply
    assert len(reply.json["items"]) == 1, reply.json
    return reply.json["items"][0]


def test_july_june_client_locks_attachment_and_raw_mail_to_its_financial_year(
    api, inbound, mail_factory, invoice_pdf, received_at, retention_calls
):
    created = api.post(
        "/clients",
        {
            "name": "Sommerår AS",
            "orgnr": "912345661",
            "tier": "portal",
            "modules": ["vouchers"],
            "financial_year_start_month": 7,
        },
        user=BUREAU_ADMIN,
    )
    assert created.status == 201, created
    client_id = created.json["client_id"]
    assert created.json["financial_year_start_month"] == 7
    assert api.get(f"/clients/{client_id}", user=BUREAU_ADMIN).json["financial_year_start_month"] == 7
    address = api.get(f"/clients/{client_id}/voucher-inbox", user=BUREAU_ADMIN).json["address"]

    received_at(SEPTEMBER_2026)
    mail = mail_factory(((invoice_pdf, "application/pdf", "faktura.pdf"),), to=address)
    inbound.mail(mail, "sommer-1")
    inbound.drain()

    voucher = _only_voucher(api, client_id, BUREAU_ADMIN)
    until = _oslo(2032, 7)  # year 2026/27 ends 30 June 2027, + 5 years
    assert _locked_until(voucher["original"]["key"]) == until
    assert datetime.fromisoformat(voucher["original"]["retain_until"]) == until
    # the raw e-mail was stored before routing (calendar: 1 January 2032) and then lengthened once
    assert _locked_until(voucher["source"]["mail"]["original_key"]) == until
    assert [c["Key"] for c in retention_calls] == [voucher["source"]["mail"]["original_key"]]

    # a replayed event (and the same mail again) changes nothing: no new voucher, no retention call
    retention_calls.clear()
    inbound.mail(mail, "sommer-1")
    inbound.mail(mail, "sommer-1-again")
    inbound.drain()
    assert _only_voucher(api, client_id, BUREAU_ADMIN) == voucher
    assert retention_calls == []
    assert _locked_until(voucher["source"]["mail"]["original_key"]) == until


def test_financial_year_set_by_patch_never_shortens_the_raw_mail(
    api, inbound, mail_factory, invoice_pdf, received_at, retention_calls
):
    client = api.get(f"/clients/{FJORD}", user=ACCOUNTANT).json
    assert client["financial_year_start_month"] == 1
    for bad in (13, 0, "juli", 1.5):
        reply = api.patch(
            f"/clients/{FJORD}", {"version": client["version"], "financial_year_start_month": bad}, user=ACCOUNTANT
        )
        assert reply.status == 422, (bad, reply)
    assert (
        api.patch(
            f"/clients/{FJORD}", {"version": client["version"], "financial_year_start_month": 7}, user=ADMIN
        ).status
        == 403
    )  # a client admin cannot change it: bureau staff only
    changed = api.patch(
        f"/clients/{FJORD}", {"version": client["version"], "financial_year_start_month": 7}, user=ACCOUNTANT
    )
    assert changed.status == 200, changed
    assert changed.json["financial_year_start_month"] == 7 and changed.json["name"] == client["name"]
    renamed = api.patch(
        f"/clients/{FJORD}", {"version": changed.json["version"], "name": "Fjordkaffe AS"}, user=ACCOUNTANT
    )
    assert renamed.status == 200 and renamed.json["financial_year_start_month"] == 7

    received_at(MARCH_2027)
    address = api.get(f"/clients/{FJORD}/voucher-inbox", user=ADMIN).json["address"]
    inbound.mail(mail_factory(((invoice_pdf, "application/pdf", "faktura.pdf"),), to=address), "vaar-1")
    inbound.drain()

    voucher = _only_voucher(api, FJORD, ADMIN)
    assert _locked_until(voucher["original"]["key"]) == _oslo(2032, 7)  # year ends 30 June 2027
    # the raw e-mail's calendar lock (1 January 2033) is already later: kept, not shortened
    assert _locked_until(voucher["source"]["mail"]["original_key"]) == _oslo(2033, 1)
    assert retention_calls == []


def test_calendar_year_client_is_unchanged(api, inbound, mail_factory, invoice_pdf, received_at, retention_calls):
    assert api.get(f"/clients/{FJORD}", user=ADMIN).json["financial_year_start_month"] == 1
    received_at(SEPTEMBER_2026)
    address = api.get(f"/clients/{FJORD}/voucher-inbox", user=ADMIN).json["address"]
    inbound.mail(mail_factory(((invoice_pdf, "application/pdf", "faktura.pdf"),), to=address), "kalender-1")
    inbound.drain()

    voucher = _only_voucher(api, FJORD, ADMIN)
    assert _locked_until(voucher["original"]["key"]) == _oslo(2032, 1)
    assert _locked_until(voucher["source"]["mail"]["original_key"]) == _oslo(2032, 1)
    assert retention_calls == []
