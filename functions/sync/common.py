"""What the sync handlers share: the operational store, the queue sender, the local switch."""

from __future__ import annotations

import json
from typing import Any

from klientportal import aws
from klientportal.bootstrap import Invocation
from klientportal.repository.operational import OperationalStore
from klientportal.settings import settings

DELIVERIES_QUEUE_VAR = "KP_QUEUE_WEBHOOK_DELIVERIES"


def is_local() -> bool:
    """Loopback and http webhook URLs are allowed on the local stack only (KP_DELIVERY_MODE=local)."""
    return settings().delivery_mode == "local"


def operational(inv: Invocation) -> OperationalStore:
    s = inv.settings
    return OperationalStore(aws.client("dynamodb"), s.main_table, s.idempotency_table)


def _queue_url(value: str) -> str:
    if value.startswith("https://") or value.startswith("http://"):
        return value  # AWS: the binding is the queue URL
    return str(aws.client("sqs").get_queue_url(QueueName=value)["QueueUrl"])  # locally: the name


def delivery_sender() -> Any:
    import os

    url = _queue_url(os.environ.get(DELIVERIES_QUEUE_VAR, "klientportal-webhook-deliveries"))

    def send(message: dict[str, Any], delay_s: int) -> None:
        aws.client("sqs").send_message(QueueUrl=url, MessageBody=json.dumps(message), DelaySeconds=delay_s)

    return send
