"""Process environment for the local stack and tests: region, fake credentials, switches."""

from __future__ import annotations

import os
from pathlib import Path

from klientportal import aws

REPO_ROOT = Path(__file__).resolve().parents[2]
LOCAL_DIR = Path(os.environ.get("KP_LOCAL_DIR", REPO_ROOT / ".local"))
DEV_ISSUER_KEY = LOCAL_DIR / "dev-issuer.pem"

BASE_ENV = {
    "AWS_DEFAULT_REGION": "eu-north-1",
    "AWS_REGION": "eu-north-1",
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
    "KP_IDENTITY_PROVIDER": "local",
    "KP_DELIVERY_MODE": "local",
    "POWERTOOLS_SERVICE_NAME": "klientportal-local",
    "POWERTOOLS_METRICS_NAMESPACE": "Klientportal",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_DEV": "false",
}


def apply(extra: dict[str, str], *, log_level: str = "WARNING") -> None:
    """Set the local environment (plus `extra`) and drop cached AWS clients."""
    os.environ.update(BASE_ENV)
    os.environ["POWERTOOLS_LOG_LEVEL"] = log_level
    os.environ.update(extra)
    aws.reset()
