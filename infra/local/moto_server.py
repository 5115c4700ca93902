"""The emulated AWS of the local stack and the tests: one moto server in this process, with
DynamoDB's transaction semantics (moto_dynamodb), idempotency tokens (moto_request_tokens) and
sorted-key Query (moto_query), and the configuration they need."""

from __future__ import annotations

import requests
from moto.server import ThreadedMotoServer

from infra.local import moto_dynamodb, moto_query, moto_request_tokens

# Step Functions really runs state machines; Lambda tasks never try Docker (the runner calls handlers).
MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}


def start() -> tuple[ThreadedMotoServer, str]:
    """Patch moto, start its server on a free localhost port, configure it; returns it and its endpoint."""
    moto_dynamodb.install()
    moto_request_tokens.install()
    moto_query.install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    endpoint = f"http://127.0.0.1:{port}"
    configure(endpoint)
    return server, endpoint


def configure(endpoint: str) -> None:
    """(Re)apply MOTO_CONFIG, e.g. after a reset."""
    requests.post(f"{endpoint}/moto-api/config", json=MOTO_CONFIG, timeout=10).raise_for_status()
