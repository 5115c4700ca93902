"""The local clock override (KP_CLOCK, set_clock): moves business time outside AWS only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from klientportal import clock


@pytest.fixture(autouse=True)
def fresh_clock(monkeypatch):
    monkeypatch.setattr(clock, "_offset", None)
    monkeypatch.setattr(clock, "_setting", None)
    for name in ("KP_CLOCK", "AWS_LAMBDA_FUNCTION_NAME", "KP_DELIVERY_MODE"):
        monkeypatch.delenv(name, raising=False)


def _close(a: datetime, b: datetime) -> bool:
    return abs(a - b) < timedelta(seconds=5)


def test_without_an_override_the_clock_is_real_time():
    assert _close(clock.now(), datetime.now(UTC))
    assert clock.describe().startswith("real time")


def test_a_date_moves_the_business_date_and_keeps_the_time_of_day(monkeypatch):
    monkeypatch.setenv("KP_CLOCK", "2027-01-15")
    assert clock.today_oslo() == date(2027, 1, 15)
    real_local = datetime.now(UTC).astimezone(clock.OSLO)
    moved_local = clock.now().astimezone(clock.OSLO)
    assert (moved_local.hour, moved_local.minute) == (real_local.hour, real_local.minute)
    assert "2027-01-15" in clock.describe()


def test_the_moved_clock_runs_on(monkeypatch):
    monkeypatch.setenv("KP_CLOCK", "2027-01-15T08:00")  # naive: Oslo time
    first = clock.now()
    assert first.astimezone(clock.OSLO).replace(tzinfo=None) >= datetime(2027, 1, 15, 8, 0)
    real = [datetime(2030, 1, 1, tzinfo=UTC)]
    monkeypatch.setattr(clock, "_real_now", lambda: real[0])
    clock.set_clock("2027-01-15T08:00+01:00")
    real[0] += timedelta(hours=3)
    assert clock.now() == datetime(2027, 1, 15, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("spec", "delta"), [("+30d", timedelta(days=30)), ("-2h", timedelta(hours=-2)), ("+90m", timedelta(minutes=90))]
)
def test_an_offset_moves_the_clock_relative_to_real_time(monkeypatch, spec, delta):
    monkeypatch.setenv("KP_CLOCK", spec)
    assert _close(clock.now(), datetime.now(UTC) + delta)


def test_set_clock_moves_and_resets_while_running():
    clock.set_clock("+10d")
    assert clock.today_oslo() == (datetime.now(UTC) + timedelta(days=10)).astimezone(clock.OSLO).date()
    clock.set_clock(None)
    assert _close(clock.now(), datetime.now(UTC))


@pytest.mark.parametrize("spec", ["tomorrow", "2027-13-01", "+5y", "30d"])
def test_an_unreadable_override_is_refused_with_the_forms_it_takes(monkeypatch, spec):
    monkeypatch.setenv("KP_CLOCK", spec)
    with pytest.raises(clock.ClockError, match="2027-01-15"):
        clock.now()


@pytest.mark.parametrize("env", [{"AWS_LAMBDA_FUNCTION_NAME": "klientportal-invoicing"}, {"KP_DELIVERY_MODE": "aws"}])
def test_in_aws_the_override_is_ignored_and_cannot_be_set(monkeypatch, env):
    for k, v in {**env, "KP_CLOCK": "2027-01-15"}.items():
        monkeypatch.setenv(k, v)
    assert _close(clock.now(), datetime.now(UTC))
    with pytest.raises(clock.ClockError, match="AWS"):
        clock.set_clock("+1d")
