"""Optimistic concurrency: re-read and try again when a conditional write lost a race.

Every write of the store is conditional on the versions it read, so a concurrent writer turns
ours into `StaleVersion` (or `AlreadyExists` for an item created under us). The attempt function
reads what it needs afresh and writes; this helper calls it again after a short random pause
(so that racing writers spread out) until it succeeds or the attempts are used up.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from klientportal.errors import AlreadyExists, StaleVersion

T = TypeVar("T")

ATTEMPTS = 40


def retry_on_stale(
    attempt: Callable[[], T],
    *,
    attempts: int = ATTEMPTS,
    also_on_exists: bool = False,
    gave_up: str = "too many concurrent changes; try again",
) -> T:
    """The result of `attempt()`, called again while it raises StaleVersion (and, with
    `also_on_exists`, AlreadyExists); after `attempts` lost races, StaleVersion(`gave_up`)."""
    retried: tuple[type[Exception], ...] = (StaleVersion, AlreadyExists) if also_on_exists else (StaleVersion,)
    for n in range(attempts):
        try:
            return attempt()
        except retried:
            pause(n)
    raise StaleVersion(gave_up)


def pause(lost: int) -> None:
    """A random pause after the `lost`-th lost race (0-based), growing to at most 0.1 s."""
    time.sleep(random.uniform(0, 0.01 * min(lost + 1, 10)))
