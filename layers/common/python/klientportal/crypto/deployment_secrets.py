"""Deployment secrets read from Secrets Manager once per process (the name comes from the environment).

Locally the runner stores a fixed, clearly non-secret value under the same name (infra/local/resources).
"""

from __future__ import annotations

from functools import cache

from klientportal import aws
from klientportal.settings import settings


@cache
def _secret_value(secret_id: str) -> bytes:
    secret: str = aws.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    return secret.encode()


def cursor_signing_key() -> bytes:
    """The HMAC key that signs pagination cursors (rotating it only invalidates open cursors)."""
    secret_id = settings().cursor_signing_secret
    if not secret_id:
        raise RuntimeError("KP_SECRET_CURSOR_SIGNING is not set: the cursor signing secret is unknown")
    return _secret_value(secret_id)
