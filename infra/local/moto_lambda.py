"""moto's Step Functions calling the catalogue's handlers for `lambda:invoke` tasks, in-process.

moto (pinned, moto_dynamodb.MOTO_VERSION) executes state machines; a Lambda task calls moto's Lambda
API, which without Docker (`{"lambda": {"use_docker": false}}`) is `LambdaSimpleBackend.invoke`:
it only echoes its input. `install(route)` replaces that one method, once per process, with a call
of `route(function_name, event)`: the local runner and the tests pass the Invoker's call of the
catalogue handler named by the function (klientportal-<name>). A handler that raises answers as
Lambda does for an unhandled error (`X-Amz-Function-Error: Unhandled`, {"errorType",
"errorMessage"}), so the ASL's Retry and Catch see the exception's class name.

`problems()` names any patched internal that moved; `install()` refuses to run with one, and
tests/functions/test_moto_lambda.py checks the pin, the internals and the behaviour.
"""

from __future__ import annotations

import inspect
import json
import threading
from collections.abc import Callable
from typing import Any

import moto
from moto.awslambda import utils as lambda_utils
from moto.awslambda_simple.models import LambdaSimpleBackend

from infra.local.moto_dynamodb import MOTO_VERSION

Route = Callable[[str, Any], Any]
SIGNATURE = ["self", "function_name", "qualifier", "body", "headers", "response_headers"]
_PATCHED = "__klientportal_routed__"
_LOCK = threading.Lock()
_route: list[Route] = []
_running = threading.Condition()
_in_flight = [0]  # invocations in a handler now


def problems() -> list[str]:
    """What differs from the moto internals this module was written against (empty: all in place)."""
    found = []
    if moto.__version__ != MOTO_VERSION:
        found.append(f"moto {moto.__version__} installed, patch written for {MOTO_VERSION}")
    invoke = LambdaSimpleBackend.__dict__.get("invoke")  # its own, not LambdaBackend's Docker one
    if not callable(invoke):
        found.append("LambdaSimpleBackend.invoke is gone")
    else:
        params = list(inspect.signature(getattr(invoke, "__wrapped__", invoke)).parameters)
        if params != SIGNATURE:
            found.append(f"LambdaSimpleBackend.invoke{tuple(params)} changed its signature")
    if "lambda_simple_backends" not in inspect.getsource(lambda_utils):
        found.append("moto.awslambda.utils no longer picks the simple backend when use_docker is false")
    return found


def function_name(name_or_arn: str) -> str:
    """The function's name from a name, a partial or a full ARN (with or without qualifier)."""
    if name_or_arn.startswith("arn:"):
        parts = name_or_arn.split(":")
        return parts[6]
    return name_or_arn.split(":")[0]


def wait_idle(timeout_s: float) -> bool:
    """Wait until no routed invocation runs a handler (True), or `timeout_s` passed (False)."""
    with _running:
        return _running.wait_for(lambda: _in_flight[0] == 0, timeout=timeout_s)


def install(route: Route) -> None:
    """Route moto's Lambda invocations to `route` from now on (a later call replaces the route)."""
    with _LOCK:
        found = problems()
        if found:
            raise RuntimeError("infra/local/moto_lambda.py no longer fits moto: " + "; ".join(found))
        _route[:] = [route]
        if getattr(LambdaSimpleBackend.invoke, _PATCHED, False):
            return
        original = LambdaSimpleBackend.invoke

        def invoke(
            self: LambdaSimpleBackend,
            function_name_or_arn: str,
            qualifier: str | None,
            body: Any,
            headers: Any,
            response_headers: Any,
        ) -> bytes:
            event = json.loads(body) if body else {}
            with _running:
                _in_flight[0] += 1
            try:
                result = _route[0](function_name(function_name_or_arn), event)
            except Exception as exc:  # Lambda reports an unhandled error; the workflow's Catch decides
                response_headers["x-amz-function-error"] = "Unhandled"
                return json.dumps({"errorType": type(exc).__name__, "errorMessage": str(exc)[:4000]}).encode()
            finally:
                with _running:
                    _in_flight[0] -= 1
                    _running.notify_all()
            return json.dumps(result).encode()

        setattr(invoke, "__wrapped__", original)  # noqa: B010 (attributes of a function object)
        setattr(invoke, _PATCHED, True)
        setattr(LambdaSimpleBackend, "invoke", invoke)  # noqa: B010
