"""Run in a spawned worker (tests/functions/parallel.py): the meter's handler on one SQS event, as
a second Lambda instance of billing-meter would, starting at an agreed moment."""

from __future__ import annotations

import os
import time
from typing import Any

from tests.functions import parallel


def meter_in_worker(context: parallel.Context, event: dict[str, Any], start_at: float) -> tuple[int, dict[str, Any]]:
    parallel._enter(context)
    from functions import catalogue
    from infra.local.invoker import Invoker

    invoker = Invoker()
    time.sleep(max(0.0, start_at - time.time()))
    result: dict[str, Any] = invoker.invoke(catalogue.function("billing-meter"), event)
    return os.getpid(), result
