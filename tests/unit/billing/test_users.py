"""ByråKlient users from memberships: active at any moment of the month (Oslo), each user once; the
periods tenancy keeps on each change of status (decision 0712)."""

from __future__ import annotations

from klientportal.billing.months import Month
from klientportal.billing.users import users_in_month
from klientportal.repository.records import Record
from klientportal.tenancy.repository import active_periods, periods_of

NOV = Month(2026, 11)


def spans(*periods: tuple[str, str | None]) -> list[dict[str, str | None]]:
    return [{"from": f, "to": t} for f, t in periods]


def test_active_at_any_moment_of_the_month_counts_once():
    members = {
        "a": spans(("2026-03-01T08:00:00+00:00", None)),  # active all along
        "b": spans(("2026-10-01T08:00:00+00:00", "2026-11-03T12:00:00+00:00")),  # left in November
        "c": spans(("2026-11-30T22:30:00+00:00", None)),  # 23:30 Oslo on the 30th: in November
        "d": spans(("2026-10-01T08:00:00+00:00", "2026-10-31T23:00:00+00:00")),  # left at 00:00 Oslo, 1 Nov
        "e": spans(("2026-11-30T23:00:00+00:00", None)),  # 00:00 Oslo 1 December: not November
        "f": spans(("2026-05-01T08:00:00+00:00", "2026-06-01T08:00:00+00:00"), ("2026-11-20T08:00:00+00:00", None)),
        "h": [],  # invited, never accepted
    }
    assert users_in_month(members, NOV) == 4  # a, b, c, f
    assert users_in_month(members, Month(2026, 10)) == 3  # a, b, d
    assert users_in_month(members, Month(2026, 12)) == 4  # a, c, e, f
    assert users_in_month({}, NOV) == 0


def _rec(data: dict, created: str = "2026-01-01T00:00:00+00:00", updated: str = "") -> Record:
    return Record("T#c", "MEMBER#s", "membership", data, version=1, created_at=created, updated_at=updated)


def test_items_written_before_the_periods_were_kept():
    old_active = _rec({"status": "active"}, created="2026-11-15T09:00:00+00:00")
    old_disabled = _rec({"status": "disabled"}, "2026-09-01T09:00:00+00:00", "2026-10-20T09:00:00+00:00")
    old_invited = _rec({"status": "invited"}, "2026-09-01T09:00:00+00:00")
    members = {"x": periods_of(old_active), "y": periods_of(old_disabled), "z": periods_of(old_invited)}
    assert users_in_month(members, Month(2026, 10)) == 1  # y
    assert users_in_month(members, NOV) == 1  # x


def test_tenancy_keeps_the_active_periods_on_each_change_of_status():
    assert active_periods(None, "invited", "t1") == []
    assert active_periods(None, "active", "t1") == [{"from": "t1", "to": None}]
    invited = _rec({"status": "invited", "active_periods": []})
    assert active_periods(invited, "active", "t2") == [{"from": "t2", "to": None}]
    active = _rec({"status": "active", "active_periods": [{"from": "t2", "to": None}]})
    assert active_periods(active, "active", "t3") == [{"from": "t2", "to": None}]  # a role change: no new period
    disabled = active_periods(active, "disabled", "t4")
    assert disabled == [{"from": "t2", "to": "t4"}]
    again = active_periods(_rec({"status": "disabled", "active_periods": disabled}), "active", "t5")
    assert again == [{"from": "t2", "to": "t4"}, {"from": "t5", "to": None}]
    # an item from before: active since it was created
    legacy = _rec({"status": "active"}, created="2026-02-01T00:00:00+00:00")
    assert active_periods(legacy, "disabled", "t6") == [{"from": "2026-02-01T00:00:00+00:00", "to": "t6"}]
