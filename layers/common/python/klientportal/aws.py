"""boto3 clients, created once per process (and again after `reset`, which tests use)."""

from __future__ import annotations

import os
from functools import cache
from typing import Any, Literal

import boto3
from botocore.config import Config

#: The services the code uses (a name outside this list is a type error at the call).
Service = Literal[
    "cognito-idp", "dynamodb", "events", "kms", "s3", "secretsmanager", "ses", "sqs", "stepfunctions", "textract"
]

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=3, read_timeout=10)


def client(service: Service) -> Any:
    """A boto3 client for `service` in the configured region (AWS_ENDPOINT_URL honoured by boto3)."""
    return _client(service)


@cache
def _client(service: Service) -> Any:
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "eu-north-1"
    return boto3.client(service, region_name=region, config=_CONFIG)


def reset() -> None:
    """Forget cached clients (after the endpoint or the mock changed)."""
    _client.cache_clear()
