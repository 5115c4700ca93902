"""Lengthening an original's lock (0265): only ever later, only when needed; legacy clients are
calendar-year clients."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from pydantic import ValidationError

from klientportal import clock
from klientportal.repository.records import Record
from klientportal.tenancy.models import Client, ClientCreate, ClientUpdate
from klientportal.vouchers.intake import financial_year_start
from klientportal.vouchers.originals import OriginalRef, extend_retention, retain_until


class StubS3:
    def __init__(self, stored_until: datetime | None) -> None:
        self.stored_until, self.calls = stored_until, []

    def head_object(self, **kw):
        self.calls.append(("head", kw))
        return {"ObjectLockRetainUntilDate": self.stored_until} if self.stored_until else {}

    def put_object_retention(self, **kw):
        self.calls.append(("put", kw))
        self.stored_until = kw["Retention"]["RetainUntilDate"]


def _ref(until: datetime) -> OriginalRef:
    return OriginalRef("b", "originals/ab/abc", "abc", 1, "message/rfc822", clock.iso(until))


CALENDAR = retain_until(date(2026, 9, 15))  # 1 January 2032
JULY_JUNE = retain_until(date(2026, 9, 15), first_month=7)  # 1 July 2032


def test_lengthens_a_shorter_lock_once():
    s3 = StubS3(CALENDAR)
    ref = extend_retention(s3, _ref(CALENDAR), JULY_JUNE)
    assert datetime.fromisoformat(ref.retain_until) == JULY_JUNE
    assert [c[0] for c in s3.calls] == ["head", "put"]
    assert s3.calls[1][1]["Retention"] == {"Mode": "COMPLIANCE", "RetainUntilDate": JULY_JUNE}
    s3.calls.clear()
    assert extend_retention(s3, ref, JULY_JUNE) == ref and s3.calls == []  # replay: no call


def test_never_shortens():
    s3 = StubS3(JULY_JUNE)
    assert extend_retention(s3, _ref(JULY_JUNE), CALENDAR) == _ref(JULY_JUNE) and s3.calls == []
    # the stored lock is later than this run assumed (lengthened meanwhile): kept, reported as stored
    later = retain_until(date(2027, 9, 1), first_month=7)
    s3 = StubS3(later)
    ref = extend_retention(s3, _ref(CALENDAR), JULY_JUNE)
    assert [c[0] for c in s3.calls] == ["head"] and datetime.fromisoformat(ref.retain_until) == later


def test_clients_stored_without_the_setting_are_calendar_year_clients():
    data = {
        "client_id": "c-x",
        "bureau_id": "b",
        "name": "X AS",
        "orgnr": "912345661",
        "tier": "portal",
        "modules": [],
        "licence": {"status": "pending"},
        "active": True,
    }
    assert Client.model_validate(data).financial_year_start_month == 1
    assert financial_year_start(Record("T#c-x", "CLIENT", "client", data)) == 1
    assert financial_year_start(Record("T#c-x", "CLIENT", "client", {**data, "financial_year_start_month": 7})) == 7


@pytest.mark.parametrize("month", [0, 13, -1])
def test_start_month_is_1_to_12(month):
    with pytest.raises(ValidationError):
        ClientCreate(name="X AS", orgnr="912345661", tier="portal", financial_year_start_month=month)
    with pytest.raises(ValidationError):
        ClientUpdate(version=1, financial_year_start_month=month)
    assert ClientUpdate(version=1, financial_year_start_month=12).financial_year_start_month == 12
