"""The one retry-on-stale helper of the store's optimistic writes."""

from __future__ import annotations

import pytest

from klientportal.errors import AlreadyExists, StaleVersion
from klientportal.repository import retry
from klientportal.repository.retry import retry_on_stale


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch):
    monkeypatch.setattr(retry.time, "sleep", lambda s: None)


def _failing(times: int, exc: Exception):
    calls = []

    def attempt() -> int:
        calls.append(1)
        if len(calls) <= times:
            raise exc
        return len(calls)

    return attempt, calls


def test_retries_until_the_write_wins():
    attempt, calls = _failing(3, StaleVersion("lost"))
    assert retry_on_stale(attempt) == 4 and len(calls) == 4


def test_gives_up_with_its_message_after_the_attempts():
    attempt, calls = _failing(100, StaleVersion("lost"))
    with pytest.raises(StaleVersion, match="kept as submitting"):
        retry_on_stale(attempt, attempts=5, gave_up="kept as submitting")
    assert len(calls) == 5


def test_already_exists_is_retried_only_when_asked():
    attempt, calls = _failing(1, AlreadyExists("made under us"))
    with pytest.raises(AlreadyExists):
        retry_on_stale(attempt)
    assert len(calls) == 1
    attempt, _ = _failing(1, AlreadyExists("made under us"))
    assert retry_on_stale(attempt, also_on_exists=True) == 2


def test_other_errors_are_not_retried():
    attempt, calls = _failing(1, ValueError("bug"))
    with pytest.raises(ValueError):
        retry_on_stale(attempt)
    assert len(calls) == 1
