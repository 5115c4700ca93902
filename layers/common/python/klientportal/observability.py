"""powertools Logger, Tracer and Metrics, one of each per process, and handler decoration.

The Tracer (and with it the X-Ray SDK, a few hundred ms to import) is created on the first
invocation rather than at import, so that the import of a handler module stays small; bench/
reports both figures.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics

from klientportal import init_phase

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer
    from aws_lambda_powertools.utilities.typing import LambdaContext

LambdaHandler = Callable[[dict[str, Any], "LambdaContext"], Any]

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "klientportal"))
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Klientportal"))


@cache
def tracer() -> Tracer:
    from aws_lambda_powertools import Tracer

    return Tracer()


def instrumented(handler: LambdaHandler, correlation_id_path: str | None = None) -> LambdaHandler:
    """Wrap a Lambda handler with logging context (correlation id), tracing and metrics; called at the
    bottom of a handler module, it also ends the init phase (klientportal.init_phase)."""
    traced: list[LambdaHandler] = []

    def with_tracing(event: dict[str, Any], context: LambdaContext) -> Any:
        if not traced:
            traced.append(tracer().capture_lambda_handler(handler))
        return traced[0](event, context)

    wrapped = metrics.log_metrics(with_tracing)
    decorated = logger.inject_lambda_context(correlation_id_path=correlation_id_path, clear_state=True)(wrapped)
    init_phase.end()  # the handler module is built: the init phase's objects are frozen
    return decorated
