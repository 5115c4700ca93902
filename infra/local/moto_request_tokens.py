"""DynamoDB's transaction idempotency tokens, which moto ignores.

botocore fills `ClientRequestToken` of every TransactWriteItems call (the API marks it an
idempotency token) and sends the same token on each of its retries. DynamoDB answers a repeat of
a transaction that succeeded with success and changes nothing, for ten minutes; a repeat with other
items gets IdempotentParameterMismatchException. moto executes the repeat again, so a transaction
that committed but whose answer was late (botocore's read timeout under load) is retried, fails its
own conditions and reaches the caller as a conflict for a write that happened. `install()` makes
moto's handler remember each successful token as DynamoDB does; `problems()` names the moto internal
that moved, and install refuses to run then (tests/functions/test_moto_request_tokens.py).
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import moto
from moto.dynamodb.exceptions import DynamodbException
from moto.dynamodb.responses import DynamoHandler

from infra.local.moto_dynamodb import MOTO_VERSION

TOKEN_WINDOW_S = 10 * 60  # DynamoDB keeps a token this long
_lock = threading.Lock()
_seen: dict[str, tuple[str, float, Any]] = {}  # token → (fingerprint of the items, when, the answer)
_installed = False


class IdempotentParameterMismatch(DynamodbException):
    error_type = "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException"

    def __init__(self) -> None:
        super().__init__(
            self.error_type,
            message="The request uses the same client token as a previous, but non-identical request.",
        )


def problems() -> list[str]:
    """What moved in moto since this patch was written (empty: safe to install)."""
    found = []
    if moto.__version__ != MOTO_VERSION:
        found.append(f"moto {moto.__version__} installed, patch written for {MOTO_VERSION}")
    method = getattr(DynamoHandler, "transact_write_items", None)
    if method is None:
        found.append("DynamoHandler.transact_write_items is gone")
    else:
        original = getattr(method, "__wrapped__", method)
        if list(inspect.signature(original).parameters) != ["self"]:
            found.append("DynamoHandler.transact_write_items takes arguments now")
        if 'self.body["TransactItems"]' not in inspect.getsource(original):
            found.append("DynamoHandler.transact_write_items no longer reads self.body")
    return found


def forget() -> None:
    """Forget every remembered token (the emulated tables were emptied)."""
    with _lock:
        _seen.clear()


def install() -> None:
    """Patch moto once per process; refuses if the internal it relies on moved."""
    global _installed
    if _installed:
        return
    moved = problems()
    if moved:
        raise RuntimeError("moto_request_tokens cannot patch moto: " + "; ".join(moved))
    DynamoHandler.transact_write_items = _with_tokens(DynamoHandler.transact_write_items)
    _installed = True


def _with_tokens(method: Callable[[DynamoHandler], Any]) -> Callable[[DynamoHandler], Any]:
    @functools.wraps(method)
    def transact(self: DynamoHandler) -> Any:
        token = self.body.get("ClientRequestToken")
        if not token:
            return method(self)
        fingerprint = hashlib.sha256(json.dumps(self.body["TransactItems"], sort_keys=True).encode()).hexdigest()
        now = time.monotonic()
        with _lock:
            for old in [t for t, (_, at, _) in _seen.items() if now - at > TOKEN_WINDOW_S]:
                del _seen[old]
            seen = _seen.get(token)
        if seen is not None:
            if seen[0] != fingerprint:
                raise IdempotentParameterMismatch()
            return seen[2]
        answer = method(self)
        with _lock:
            _seen[token] = (fingerprint, now, answer)
        return answer

    return transact
