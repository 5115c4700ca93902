"""Receipts from outside parties (access point, print centre, Svea) reach the invoicing routine as
messages on the invoice-receipts queue — in AWS from the partners' webhooks, locally from the
simulators. One shape for all of them (`Receipt`), so the consumer is one function."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from typing import Any

from klientportal import aws
from klientportal.settings import settings


@dataclass(frozen=True)
class Receipt:
    source: str  # access-point | print-centre | svea
    kind: str  # accepted | rejected | delivered | printed | status
    client_id: str
    invoice_id: str
    reference: str  # the partner's id: AP message id, print job id, Svea case id
    reason: str | None = None
    status: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, body: str) -> Receipt:
        return cls(**json.loads(body))


def post_receipt(receipt: Receipt, delay_s: int = 0) -> None:
    """Put a receipt on the invoice-receipts queue (simulators; partner webhooks in AWS)."""
    sqs = aws.client("sqs")
    url = sqs.get_queue_url(QueueName=settings().invoice_receipts_queue)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=receipt.to_json(), DelaySeconds=max(0, min(delay_s, 900)))


def simulator_delay(name: str, default: int = 0) -> int:
    return int(os.environ.get(name, default))
