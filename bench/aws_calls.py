"""Counting AWS calls: a botocore `before-call` hook on boto3's default session.

botocore copies the session's event handlers into each client when the client is made, so the hook
is registered once on the session and the cached clients of `klientportal.aws` are dropped; every
client made afterwards reports its calls to whichever `AwsCalls` is recording. `before-call` fires
once per API operation (a retry of the same operation is not counted again).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import boto3

from klientportal import aws

_recording: list[AwsCalls] = []
_hooked: list[int] = []


def _on_call(event_name: str, **_: Any) -> None:
    _, service, operation = event_name.split(".", 2)
    for recorder in _recording:
        recorder.calls[f"{service}.{operation}"] += 1


def install() -> None:
    """Register the hook on boto3's default session (once per session) and drop cached clients."""
    session = boto3._get_default_session()
    if id(session) not in _hooked:
        session.events.register("before-call.*.*", _on_call, unique_id="klientportal-aws-calls")
        _hooked.append(id(session))
        aws.reset()


class AwsCalls:
    """`with AwsCalls() as calls: ...` then `calls.total`, `calls.calls` ({"dynamodb.GetItem": n})."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def __enter__(self) -> AwsCalls:
        install()
        _recording.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _recording.remove(self)

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def of(self, operation: str) -> int:
        """Calls of one operation, e.g. `of("GetItem")` (any service)."""
        return sum(n for name, n in self.calls.items() if name.split(".", 1)[1] == operation)

    def summary(self) -> str:
        return ", ".join(f"{name.split('.', 1)[1]} {n}" for name, n in sorted(self.calls.items()))
