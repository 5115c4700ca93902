"""powertools Logger, Tracer and Metrics, one of each per process, and handler decoration."""
from __future__ import annotations

from typing import Any, Callable

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()


def instrumented(handler: Callable[[dict, Any], Any], correlation_id_path: str | None = None) -> Callable:
    """Wrap a Lambda handler with logging context (correlation id), tracing and metrics."""
    wrapped = metrics.log_metrics(tracer.capture_lambda_handler(handler))
    return logger.inject_lambda_context(correlation_id_path=correlation_id_path, clear_state=True)(wrapped)
