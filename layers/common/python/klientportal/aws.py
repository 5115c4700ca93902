"""boto3 clients, created once per process (and again after `reset`, which tests use)."""
from __future__ import annotations

import os
from functools import cache
from typing import Any, Literal

import boto3
from botocore.config import Config

Service = Literal["cognito-idp", "dynamodb", "events", "kms", "s3", "ses", "sqs", "textract"]

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=3, read_timeout=10)


@cache
def client(service: Service) -> Any:
    """A boto3 client for `service` in the configured region (AWS_ENDPOINT_URL honoured by boto3)."""
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "eu-north-1"
    return boto3.client(service, region_name=region, config=_CONFIG)


def reset() -> None:
    """Forget cached clients (after the endpoint or the mock changed)."""
    client.cache_clear()
