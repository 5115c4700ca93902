"""The client's MEMBERS#PERIODS item on moto (decision 0712): written with every change of a client
membership in one transaction, each status change extending the member's periods; a change of
another member that lands in between is re-read and kept, never lost."""

from __future__ import annotations

from dataclasses import replace

from klientportal import clock
from klientportal.bootstrap import store, tenancy_service
from klientportal.repository import keys
from klientportal.repository.store import SYSTEM, Change, Store
from klientportal.tenancy.models import MembershipUpdate, Role

BYGG = "c-hansenbygg"


def minutes(periods: list[dict]) -> list[tuple]:
    """The periods to the minute (the moved clock keeps running)."""
    return [(p["from"][:16], p["to"][:16] if p["to"] else None) for p in periods]


def periods() -> dict:
    rec = store().get(keys.client_pk(BYGG), keys.MEMBER_PERIODS_SK)
    assert rec is not None
    return dict(rec.data["members"])


def test_each_status_change_extends_the_periods_and_a_concurrent_change_is_kept(api, monkeypatch):
    service = tenancy_service()
    clock.set_clock("2026-10-01T08:00")
    try:
        first = service.add_member("client", BYGG, "a@hansenbygg.no", "A", Role.CLIENT_USER, SYSTEM)
        assert minutes(periods()[first.sub]) == [("2026-10-01T06:00", None)]
        clock.set_clock("2026-10-10T08:00")
        service.update_membership("client", BYGG, first.sub, MembershipUpdate(version=1, status="disabled"), SYSTEM)
        assert minutes(periods()[first.sub]) == [("2026-10-01T06:00", "2026-10-10T06:00")]
        bureau_staff = {m.sub for m in service.repo.members("bureau", "b-demo")}
        assert not bureau_staff & set(periods())  # the bureau's staff are not the client's members

        # another member's change commits between our read of the item and our transaction
        write = Store.write
        raced = []

        def another_change_first(self, audit_pk, changes, actor):
            if not raced and any(c.record.sk == keys.MEMBER_PERIODS_SK for c in changes):
                raced.append(True)
                rec = self.get(keys.client_pk(BYGG), keys.MEMBER_PERIODS_SK)
                members = {**rec.data["members"], "someone-else": [{"from": "2026-10-10T06:00:00+00:00", "to": None}]}
                write(self, audit_pk, [Change(rec, replace(rec, data={"members": members}), "test.race")], actor)
            return write(self, audit_pk, changes, actor)

        monkeypatch.setattr(Store, "write", another_change_first)
        second = service.add_member("client", BYGG, "b@hansenbygg.no", "B", Role.CLIENT_USER, SYSTEM)
        monkeypatch.setattr(Store, "write", write)
        assert raced
        got = periods()
        assert {first.sub, second.sub, "someone-else"} <= set(got)
        assert minutes(got[second.sub]) == [("2026-10-10T06:00", None)]
        assert [m.email for m in service.repo.members("client", BYGG)].count("b@hansenbygg.no") == 1
    finally:
        clock.set_clock(None)
