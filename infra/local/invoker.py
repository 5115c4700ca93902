"""Calls catalogue handlers in-process the way Lambda would: one request at a time per function."""

from __future__ import annotations

import importlib
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from functions import catalogue


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object that handlers and powertools read."""

    function_name: str
    memory_limit_in_mb: int
    timeout_s: int
    aws_request_id: str
    invoked_function_arn: str
    started: float

    function_version = "$LATEST"
    log_group_name = "/aws/lambda/local"
    log_stream_name = "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.started + self.timeout_s - time.monotonic()) * 1000))


class Invoker:
    """Runs one handler at a time in this process: Lambda gives each instance one request at a
    time, and powertools keeps the current event on a class attribute that all resolvers share."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._handlers: dict[str, Callable] = {}

    def handler(self, fn: catalogue.Function) -> Callable:
        if fn.name not in self._handlers:
            module = importlib.import_module(fn.module)
            self._handlers[fn.name] = getattr(module, fn.handler.rsplit(".", 1)[1])
        return self._handlers[fn.name]

    def invoke_deployed(self, deployed_name: str, event: Any) -> Any:
        """Invoke the catalogue function deployed (locally) as `deployed_name` ("klientportal-<name>"),
        as a state machine's `lambda:invoke` task does (infra/local/moto_lambda.py routes it here)."""
        return self.invoke(catalogue.function(deployed_name.removeprefix("klientportal-")), event)

    def invoke(self, fn: catalogue.Function, event: dict) -> Any:
        handler = self.handler(fn)
        context = LambdaContext(
            function_name=f"klientportal-{fn.name}",
            memory_limit_in_mb=fn.memory_mb,
            timeout_s=fn.timeout_s,
            aws_request_id=str(uuid.uuid4()),
            invoked_function_arn=f"arn:aws:lambda:eu-north-1:000000000000:function:klientportal-{fn.name}",
            started=time.monotonic(),
        )
        with self._lock:
            return handler(event, context)
